from odoo import fields, models
from odoo.exceptions import AccessError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    loyalty_points_report_user_ids = fields.Many2many(
        related="company_id.loyalty_points_report_user_ids", readonly=False
    )

    def action_loyalty_points_report_send_now(self):
        """Send the previous month's loyalty report now, to test the
        recipients; the monthly job still sends its own."""
        self.ensure_one()
        if not self.env.user.has_group("point_of_sale.group_pos_manager"):
            raise AccessError(self.env._("Only Point of Sale managers can send loyalty reports."))
        company = self.company_id
        date_from, _date_to = company._loyalty_points_report_period()
        company._loyalty_points_send_report(date_from)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("The loyalty report is on its way."),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
