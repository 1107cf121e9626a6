from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class LoyaltyPointsCardIssue(models.TransientModel):
    """Issue loyalty cards in bulk: to the selected accounts and to every
    customer of the chosen tags, skipping those that have a card already."""

    _name = "loyalty.points.card.issue"
    _description = "Issue Loyalty Cards"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    account_ids = fields.Many2many("loyalty.points.account", string="Accounts", check_company=True)
    partner_category_ids = fields.Many2many("res.partner.category", string="Customer Tags")
    number = fields.Char(
        string="Card Number",
        help="The number of a pre-printed card, for one customer. Empty: numbers "
        "are drawn at random in the company's card range.",
    )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "loyalty.points.account" and context.get("active_ids"):
            values["account_ids"] = [Command.set(context["active_ids"])]
        return values

    def _get_accounts(self):
        """The accounts to give a card: the selected ones and those of the
        tagged customers (created when missing), without an active card."""
        self.ensure_one()
        accounts = self.account_ids.filtered(lambda a: a.company_id == self.company_id)
        if self.partner_category_ids:
            partners = self.env["res.partner"].search(
                [("category_id", "in", self.partner_category_ids.ids)]
            )
            accounts |= self.env["loyalty.points.account"]._get_or_create(partners, self.company_id)
        return accounts.filtered(lambda account: not account.card_number)

    def action_confirm(self):
        self.ensure_one()
        self.env["loyalty.points.account"].check_access("write")
        accounts = self._get_accounts()
        if not accounts:
            raise UserError(
                self.env._("Every chosen customer already has a loyalty card: nothing to issue.")
            )
        if self.number and len(accounts) != 1:
            raise UserError(
                self.env._("A pre-printed card number is given to one customer at a time.")
            )
        return accounts.action_issue_card(self.number or False)
