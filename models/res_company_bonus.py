from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    """Loyalty bonuses of a company: all off (0) by default."""

    _inherit = "res.company"

    loyalty_points_welcome_points = fields.Float(
        string="Welcome Bonus (points)",
        digits=(16, 2),
        help="Points given on a customer's first paid order in the company (0: none). "
        "A full refund of that order takes them back.",
    )
    loyalty_points_referral_points = fields.Float(
        string="Referral Bonus for the Referrer (points)",
        digits=(16, 2),
        help="Points given to the customer who referred a new customer, when the new "
        "customer's first paid order reaches the minimum amount (0: none).",
    )
    loyalty_points_referral_new_points = fields.Float(
        string="Referral Bonus for the New Customer (points)",
        digits=(16, 2),
        help="Points given to a referred customer on a first paid order that reaches "
        "the minimum amount (0: none).",
    )
    loyalty_points_referral_min_amount = fields.Monetary(
        string="Referral Minimum Amount",
        currency_field="currency_id",
        help="The referred customer's first paid order must reach this amount (as "
        "the server values its lines) for the referral bonuses.",
    )

    loyalty_points_birthday_points = fields.Float(
        string="Birthday Bonus (points)",
        digits=(16, 2),
        help="Points given once a year on the customer's birthday (0: none).",
    )
    loyalty_points_sms_birthday = fields.Boolean(string="SMS on the Birthday Bonus")
    loyalty_points_pending_days = fields.Integer(
        string="Pending Days",
        help="Points earned on a sale become spendable only this many days later (the "
        "return window); until then they are pending, and a refund cancels them "
        "(0: spendable at once).",
    )

    @api.constrains(
        "loyalty_points_welcome_points",
        "loyalty_points_referral_points",
        "loyalty_points_referral_new_points",
        "loyalty_points_referral_min_amount",
        "loyalty_points_birthday_points",
        "loyalty_points_pending_days",
    )
    def _check_loyalty_points_bonuses(self):
        for company in self:
            if (
                min(
                    company.loyalty_points_welcome_points,
                    company.loyalty_points_referral_points,
                    company.loyalty_points_referral_new_points,
                    company.loyalty_points_referral_min_amount,
                    company.loyalty_points_birthday_points,
                    company.loyalty_points_pending_days,
                )
                < 0
            ):
                raise ValidationError(
                    self.env._(
                        "Loyalty bonuses, the referral minimum and the pending days "
                        "cannot be negative."
                    )
                )

    def _loyalty_points_available_date(self, day):
        """The day points earned by a sale of ``day`` become spendable, or False
        when this company makes them spendable at once."""
        self.ensure_one()
        days = self.loyalty_points_pending_days
        return fields.Date.add(day, days=days) if days > 0 else False
