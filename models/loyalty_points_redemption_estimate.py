from odoo import api, fields, models
from odoo.exceptions import UserError


class LoyaltyPointsRedemptionEstimate(models.Model):
    """The history of a company's expected redemption rate (deferred revenue
    method): one line each time the estimate changes, with who changed it.
    Lines are written by the company's settings, never edited."""

    _name = "loyalty.points.redemption.estimate"
    _description = "Loyalty Points Expected Redemption Estimate"
    _order = "date desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    expected_redemption = fields.Float(
        string="Expected Redemption (%)",
        digits=(16, 2),
        required=True,
        readonly=True,
        help="Percent of the points issued that the company expects its customers to redeem.",
    )
    previous_redemption = fields.Float(
        string="Previous Estimate (%)",
        digits=(16, 2),
        readonly=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Changed By",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
    )

    def write(self, vals):
        if self:
            raise UserError(self.env._("The history of redemption estimates cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("The history of redemption estimates cannot be deleted."))
