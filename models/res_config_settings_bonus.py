from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    loyalty_points_welcome_points = fields.Float(
        related="company_id.loyalty_points_welcome_points", readonly=False
    )
    loyalty_points_referral_points = fields.Float(
        related="company_id.loyalty_points_referral_points", readonly=False
    )
    loyalty_points_referral_new_points = fields.Float(
        related="company_id.loyalty_points_referral_new_points", readonly=False
    )
    loyalty_points_referral_min_amount = fields.Monetary(
        related="company_id.loyalty_points_referral_min_amount", readonly=False
    )
