from odoo import fields, models

from .loyalty_points_account_birthday import SMS_TEMPLATE_BIRTHDAY


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
    loyalty_points_birthday_points = fields.Float(
        related="company_id.loyalty_points_birthday_points", readonly=False
    )
    loyalty_points_sms_birthday = fields.Boolean(
        related="company_id.loyalty_points_sms_birthday", readonly=False
    )
    loyalty_points_pending_days = fields.Integer(
        related="company_id.loyalty_points_pending_days", readonly=False
    )

    def action_open_loyalty_points_sms_birthday(self):
        """Open the birthday SMS template, or the list of the loyalty SMS
        templates if it was deleted."""
        template = self.env.ref(SMS_TEMPLATE_BIRTHDAY, raise_if_not_found=False)
        if not template:
            return self.with_context(
                loyalty_points_sms_template=False
            ).action_open_loyalty_points_sms_template()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sms.template",
            "target": "current",
            "res_id": template.id,
            "views": [(False, "form")],
        }
