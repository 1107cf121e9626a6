from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    loyalty_points_card_number = fields.Char(
        string="Loyalty Card",
        compute="_compute_loyalty_points_card_number",
        search="_search_loyalty_points_card_number",
        help="The active loyalty card of the customer in the current company.",
    )

    @api.depends_context("company")
    def _compute_loyalty_points_card_number(self):
        accounts = (
            self.env["loyalty.points.account"]
            .sudo()
            .search_fetch(
                [
                    ("partner_id", "in", self.commercial_partner_id.ids),
                    ("company_id", "=", self.env.company.id),
                    ("card_number", "!=", False),
                ],
                ["partner_id", "card_number"],
            )
        )
        numbers = {account.partner_id.id: account.card_number for account in accounts}
        for partner in self:
            partner.loyalty_points_card_number = numbers.get(partner.commercial_partner_id.id)

    def _search_loyalty_points_card_number(self, operator, value):
        """Customers whose active card in the current company has the number
        ``value`` (exact match only: a card number is never guessed)."""
        if operator not in ("=", "ilike", "=ilike") or not isinstance(value, str):
            return [("id", "=", False)]
        card = self.env["loyalty.points.account"]._loyalty_points_find_card(
            value.rstrip("%"), self.env.company
        )
        if not card or card.state != "active":
            return [("id", "=", False)]
        return [("id", "=", card.account_id.partner_id.id)]

    @api.model
    def loyalty_points_partner_by_card(self, config_id, number):
        """The customer of the loyalty card ``number`` scanned or typed at the
        till of ``config_id``: only active cards of the till's company match.

        :return: {"partner_id": id or False, "message": why nobody, or False}
        """
        config = self.env["pos.config"].browse(config_id)
        config.check_access("read")
        company = config.company_id
        number = (number or "").strip()
        card = self.env["loyalty.points.account"]._loyalty_points_find_card(number, company)
        if not card:
            message = self.env._("Unknown loyalty card %(number)s.", number=number)
        elif card.state != "active":
            message = self.env._(
                "The loyalty card %(number)s is blocked: ask the customer for the new card.",
                number=number,
            )
        else:
            return {"partner_id": card.account_id.partner_id.id, "blocked": False, "message": False}
        return {"partner_id": False, "blocked": bool(card), "message": message}
