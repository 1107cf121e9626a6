from odoo import fields, models


class LoyaltyPointsProgram(models.Model):
    """Customers a program never earns for."""

    _inherit = "loyalty.points.program"

    excluded_partner_ids = fields.Many2many(
        "res.partner",
        "loyalty_points_program_excluded_partner_rel",
        "program_id",
        "partner_id",
        string="Excluded Customers",
        check_company=True,
        help="This program earns nothing for these customers (and their contacts); "
        "they keep and spend the points they have.",
    )
