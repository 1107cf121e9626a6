from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    loyalty_points_excluded = fields.Boolean(
        string="No Loyalty Points",
        help="Promotional product: its sales earn no loyalty points.",
    )
