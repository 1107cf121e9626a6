from odoo import fields, models

from .loyalty_points_account_notify import (
    SMS_TEMPLATE_EARNED,
    SMS_TEMPLATE_EXPIRING,
    SMS_TEMPLATE_TIER,
)

# The SMS templates the settings link to, by the key their buttons pass.
SMS_TEMPLATES = {
    "earned": SMS_TEMPLATE_EARNED,
    "expiring": SMS_TEMPLATE_EXPIRING,
    "tier": SMS_TEMPLATE_TIER,
}


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

    def action_open_loyalty_points_sms_template(self):
        """Open the loyalty SMS template of the button (its context names it),
        or the list of the loyalty SMS templates if it was deleted."""
        xmlid = SMS_TEMPLATES.get(self.env.context.get("loyalty_points_sms_template"))
        template = self.env.ref(xmlid, raise_if_not_found=False) if xmlid else None
        action = {
            "type": "ir.actions.act_window",
            "res_model": "sms.template",
            "target": "current",
        }
        if template:
            return {**action, "res_id": template.id, "views": [(False, "form")]}
        return {
            **action,
            "name": self.env._("Loyalty SMS Templates"),
            "views": [(False, "list"), (False, "form")],
            "domain": [("model", "=", "loyalty.points.account")],
            "context": {"default_model": "loyalty.points.account"},
        }
