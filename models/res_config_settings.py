from odoo import api, fields, models
from odoo.exceptions import AccessError

from .loyalty_points_account_bonus import SMS_TEMPLATE_BIRTHDAY
from .loyalty_points_account_notify import (
    SMS_TEMPLATE_EARNED,
    SMS_TEMPLATE_EXPIRING,
    SMS_TEMPLATE_TIER,
)
from .pos_order_reward import SMS_TEMPLATE_REWARD

# The SMS templates the settings link to, by the key their buttons pass.
SMS_TEMPLATES = {
    "earned": SMS_TEMPLATE_EARNED,
    "expiring": SMS_TEMPLATE_EXPIRING,
    "tier": SMS_TEMPLATE_TIER,
    "reward": SMS_TEMPLATE_REWARD,
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
    loyalty_points_sms_reward = fields.Boolean(
        related="company_id.loyalty_points_sms_reward", readonly=False
    )

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
    loyalty_points_invoice_earning = fields.Boolean(
        related="company_id.loyalty_points_invoice_earning", readonly=False
    )
    loyalty_points_invoice_summary = fields.Boolean(
        related="company_id.loyalty_points_invoice_summary", readonly=False
    )
    loyalty_points_card_prefix = fields.Char(
        related="company_id.loyalty_points_card_prefix", readonly=False
    )
    loyalty_points_report_user_ids = fields.Many2many(
        related="company_id.loyalty_points_report_user_ids", readonly=False
    )
    loyalty_points_liability_accounting = fields.Boolean(
        related="company_id.loyalty_points_liability_accounting", readonly=False
    )
    loyalty_points_liability_account_id = fields.Many2one(
        related="company_id.loyalty_points_liability_account_id", readonly=False
    )
    loyalty_points_issue_account_id = fields.Many2one(
        related="company_id.loyalty_points_issue_account_id", readonly=False
    )
    loyalty_points_breakage_account_id = fields.Many2one(
        related="company_id.loyalty_points_breakage_account_id", readonly=False
    )
    loyalty_points_accounting_journal_id = fields.Many2one(
        related="company_id.loyalty_points_accounting_journal_id", readonly=False
    )
    loyalty_points_accounting_period = fields.Selection(
        related="company_id.loyalty_points_accounting_period", readonly=False
    )
    loyalty_points_accounting_method = fields.Selection(
        related="company_id.loyalty_points_accounting_method", readonly=False
    )
    loyalty_points_expected_redemption = fields.Float(
        related="company_id.loyalty_points_expected_redemption", readonly=False
    )
    loyalty_points_deferral_account_id = fields.Many2one(
        related="company_id.loyalty_points_deferral_account_id", readonly=False
    )
    loyalty_points_revenue_adjustment_account_id = fields.Many2one(
        related="company_id.loyalty_points_revenue_adjustment_account_id", readonly=False
    )
    loyalty_points_estimate_ids = fields.One2many(related="company_id.loyalty_points_estimate_ids")
    loyalty_points_odoo_loyalty_warning = fields.Char(compute="_compute_loyalty_points_warnings")
    loyalty_points_pricelist_warning = fields.Char(compute="_compute_loyalty_points_warnings")
    loyalty_points_import_available = fields.Boolean(compute="_compute_loyalty_points_warnings")

    @api.depends("company_id")
    def _compute_loyalty_points_warnings(self):
        """What would make an owner distrust the loyalty figures: Odoo's own
        loyalty programs at the same tills, tier discount cards a point of
        sale does not apply."""
        import_available = bool(self.env["res.company"]._loyalty_points_import_action())
        for settings in self:
            company = settings.company_id
            settings.loyalty_points_odoo_loyalty_warning = (
                company._loyalty_points_odoo_programs_warning()
            )
            settings.loyalty_points_pricelist_warning = company._loyalty_points_pricelist_warning()
            settings.loyalty_points_import_available = import_available

    def action_loyalty_points_convert_odoo_loyalty(self):
        """Convert the points of Odoo's loyalty cards to Loyalty Points."""
        return self.env["res.company"]._loyalty_points_import_action()

    def action_loyalty_points_open_odoo_loyalty(self):
        return self.company_id._loyalty_points_open_odoo_programs()

    def action_loyalty_points_apply_tier_pricelists(self):
        """Let every point of sale of the company apply the tier discount cards."""
        self.company_id._loyalty_points_apply_tier_pricelists()

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

    def action_loyalty_points_check_ledger(self):
        """Check the ledger's invariant on the company's accounts (Point of
        Sale managers): a notification says it holds, or lists what breaks it."""
        self.ensure_one()
        if not self.env.user.has_group("point_of_sale.group_pos_manager"):
            raise AccessError(self.env._("Only Point of Sale managers can check the ledger."))
        company = self.company_id
        problems = self.env["loyalty.points.entry"]._ledger_problems(company_ids=company.ids)
        if not problems:
            return self._loyalty_points_notify(
                self.env._("The points ledger of %(company)s holds.", company=company.name),
                "success",
            )
        labels = {
            "sum": self.env._("balance and pending points differ from the sum of the entries"),
            "lots": self.env._("balance or pending points differ from the open lots"),
            "remaining": self.env._("a lot's remaining points differ from its allocations"),
            "overspent": self.env._("an entry took more points from lots than it moved"),
        }
        accounts = (
            self.env["loyalty.points.account"]
            .sudo()
            .browse({problem["account_id"] for problem in problems})
        )
        names = {account.id: account.partner_id.display_name for account in accounts}
        return self._loyalty_points_notify(
            self.env._(
                "The points ledger of %(company)s does not hold: %(problems)s",
                company=company.name,
                problems="; ".join(
                    self.env._(
                        "%(customer)s: %(problem)s",
                        customer=names[problem["account_id"]],
                        problem=labels[problem["check"]],
                    )
                    for problem in problems
                ),
            ),
            "warning",
        )

    def _loyalty_points_check_accountant(self):
        if not self.env.user.has_group("account.group_account_manager"):
            raise AccessError(
                self.env._("Only accounting managers can post or check the points liability.")
            )

    def action_loyalty_points_post_liability(self):
        """Run the posting job now (in the background)."""
        self._loyalty_points_check_accountant()
        self.env.ref("loyalty_points.ir_cron_post_liability").sudo()._trigger()
        return self._loyalty_points_notify(
            self.env._("The points movements will be posted in a moment."), "info"
        )

    def action_loyalty_points_revenue_pools(self):
        """The deferred revenue pools of the company."""
        self._loyalty_points_check_accountant()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_points.loyalty_points_revenue_pool_action"
        )
        action["domain"] = [("company_id", "=", self.company_id.id)]
        return action

    def action_loyalty_points_reconcile(self):
        """Compare the liability account with what its method calls for."""
        self._loyalty_points_check_accountant()
        company = self.company_id
        check = company._loyalty_points_reconcile()[company]
        currency = company.currency_id
        method = ""
        if check.get("method") == "deferred_revenue":
            method = self.env._(
                "Deferred revenue %(deferred)s, released %(released)s, over %(pools)s pools "
                "at %(percent)s %% expected redemption. ",
                deferred=currency.format(check["deferred"]),
                released=currency.format(check["released"]),
                pools=check["pools"],
                percent=check["expected_redemption"],
            )
            for cause, pending in check["pending"].items():
                method += self.env._(
                    "Not in the books yet (%(what)s): %(points)s points. ",
                    what=self.env._("not posted yet")
                    if cause == "unposted"
                    else self.env._("paid in POS sessions not closed yet"),
                    points=pending["points"],
                )
        if currency.is_zero(check["difference"]) and not check["causes"]:
            return self._loyalty_points_notify(
                method
                + self.env._(
                    "The points liability ties out: %(amount)s.",
                    amount=currency.format(check["balance"]),
                ),
                "success",
            )
        labels = {
            "unposted": self.env._("entries not posted yet"),
            "open_session": self.env._("points payments of POS sessions not closed yet"),
            "manual": self.env._("journal items entered by hand on the account"),
            "other": self.env._("rounding or a point value changed before a session closed"),
            "catch_up": self.env._(
                "revenue to release at the next posting (points paid in closed sessions, "
                "expiries, refunds, a new estimate)"
            ),
        }
        causes = "; ".join(
            self.env._(
                "%(cause)s: %(amount)s",
                cause=labels.get(cause["cause"], cause["cause"]),
                amount=currency.format(cause["amount"]),
            )
            for cause in check["causes"]
        )
        figures = {
            "balance": currency.format(check["balance"]),
            "expected": currency.format(check["expected"]),
            "difference": currency.format(check["difference"]),
            "causes": causes,
        }
        if method:
            message = self.env._(
                "Liability %(balance)s, deferred less released %(expected)s, difference "
                "%(difference)s. Causes: %(causes)s",
                **figures,
            )
        else:
            message = self.env._(
                "Liability %(balance)s, outstanding points %(expected)s, difference "
                "%(difference)s. Causes: %(causes)s",
                **figures,
            )
        return self._loyalty_points_notify(method + message, "warning")

    def _loyalty_points_notify(self, message, kind):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": kind, "sticky": kind == "warning"},
        }
