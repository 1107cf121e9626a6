from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    loyalty_points_value = fields.Float(related="company_id.loyalty_points_value", readonly=False)
    loyalty_points_max_redeem_share = fields.Float(
        related="company_id.loyalty_points_max_redeem_share", readonly=False
    )
    loyalty_points_best_program = fields.Boolean(
        related="company_id.loyalty_points_best_program", readonly=False
    )
    loyalty_points_tier_months = fields.Integer(
        related="company_id.loyalty_points_tier_months", readonly=False
    )
    loyalty_points_warning_days = fields.Integer(
        related="company_id.loyalty_points_warning_days", readonly=False
    )
    loyalty_points_rounding = fields.Float(
        related="company_id.loyalty_points_rounding", readonly=False
    )
    loyalty_points_validity_days = fields.Integer(
        related="company_id.loyalty_points_validity_days", readonly=False
    )
    loyalty_points_sms_earned = fields.Boolean(
        related="company_id.loyalty_points_sms_earned", readonly=False
    )
    loyalty_points_sms_expiring = fields.Boolean(
        related="company_id.loyalty_points_sms_expiring", readonly=False
    )
    loyalty_points_sms_tier = fields.Boolean(
        related="company_id.loyalty_points_sms_tier", readonly=False
    )
