from odoo import fields, models


class LoyaltyPointsAccount(models.Model):
    """Pending points of an account: when they become spendable."""

    _inherit = "loyalty.points.account"

    next_available_date = fields.Date(
        compute="_compute_next_available_date",
        help="The day the next pending points become spendable.",
    )

    def _compute_next_available_date(self):
        groups = self.env["loyalty.points.entry"]._read_group(
            [("account_id", "in", self.ids), ("pending", "=", True), ("remaining", ">", 0)],
            ["account_id"],
            ["available_date:min"],
        )
        dates = dict(groups)
        for account in self:
            account.next_available_date = dates.get(account, False)
