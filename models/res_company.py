from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    loyalty_points_value = fields.Float(
        string="Point Value",
        default=1.0,
        digits=(16, 4),
        help="Value of one loyalty point in the company currency.",
    )
    loyalty_points_max_redeem_share = fields.Float(
        string="Max Share Paid with Points (%)",
        default=100.0,
        help="At most this percentage of an order can be paid with points.",
    )
    loyalty_points_best_program = fields.Boolean(
        string="Best Program for the Customer",
        help="On each order line, the program that earns the most points wins, "
        "instead of the program with the most specific scope.",
    )
    loyalty_points_tier_months = fields.Integer(
        string="Tier Window (months)",
        default=12,
        help="Turnover that decides the tier is counted over this many months. "
        "0 counts the whole history.",
    )
    loyalty_points_warning_days = fields.Integer(
        string="Expiry Warning (days)",
        default=7,
        help="Customers are warned this many days before their points expire.",
    )
    loyalty_points_rounding = fields.Float(
        string="Points Rounding",
        default=1.0,
        digits=(16, 2),
        help="Points earned are rounded down to a multiple of this value.",
    )
    loyalty_points_validity_days = fields.Integer(
        string="Default Validity (days)",
        default=365,
        help="Default validity of points added by hand. 0 means they never expire.",
    )
    loyalty_points_sms_earned = fields.Boolean(string="SMS on Points Earned")
    loyalty_points_sms_expiring = fields.Boolean(string="SMS before Points Expire")
    loyalty_points_sms_tier = fields.Boolean(string="SMS on Tier Change")

    @api.constrains(
        "loyalty_points_value",
        "loyalty_points_max_redeem_share",
        "loyalty_points_tier_months",
        "loyalty_points_warning_days",
        "loyalty_points_rounding",
        "loyalty_points_validity_days",
    )
    def _check_loyalty_points_settings(self):
        for company in self:
            if company.loyalty_points_value <= 0:
                raise ValidationError(self.env._("The value of a loyalty point must be positive."))
            if not 0 <= company.loyalty_points_max_redeem_share <= 100:
                raise ValidationError(
                    self.env._(
                        "The share of an order paid with points must be between 0 and 100 %."
                    )
                )
            if company.loyalty_points_rounding <= 0:
                raise ValidationError(self.env._("The points rounding must be positive."))
            if (
                company.loyalty_points_tier_months < 0
                or company.loyalty_points_warning_days < 0
                or company.loyalty_points_validity_days < 0
            ):
                raise ValidationError(
                    self.env._("Loyalty windows, warning days and validity cannot be negative.")
                )

    def _loyalty_points_default_expiry(self, day):
        """Expiry date of points added on ``day`` by hand, or False (never)."""
        self.ensure_one()
        if not self.loyalty_points_validity_days:
            return False
        return fields.Date.add(day, days=self.loyalty_points_validity_days)
