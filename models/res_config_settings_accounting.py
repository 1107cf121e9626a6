from odoo import fields, models
from odoo.exceptions import AccessError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

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

    def action_loyalty_points_reconcile(self):
        """Compare the liability account with the outstanding points."""
        self._loyalty_points_check_accountant()
        company = self.company_id
        check = company._loyalty_points_reconcile()[company]
        currency = company.currency_id
        if currency.is_zero(check["difference"]) and not check["causes"]:
            return self._loyalty_points_notify(
                self.env._(
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
        }
        causes = "; ".join(
            self.env._(
                "%(cause)s: %(amount)s",
                cause=labels.get(cause["cause"], cause["cause"]),
                amount=currency.format(cause["amount"]),
            )
            for cause in check["causes"]
        )
        return self._loyalty_points_notify(
            self.env._(
                "Liability %(balance)s, outstanding points %(expected)s, difference "
                "%(difference)s. Causes: %(causes)s",
                balance=currency.format(check["balance"]),
                expected=currency.format(check["expected"]),
                difference=currency.format(check["difference"]),
                causes=causes,
            ),
            "warning",
        )

    def _loyalty_points_notify(self, message, kind):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"message": message, "type": kind, "sticky": kind == "warning"},
        }
