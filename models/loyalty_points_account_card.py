import re

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.ean import EAN13_LENGTH, ean13_random, is_valid_ean13

# Draws of a free card number before giving up (the prefix leaves too few
# free numbers: at least 6 random digits, a million numbers).
CARD_NUMBER_DRAWS = 20
# Pre-printed cards: letters, digits and dashes (what a Code 128 or EAN
# barcode carries and a cashier can type).
CARD_NUMBER_RE = re.compile(r"^[A-Za-z0-9-]{4,32}$")


class LoyaltyPointsAccount(models.Model):
    _inherit = "loyalty.points.account"

    # ------------------------------------------------------------------
    # actions (POS managers: they may write accounts; cashiers only read)

    def action_issue_card(self, number=False):
        """Give each of these accounts a card: ``number`` (a pre-printed card,
        one account only) or a random number in the company's range.

        :raises UserError: an account already has an active card, or the number
            is invalid or already used in the company
        """
        self._loyalty_points_check_card_rights()
        with_card = self.filtered("card_number")
        if with_card:
            raise UserError(
                self.env._(
                    "%(customers)s already has an active loyalty card: block or replace it.",
                    customers=", ".join(with_card.mapped("partner_id.display_name")),
                )
            )
        return self._loyalty_points_issue_cards(number)._loyalty_points_action_open()

    def action_block_card(self, reason=False):
        """Block the active card of these accounts (lost, stolen): its number
        never selects the customer again; the account keeps its history."""
        self._loyalty_points_check_card_rights()
        cards = self.sudo().card_ids.filtered(lambda card: card.state == "active")
        if len(cards) != len(self):
            raise UserError(
                self.env._(
                    "%(customers)s has no active loyalty card to block.",
                    customers=", ".join(
                        (self - cards.account_id).mapped("partner_id.display_name")
                    ),
                )
            )
        cards.write(
            {
                "state": "blocked",
                "blocked_date": fields.Date.context_today(self),
                "block_reason": reason or False,
            }
        )
        # the unique index allows one active card per account: block first
        cards.flush_recordset()
        for card in cards:
            card.account_id.message_post(
                body=self.env._("Loyalty card %(number)s blocked.", number=card.number)
            )
        return True

    def action_replace_card(self, number=False, reason=False):
        """Block the active card of this account and issue a new one
        (``number`` or a generated one): the account and its history stay."""
        self.ensure_one()
        self._loyalty_points_check_card_rights()
        if number:
            number = self._loyalty_points_check_card_number(number, self.company_id)
        self.action_block_card(reason or self.env._("Replaced"))
        return self._loyalty_points_issue_cards(number)._loyalty_points_action_open()

    def action_print_card(self):
        return self.env.ref("loyalty_points.action_report_loyalty_card").report_action(self)

    # ------------------------------------------------------------------
    # helpers

    def _loyalty_points_check_card_rights(self):
        """Only who may write the accounts (POS managers) handles their cards."""
        self.check_access("write")

    def _loyalty_points_issue_cards(self, number=False):
        if number:
            self.ensure_one()
            numbers = {self: self._loyalty_points_check_card_number(number, self.company_id)}
        else:
            numbers = {}
            for company, accounts in self.grouped("company_id").items():
                generated = self._loyalty_points_generate_card_numbers(company, len(accounts))
                numbers.update(zip(accounts, generated, strict=True))
        cards = (
            self.env["loyalty.points.card"]
            .sudo()
            .create(
                [
                    {
                        "number": card_number,
                        "account_id": account.id,
                        "company_id": account.company_id.id,
                    }
                    for account, card_number in numbers.items()
                ]
            )
        )
        for card in cards:
            card.account_id.message_post(
                body=self.env._("Loyalty card %(number)s issued.", number=card.number)
            )
        return cards

    @api.model
    def _loyalty_points_check_card_number(self, number, company):
        """``number`` without surrounding spaces, checked for ``company``.

        :raises UserError: empty, malformed, a wrong EAN-13 check digit, or
            already used (active or blocked) in the company
        """
        number = (number or "").strip()
        if not CARD_NUMBER_RE.match(number):
            raise UserError(
                self.env._(
                    "The card number %(number)s is not valid: use 4 to 32 letters, "
                    "digits or dashes.",
                    number=number or '""',
                )
            )
        if number.isdigit() and len(number) == EAN13_LENGTH and not is_valid_ean13(number):
            raise UserError(
                self.env._(
                    "The card number %(number)s has a wrong check digit: it is not a "
                    "valid EAN-13 barcode.",
                    number=number,
                )
            )
        used = (
            self.env["loyalty.points.card"]
            .sudo()
            .search([("company_id", "=", company.id), ("number", "=", number)], limit=1)
        )
        if used:
            raise UserError(
                self.env._(
                    "The card number %(number)s is already used in %(company)s "
                    "(%(state)s card).",
                    number=number,
                    company=company.name,
                    state=dict(used._fields["state"]._description_selection(self.env))[used.state],
                )
            )
        return number

    @api.model
    def _loyalty_points_generate_card_numbers(self, company, count):
        """``count`` new EAN-13 numbers: the company's prefix, random digits
        (``tools.ean13_random``: the card is the customer's credential at the
        till, so no number may be derived from another one), the check digit.
        A number already used in the company (an active or blocked card, a
        pre-printed one) or twice in the batch is drawn again.

        :raises UserError: no free number after many draws (a long prefix
            with most of its numbers used)
        """
        prefix = company.loyalty_points_card_prefix or ""
        Card = self.env["loyalty.points.card"].sudo()
        numbers = {}  # an ordered set
        for _draw in range(CARD_NUMBER_DRAWS):
            missing = count - len(numbers)
            if not missing:
                break
            batch = {ean13_random(prefix): True for _i in range(missing)}
            used = Card.search(
                [("company_id", "=", company.id), ("number", "in", list(batch))]
            ).mapped("number")
            numbers.update((number, True) for number in batch if number not in used)
        if len(numbers) < count:
            raise UserError(
                self.env._(
                    "No free card number was found with the prefix %(prefix)s: "
                    "choose a shorter prefix.",
                    prefix=prefix,
                )
            )
        return list(numbers)

    @api.model
    def _loyalty_points_find_card(self, number, company):
        """The card ``number`` of ``company`` (active or blocked), or an empty
        recordset."""
        return (
            self.env["loyalty.points.card"]
            .sudo()
            .search(
                [("company_id", "=", company.id), ("number", "=", (number or "").strip())],
                limit=1,
            )
        )
