from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import formatLang

from ..tools import (
    POINTS_DIGITS,
    check_protected_fields,
    ledger_context,
    points_paid,
    round_points,
)
from .account_move import SALE_TYPES

# What a user may not change on a payment whose points are booked.
LOCKED_FIELDS = ("amount", "currency_id", "partner_id", "journal_id", "payment_type", "date")


class AccountPayment(models.Model):
    """Paying an invoice with loyalty points: a payment in a journal flagged
    ``loyalty_points`` (Register Payment on the invoice).

    When its journal entry is posted, the payment asks the ledger: on a
    customer invoice, a redeem of amount / point value points, refused beyond
    the customer's spendable balance or the company's maximum share of the
    invoice; on a credit note (a refund), a give-back of the points paid on
    the invoice it credits, never more. When the entry of a points payment
    leaves the books (reset to draft, cancelled), its points come back: a
    give-back, never an edit. A points refund cannot be undone.

    The payment's outstanding account is the points liability when points are
    in the books, else the expense of redeemed points, as at the till.
    """

    _inherit = "account.payment"
    # Fields only the ledger writes (tools.guard.check_protected_fields).
    _loyalty_points_protected_fields = ("loyalty_points_invoice_id", "loyalty_points_entry_ids")

    is_loyalty_points = fields.Boolean(
        compute="_compute_is_loyalty_points",
        help="A payment of an invoice with loyalty points: in a journal flagged for "
        "points, not a POS session's (the till books the points of its payments).",
    )
    loyalty_points_invoice_id = fields.Many2one(
        "account.move",
        string="Invoice Paid with Points",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The invoice this points payment paid (or the credit note it refunded).",
    )
    loyalty_points_entry_ids = fields.One2many(
        "loyalty.points.entry", "payment_id", string="Loyalty Entries", readonly=True
    )
    loyalty_points = fields.Float(
        string="Points",
        digits=POINTS_DIGITS,
        compute="_compute_loyalty_points",
        help="Points this payment spends (negative: points a refund gave back).",
    )

    @api.depends("journal_id.loyalty_points", "pos_session_id")
    def _compute_is_loyalty_points(self):
        for payment in self:
            payment.is_loyalty_points = (
                payment.journal_id.loyalty_points and not payment.pos_session_id
            )

    @api.depends("loyalty_points_invoice_id", "state")
    def _compute_loyalty_points(self):
        for payment, sudo_payment in zip(self, self.sudo(), strict=True):
            payment.loyalty_points = round_points(
                -sum(sudo_payment.loyalty_points_entry_ids.mapped("points"))
            )

    @api.depends("journal_id.loyalty_points", "company_id")
    def _compute_outstanding_account_id(self):
        res = super()._compute_outstanding_account_id()
        for payment in self.filtered("is_loyalty_points"):
            payment.outstanding_account_id = payment.company_id._loyalty_points_payment_account()
        return res

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_fields(self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_fields(self, [vals])
        if set(LOCKED_FIELDS) & set(vals):
            self._loyalty_points_check_editable(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_loyalty_points(self):
        if self.sudo().loyalty_points_entry_ids:
            raise UserError(
                self.env._(
                    "A payment that moved loyalty points cannot be deleted: cancel it, "
                    "its points come back."
                )
            )

    def _get_valid_liquidity_accounts(self):
        accounts = super()._get_valid_liquidity_accounts()
        if self.is_loyalty_points:
            accounts |= self.outstanding_account_id
        return accounts

    def _loyalty_points_check_editable(self, vals):
        """The amount, customer, journal... of a payment are those its points
        were booked with: reset it to draft first (its points come back). Nor
        does a posted payment move into (or out of) a points journal."""
        new_journal = self.env["account.journal"].browse(vals.get("journal_id"))
        for payment in self:
            booked = payment.sudo().loyalty_points_entry_ids and payment.loyalty_points
            moved = (
                payment.state != "draft"
                and not payment.pos_session_id
                and (payment.journal_id.loyalty_points or new_journal.loyalty_points)
            )
            if booked or (moved and "journal_id" in vals):
                raise UserError(
                    self.env._(
                        "The points of payment %(payment)s are booked: reset it to draft "
                        "(its points come back) before you change it.",
                        payment=payment.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # what the payment asks the ledger for

    def _loyalty_points_book(self):
        """Book the points of these points payments, whose journal entries were
        just posted (once: a payment whose points are booked books nothing)."""
        for payment in self:
            payment.sudo().with_context(**ledger_context())._loyalty_points_book_payment()

    def _loyalty_points_unbook(self):
        """The journal entries of these points payments left the books: their
        points come back (what is left of them to give back)."""
        for payment in self:
            payment.sudo().with_context(**ledger_context())._loyalty_points_give_back()

    def _loyalty_points_check_undo(self):
        """A points refund (points given back on a credit note) is never undone:
        the points are the customer's again."""
        for payment in self:
            if payment.payment_type == "outbound" and payment.loyalty_points < 0:
                raise UserError(
                    self.env._(
                        "Payment %(payment)s gave %(points)s loyalty points back to "
                        "%(partner)s: it cannot be reset or cancelled. Register a new points "
                        "payment if the customer pays with them again.",
                        payment=payment.display_name,
                        points=-payment.loyalty_points,
                        partner=payment.partner_id.display_name,
                    )
                )

    def _loyalty_points_book_payment(self):
        self.ensure_one()
        entries = self.loyalty_points_entry_ids
        if round_points(sum(entries.mapped("points"))):
            return self.env["loyalty.points.entry"]  # booked already
        document = self._loyalty_points_document()
        if self.loyalty_points_invoice_id != document:
            self.write({"loyalty_points_invoice_id": document.id})
        Account = self.env["loyalty.points.account"]
        account = Account._get_locked(document.partner_id, self.company_id)
        if self.payment_type == "inbound":
            earlier = entries.filtered(lambda e: e.kind == "redeem").sorted("id")[-1:]
            vals_list = self._loyalty_points_redeem_vals(account, document, earlier)
        else:
            vals_list = self._loyalty_points_refund_vals(document)
        booked = self.env["loyalty.points.entry"]._post(vals_list, locked=account)
        self._loyalty_points_settle(booked)
        return booked

    def _loyalty_points_give_back(self):
        self.ensure_one()
        Entry = self.env["loyalty.points.entry"]
        redeems = self.loyalty_points_entry_ids.filtered(lambda e: e.kind == "redeem")
        rooms = redeems._reversible_points()
        points = round_points(sum(rooms.values()))
        if points <= 0:
            return Entry
        redeems.account_id._lock_for_update()
        vals_list = redeems.filtered(lambda e: rooms[e] > 0)._prepare_reversal_vals(
            points,
            self,
            event="giveback",
            note=self.env._("Points payment %(payment)s cancelled", payment=self.name),
        )
        entries = Entry._post(vals_list, locked=redeems.account_id)
        self._loyalty_points_settle(entries)
        return entries

    def _loyalty_points_settle(self, entries):
        """When this payment's journal entry settles its points against the
        points liability (its outstanding account), it is recorded on their
        entries, which the posting job then leaves alone (as the POS session
        closing does). A payment made before points were in the books settled
        against the expense: the job posts its give-backs."""
        company = self.company_id.sudo()
        liability = company.loyalty_points_liability_account_id
        if (
            entries
            and company.loyalty_points_liability_accounting
            and self.outstanding_account_id == liability
        ):
            entries._set_move(entries.ids, self.move_id)

    def _loyalty_points_document(self):
        """The customer invoice (inbound) or credit note (outbound) this points
        payment pays: exactly one, posted, of the payment's customer and
        company (Register Payment links it). Anything else is refused."""
        self.ensure_one()
        documents = self.invoice_ids
        kinds = SALE_TYPES if self.payment_type == "inbound" else ("out_refund",)
        if self.partner_type != "customer" or len(documents) != 1:
            raise UserError(
                self.env._(
                    "A loyalty points payment pays one customer invoice (or refunds one "
                    "credit note): register it from that invoice, one invoice at a time "
                    "(payment %(payment)s).",
                    payment=self.display_name,
                )
            )
        document = documents
        if (
            document.move_type not in kinds
            or document.state != "posted"
            or document.company_id != self.company_id
            or document.commercial_partner_id != self.partner_id.commercial_partner_id
        ):
            raise UserError(
                self.env._(
                    "Loyalty points pay customer invoices and refund the credit notes of "
                    "invoices paid with points, of the payment's customer and company: "
                    "payment %(payment)s cannot be paid with points on %(document)s.",
                    payment=self.display_name,
                    document=document.display_name,
                )
            )
        return document

    def _loyalty_points_company_amount(self):
        """The payment's amount in the company currency, at its date."""
        self.ensure_one()
        return self.currency_id._convert(
            self.amount, self.company_id.currency_id, self.company_id, self.date, round=False
        )

    def _loyalty_points_redeem_vals(self, account, invoice, earlier):
        """The redeem of this payment on ``invoice``, refused beyond what the
        customer can spend (``account``, locked) and beyond the company's
        maximum share of the invoice (with its other points payments)."""
        company = self.company_id
        currency = company.currency_id
        amount = self._loyalty_points_company_amount()
        limits = invoice._loyalty_points_payment_limits(account)
        refusal = False
        if currency.compare_amounts(amount, limits["min_amount"]) < 0:
            refusal = self.env._(
                "A points payment must be worth at least %(min)s (a hundredth of a point): "
                "a points payment of %(amount)s is refused.",
                min=formatLang(self.env, limits["min_amount"], currency_obj=currency),
                amount=formatLang(self.env, amount, currency_obj=currency),
            )
        elif currency.compare_amounts(amount, limits["balance_value"]) > 0:
            refusal = self.env._(
                "%(partner)s has %(points)s points, worth %(value)s: a points payment of "
                "%(amount)s is refused.",
                partner=account.partner_id.display_name,
                points=formatLang(self.env, limits["balance"], digits=POINTS_DIGITS[1]),
                value=formatLang(self.env, limits["balance_value"], currency_obj=currency),
                amount=formatLang(self.env, amount, currency_obj=currency),
            )
        elif currency.compare_amounts(amount, limits["share_value"]) > 0:
            refusal = self.env._(
                "At most %(share)s %% of invoice %(invoice)s, %(max)s, can be paid with "
                "points: a points payment of %(amount)s is refused.",
                share=formatLang(self.env, company.loyalty_points_max_redeem_share, digits=0),
                invoice=invoice.name,
                max=formatLang(self.env, limits["share_value"], currency_obj=currency),
                amount=formatLang(self.env, amount, currency_obj=currency),
            )
        elif currency.compare_amounts(amount, abs(invoice.amount_residual_signed)) > 0:
            refusal = self.env._(
                "%(left)s is left to pay on invoice %(invoice)s: a points payment of "
                "%(amount)s is refused.",
                left=formatLang(
                    self.env, abs(invoice.amount_residual_signed), currency_obj=currency
                ),
                invoice=invoice.name,
                amount=formatLang(self.env, amount, currency_obj=currency),
            )
        if refusal:
            raise UserError(refusal)
        return self.env["loyalty.points.entry"]._prepare_redeem_vals(
            account,
            self,
            points_paid(amount, company.loyalty_points_value),
            earlier=earlier,
        )

    def _loyalty_points_refund_vals(self, credit_note):
        """Give back the points this refund of ``credit_note`` returns: at most
        what the points payments of the invoice it credits spent (less what was
        given back already), to the accounts they came from."""
        company = self.company_id
        currency = company.currency_id
        amount = self._loyalty_points_company_amount()
        if currency.compare_amounts(amount, abs(credit_note.amount_residual_signed)) > 0:
            raise UserError(
                self.env._(
                    "%(left)s is left to refund on credit note %(note)s: a points refund "
                    "of %(amount)s is refused.",
                    left=formatLang(
                        self.env, abs(credit_note.amount_residual_signed), currency_obj=currency
                    ),
                    note=credit_note.name,
                    amount=formatLang(self.env, amount, currency_obj=currency),
                )
            )
        points = round_points(amount / company.loyalty_points_value)
        redeems = credit_note._loyalty_points_refundable_redeems()
        refundable = round_points(sum(redeems._reversible_points().values()))
        if points <= 0 or points > refundable:
            raise UserError(
                self.env._(
                    "%(points)s points were paid on the invoice credited by %(note)s and "
                    "not given back yet: a points refund of %(amount)s (%(asked)s points) "
                    "is refused.",
                    points=formatLang(self.env, refundable, digits=POINTS_DIGITS[1]),
                    note=credit_note.name,
                    amount=formatLang(self.env, self.amount, currency_obj=self.currency_id),
                    asked=formatLang(self.env, points, digits=POINTS_DIGITS[1]),
                )
            )
        return redeems._prepare_reversal_vals(points, self, event="giveback")
