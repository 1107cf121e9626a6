from datetime import date, datetime, timedelta

from freezegun import freeze_time
from lxml import html

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .test_reports import FEB, LoyaltyPointsReportCommon

KPIS = (
    "new_members",
    "active_members",
    "issued",
    "redeemed",
    "expired",
    "outstanding",
    "outstanding_amount",
    "redemption_rate",
)


@tagged("post_install", "-at_install")
class TestDigest(LoyaltyPointsReportCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.digest = cls.env["digest.digest"].create(
            {
                "name": "Loyalty digest",
                "company_id": cls.company_a.id,
                **{f"kpi_loyalty_points_{kpi}": True for kpi in KPIS},
            }
        )

    def _kpis(self, user, start, end, companies=None):
        digest = self.digest.with_env(
            self.env(
                user=user,
                context={
                    "allowed_company_ids": (companies or self.company_a).ids,
                    "start_datetime": start,
                    "end_datetime": end,
                },
            )
        )
        digest.invalidate_recordset()  # the digest's KPIs depend on the context
        return {kpi: digest[f"kpi_loyalty_points_{kpi}_value"] for kpi in KPIS}

    def test_the_default_digest_shows_the_loyalty_kpis(self):
        default = self.env.ref("digest.digest_digest_default")
        for kpi in KPIS:
            self.assertTrue(default[f"kpi_loyalty_points_{kpi}"], kpi)

    def test_kpis_match_the_rollforward(self):
        figures = self.Rollforward._get_figures(self.company_a, *FEB)[self.company_a.id, False]
        kpis = self._kpis(self.manager, datetime(2026, 2, 1), datetime(2026, 3, 1))
        self.assertEqual(
            kpis,
            {
                "new_members": 0,
                "active_members": 1,
                "issued": figures["issued"],
                "redeemed": -figures["redeemed"],
                "expired": -figures["expired"],
                "outstanding": figures["closing"],
                "outstanding_amount": figures["closing_value"],
                "redemption_rate": 20.0,  # 40 of 200
            },
        )
        self.assertEqual((kpis["issued"], kpis["outstanding"]), (200, 275))
        # members who joined in the period: up to tomorrow, as the digest
        # reads its period to the second and the account was made this second
        tomorrow = datetime.now() + timedelta(days=1)
        kpis = self._kpis(self.manager, datetime(2026, 1, 1), tomorrow)
        self.assertEqual(kpis["new_members"], 1)

    def test_a_cashier_does_not_get_the_loyalty_kpis(self):
        with self.assertRaises(AccessError):
            self._kpis(self.cashier, datetime(2026, 2, 1), datetime(2026, 3, 1))
        self.cashier.write({"company_ids": [Command.link(self.company_a.id)]})
        for user, shown in ((self.manager, True), (self.cashier, False)):
            kpis = self.digest._compute_kpis(self.company_a, user)
            names = {kpi["kpi_name"] for kpi in kpis}
            self.assertEqual("kpi_loyalty_points_issued" in names, shown, user.login)

    def test_a_manager_of_another_company_reads_no_figures(self):
        """Any internal user reads any digest (Odoo's access rights): the
        loyalty figures are those of the reader's companies only."""
        intruder = new_test_user(
            self.env,
            login="lp_digest_intruder",
            groups="base.group_user,point_of_sale.group_pos_manager",
            company_id=self.company_b.id,
            company_ids=[Command.set(self.company_b.ids)],
        )
        period = (datetime(2026, 2, 1), datetime(2026, 3, 1))
        self.assertEqual(self._kpis(self.manager, *period)["outstanding"], 275)
        kpis = self._kpis(intruder, *period, companies=self.company_b)
        self.assertEqual(kpis, dict.fromkeys(KPIS, 0))
        # the digest mail of a recipient: the same figures as they would read
        for user, outstanding in ((self.manager, "275.00"), (intruder, "0.00")):
            kpis = {
                kpi["kpi_name"]: kpi["kpi_col3"]["value"]
                for kpi in self.digest._compute_kpis(user.company_id, user)
            }
            self.assertEqual(kpis["kpi_loyalty_points_outstanding"], outstanding, user.login)

    def test_the_digest_mail_shows_the_figures_to_its_recipient(self):
        self.digest.user_ids = self.manager
        self.digest._action_send_to_user(self.manager)
        mail = self.env["mail.mail"].search([("subject", "like", "Loyalty digest")])
        self.assertIn("Loyalty: Outstanding Points", mail.body_html)
        self.assertIn("275.00", mail.body_html)


@tagged("post_install", "-at_install")
class TestMonthlyReport(LoyaltyPointsReportCommon):
    def _mails(self):
        return self.env["mail.mail"].search(
            [("subject", "like", "Loyalty roll-forward First Shop")], order="id"
        )

    def _cells(self, mail, css):
        tree = html.fromstring(mail.attachment_ids.raw.decode())
        return [
            [td.text_content().replace("\ufeff", "").strip() for td in row.findall("td")]
            for row in tree.find_class(css)
        ]

    def test_sent_once_per_period_with_the_rollforward(self):
        self.company_a.loyalty_points_report_user_ids = self.manager
        self.company_a.resource_calendar_id.tz = "UTC"  # the report counts the company's days
        Company = self.env["res.company"]
        with freeze_time("2026-03-05 08:00:00"):
            self._run_killed_batch(Company._cron_loyalty_points_send_monthly_report)
            self.assertFalse(self._mails())
            self._run_cron(Company._cron_loyalty_points_send_monthly_report)
            self._run_cron(Company._cron_loyalty_points_send_monthly_report)
        mail = self._mails()
        self.assertEqual(len(mail), 1)
        self.assertIn("2026-02", mail.subject)
        self.assertEqual(mail.recipient_ids, self.manager.partner_id)
        self.assertEqual(self.company_a.loyalty_points_report_last_period, date(2026, 2, 1))
        # the figures of the mail are the roll-forward's
        figures = self.Rollforward._get_figures(self.company_a, *FEB)[self.company_a.id, False]
        total = self._cells(mail, "o_rollforward_total")[0]
        self.assertEqual(total[1:], ["110", "200", "-40", "-7", "0", "12", "275"])
        self.assertEqual(float(total[-1]), figures["closing"])
        # the next month brings the next report
        with freeze_time("2026-04-01 06:00:00"):
            self._run_cron(Company._cron_loyalty_points_send_monthly_report)
        self.assertEqual(len(self._mails()), 2)
        self.assertIn("2026-03", self._mails()[-1].subject)

    def test_companies_without_recipients_get_nothing(self):
        with freeze_time("2026-03-05"):
            self._run_cron(self.env["res.company"]._cron_loyalty_points_send_monthly_report)
        self.assertFalse(self._mails())
        self.assertFalse(self.company_a.loyalty_points_report_last_period)

    def test_send_now_from_the_settings(self):
        admin = self.env.ref("base.user_admin")
        admin.write({"company_ids": [Command.link(self.company_a.id)]})
        self.company_a.loyalty_points_report_user_ids = self.manager
        settings_env = self.env(user=admin, context={"allowed_company_ids": self.company_a.ids})
        with freeze_time("2026-03-05"):
            settings = settings_env["res.config.settings"].create({})
            settings.action_loyalty_points_report_send_now()
        self.assertEqual(len(self._mails()), 1)
        # a test send does not count as the month's report
        self.assertFalse(self.company_a.loyalty_points_report_last_period)
