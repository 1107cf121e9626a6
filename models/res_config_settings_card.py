from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    loyalty_points_card_prefix = fields.Char(
        related="company_id.loyalty_points_card_prefix", readonly=False
    )
