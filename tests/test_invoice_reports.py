from datetime import datetime, time, timedelta

from lxml import html

from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.loyalty_points.controllers.portal import LoyaltyPointsPortal

from .common import LoyaltyPointsInvoiceCommon


@tagged("post_install", "-at_install")
class TestInvoiceReports(LoyaltyPointsInvoiceCommon):
    """Issue 20: the invoice shows its loyalty block (form, PDF, portal); the
    statement, the portal, the roll-forward and the digest show invoice
    points and their invoice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gold = cls.env["loyalty.points.tier"].create({"name": "Gold", "min_turnover": 1000})
        cls.pos_manager = new_test_user(
            cls.env,
            login="lp_inv_report_manager",
            groups="base.group_user,point_of_sale.group_pos_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def _paid_with_points(self):
        self._opening(self.anna, 500)
        invoice = self._invoice(self.anna, [(self.shampoo, 10, 100.0)])
        self._pay(invoice, amount=100, journal=self.points_journal)
        self._pay(invoice, amount=900)
        return invoice

    def _invoice_html(self, invoice):
        content, _type = (
            self.env["ir.actions.report"]
            .sudo()
            ._render_qweb_html("account.account_invoices", invoice.ids)
        )
        return html.fromstring(content)

    def test_the_invoice_shows_its_loyalty_block(self):
        invoice = self._paid_with_points()
        block = self._invoice_html(invoice).find_class("o_loyalty_points_invoice_summary")
        self.assertEqual(len(block), 1)
        text = " ".join(block[0].text_content().split())
        self.assertIn("Points earned: 90", text)
        self.assertIn("Paid with points: 100", text)
        self.assertIn("Your balance: 490 points, tier Gold", text)
        self.assertRecordValues(
            invoice,
            [
                {
                    "loyalty_points_summary": True,
                    "loyalty_points_balance": 490,
                    "loyalty_points_tier_id": self.gold.id,
                }
            ],
        )
        self.company.loyalty_points_invoice_summary = False
        invoice.invalidate_recordset()
        self.assertFalse(invoice.loyalty_points_summary)
        # hidden, the customer's balance and tier are not read at all
        self.assertRecordValues(
            invoice, [{"loyalty_points_balance": 0, "loyalty_points_tier_id": False}]
        )
        self.assertFalse(self._invoice_html(invoice).find_class("o_loyalty_points_invoice_summary"))

    def test_a_customer_without_loyalty_account_gets_no_block(self):
        self.company.loyalty_points_invoice_earning = False
        invoice = self._invoice(self.boris, [(self.shampoo, 1, 100.0)])
        self.assertFalse(invoice.loyalty_points_summary)
        self.assertFalse(self._invoice_html(invoice).find_class("o_loyalty_points_invoice_summary"))

    def test_statement_and_portal_show_the_invoice(self):
        invoice = self._paid_with_points()
        account = self._invoice_account(self.anna)
        today = self.today.isoformat()
        content, _type = (
            self.env["ir.actions.report"]
            .with_user(self.pos_manager)
            ._render_qweb_html(
                "loyalty_points.action_report_customer_statement",
                account.ids,
                data={"date_from": today, "date_to": today},
            )
        )
        tree = html.fromstring(content)
        self.assertEqual(
            [cell.text_content().strip() for cell in tree.find_class("o_statement_invoice")],
            [invoice.name, invoice.name],  # paid with points, earned
        )
        entries = account.entry_ids.filtered("invoice_id")
        details = LoyaltyPointsPortal()._loyalty_points_entry_details(entries)
        self.assertEqual(set(details.values()), {invoice.name})

    def test_rollforward_and_digest_count_invoice_points(self):
        self._paid_with_points()
        Rollforward = self.env["loyalty.points.rollforward"]
        figures = Rollforward._get_figures(self.company, self.today, self.today)
        row = figures[self.company.id, False]
        self.assertEqual((row["issued"], row["redeemed"], row["adjusted"]), (90, -100, 500))
        start = datetime.combine(self.today, time.min)
        movements = Rollforward._get_movements(self.company, start, start + timedelta(days=1))
        self.assertEqual(movements[self.company.id]["issued"], 90)
