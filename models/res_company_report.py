import logging

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

REPORT_ROLLFORWARD = "loyalty_points.action_report_rollforward"


class ResCompany(models.Model):
    """The monthly loyalty report: the previous month's roll-forward PDF,
    mailed once per period to the company's recipients."""

    _inherit = "res.company"

    loyalty_points_report_user_ids = fields.Many2many(
        "res.users",
        "loyalty_points_report_user_rel",
        "company_id",
        "user_id",
        string="Monthly Loyalty Report Recipients",
        help="These users get the previous month's points roll-forward by email "
        "at the beginning of each month.",
    )
    loyalty_points_report_last_period = fields.Date(
        string="Last Monthly Loyalty Report",
        readonly=True,
        copy=False,
        help="First day of the last month whose report was sent.",
    )

    @api.model
    def _loyalty_points_report_period(self, today=None):
        """(first day, last day) of the month before ``today``."""
        today = today or fields.Date.context_today(self)
        first = today.replace(day=1) - relativedelta(months=1)
        return first, today.replace(day=1) - relativedelta(days=1)

    @api.model
    def _cron_loyalty_points_send_monthly_report(self, batch_size=10):
        """Mail the previous month's roll-forward to the recipients of each
        company, once per period: the mail is queued and the period marked
        sent in the same transaction, ``batch_size`` companies a run (the
        cron framework commits between runs), so a killed run sends nothing
        twice and a re-run finishes the rest.

        :return: the number of companies left
        """
        date_from, _date_to = self._loyalty_points_report_period()
        domain = [
            ("loyalty_points_report_user_ids", "!=", False),
            "|",
            ("loyalty_points_report_last_period", "=", False),
            ("loyalty_points_report_last_period", "<", date_from),
        ]
        companies = self.sudo().search(domain, order="id", limit=batch_size)
        for company in companies:
            company._loyalty_points_send_report(date_from)
            company.loyalty_points_report_last_period = date_from
        left = self.sudo().search_count(domain)
        self.env["ir.cron"]._notify_progress(done=len(companies), remaining=left)
        return left

    def _loyalty_points_send_report(self, date_from):
        """Queue the mail with the roll-forward PDF of the month starting on
        ``date_from`` to this company's recipients; return it."""
        self.ensure_one()
        date_to = date_from + relativedelta(months=1, days=-1)
        company = self.sudo()
        recipients = company.loyalty_points_report_user_ids.partner_id
        if not recipients:
            raise UserError(
                self.env._("Choose who gets the monthly loyalty report in the settings first.")
            )
        data = {
            "company_ids": company.ids,
            "date_from": fields.Date.to_string(date_from),
            "date_to": fields.Date.to_string(date_to),
        }
        # the company's days, as the digest counts them
        tz = company.resource_calendar_id.tz or self.env.user.tz or "UTC"
        report = self.env.ref(REPORT_ROLLFORWARD).sudo().with_context(tz=tz)
        content, report_type = report.with_company(company)._render_qweb_pdf(
            REPORT_ROLLFORWARD, company.ids, data=data
        )
        month = fields.Date.to_string(date_from)[:7]
        name = self.env._(
            "Loyalty roll-forward %(company)s %(month)s", company=company.name, month=month
        )
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": f"{name}.{report_type}",
                    "raw": content,
                    "mimetype": "application/pdf" if report_type == "pdf" else "text/html",
                    "res_model": "res.company",
                    "res_id": company.id,
                }
            )
        )
        mail = (
            self.env["mail.mail"]
            .sudo()
            .create(
                {
                    "subject": name,
                    "email_from": company.email_formatted
                    or self.env.ref("base.user_root").email_formatted,
                    "recipient_ids": [Command.set(recipients.ids)],
                    "body_html": Markup("<p>%s</p>")
                    % self.env._(
                        "The loyalty points roll-forward of %(company)s for %(month)s "
                        "is attached: opening balance, points issued, redeemed, expired, "
                        "adjusted and reversed, closing balance.",
                        company=company.name,
                        month=month,
                    ),
                    "attachment_ids": [Command.link(attachment.id)],
                    "auto_delete": True,
                }
            )
        )
        _logger.info(
            "Loyalty monthly report of %s for %s queued to %s recipients",
            company.name,
            month,
            len(recipients),
        )
        return mail
