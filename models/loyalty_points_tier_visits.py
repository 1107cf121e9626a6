from odoo import api, fields, models
from odoo.exceptions import ValidationError


class LoyaltyPointsTier(models.Model):
    """Tiers reached by visits (paid orders in the tier window)."""

    _inherit = "loyalty.points.tier"
    _order = "company_id, sequence, min_turnover, min_visits, id"

    sequence = fields.Integer(
        help="Rank of the tier: when a customer reaches several tiers, the last one "
        "in this order (then by minimum turnover and visits) is given."
    )
    # a value, never NULL: the unique constraint compares it
    min_turnover = fields.Monetary(default=0.0)
    min_visits = fields.Integer(
        string="Minimum Visits",
        default=0,
        required=True,
        help="Paid orders the customer must have made within the company's tier "
        "window, on top of the minimum turnover (0: visits do not count). For "
        '"10 visits in 12 months", set 10 here and leave the minimum turnover at 0.',
    )

    _sql_constraints = [
        (
            "min_turnover_uniq",
            "UNIQUE(company_id, min_turnover, min_visits)",
            "Two tiers of a company cannot have the same minimum turnover and visits.",
        ),
    ]

    @api.constrains("min_visits")
    def _check_min_visits(self):
        if any(tier.min_visits < 0 for tier in self):
            raise ValidationError(self.env._("The minimum visits of a tier cannot be negative."))
