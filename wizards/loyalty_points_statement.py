from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

MAIL_TEMPLATE_STATEMENT = "loyalty_points.mail_template_customer_statement"


class LoyaltyPointsStatement(models.TransientModel):
    _name = "loyalty.points.statement"
    _description = "Loyalty Points Customer Statement"
    _check_company_auto = True

    account_id = fields.Many2one(
        "loyalty.points.account",
        required=True,
        check_company=True,
        default=lambda self: self._default_account(),
    )
    company_id = fields.Many2one(related="account_id.company_id")
    partner_id = fields.Many2one(related="account_id.partner_id")
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1)
        - relativedelta(months=2),
    )
    date_to = fields.Date(
        string="To", required=True, default=lambda self: fields.Date.context_today(self)
    )

    @api.model
    def _default_account(self):
        """The account the wizard was opened from: a loyalty account, or the
        account of a customer (its commercial partner) in the current company."""
        context = self.env.context
        model, res_id = context.get("active_model"), context.get("active_id")
        if not res_id:
            return False
        if model == "loyalty.points.account":
            return res_id
        if model == "res.partner":
            partner = self.env["res.partner"].browse(res_id).commercial_partner_id
            account = self.env["loyalty.points.account"].search(
                [("partner_id", "=", partner.id), ("company_id", "=", self.env.company.id)],
                limit=1,
            )
            if not account:
                raise UserError(
                    self.env._(
                        "%(partner)s has no loyalty account in %(company)s.",
                        partner=partner.display_name,
                        company=self.env.company.name,
                    )
                )
            return account.id
        return False

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(
                    self.env._("The period of the statement must start before it ends.")
                )

    def _report_data(self):
        return {
            "date_from": fields.Date.to_string(self.date_from),
            "date_to": fields.Date.to_string(self.date_to),
        }

    def action_print(self):
        self.ensure_one()
        self.env["report.loyalty_points.report_customer_statement"]._check_statement_access()
        return self.env.ref("loyalty_points.action_report_customer_statement").report_action(
            self.account_id, data=self._report_data()
        )

    def action_send(self):
        """Open the mail composer with the statement template; the PDF of
        this period is attached when the mail is sent."""
        self.ensure_one()
        if not self.env.user.has_group("point_of_sale.group_pos_manager"):
            raise UserError(self.env._("Only Point of Sale managers can send loyalty statements."))
        template = self.env.ref(MAIL_TEMPLATE_STATEMENT, raise_if_not_found=False)
        data = self._report_data()
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": "loyalty.points.account",
                "default_res_ids": self.account_id.ids,
                "default_composition_mode": "comment",
                "default_template_id": template.id if template else False,
                "force_email": True,
                "loyalty_points_statement_date_from": data["date_from"],
                "loyalty_points_statement_date_to": data["date_to"],
            },
        }
