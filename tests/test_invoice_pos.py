from odoo.tests import tagged

from .common import LoyaltyPointsInvoiceHelpers, LoyaltyPointsPosCommon


@tagged("post_install", "-at_install")
class TestInvoicePos(LoyaltyPointsPosCommon, LoyaltyPointsInvoiceHelpers):
    """Issue 20: invoices and POS orders of the same customer: an invoice of a
    POS order earns nothing more, first sales count across both."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.loyalty_points_invoice_earning = True
        cls._setup_invoicing()

    def _bonuses(self, partner):
        return self.env["loyalty.points.entry"].search(
            [("partner_id", "=", partner.id), ("kind", "=", "bonus")]
        )

    def test_an_invoiced_pos_order_earns_once(self):
        order = self._sync([(self.product_a, 2)], customer=self.anna, to_invoice=True)
        invoice = order.account_move
        self.assertTrue(invoice)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self._balance(self.anna), 20)
        self.assertFalse(invoice.sudo().loyalty_points_entry_ids)
        self.assertRecordValues(invoice, [{"loyalty_points_earned": 20}])  # the order's
        # the order's turnover only
        self.assertEqual(self._account(self.anna).turnover, 200)

    def test_an_order_invoiced_afterwards_earns_once(self):
        order = self._sync([(self.product_a, 2)], customer=self.anna)
        self.assertEqual(self._balance(self.anna), 20)
        order.action_pos_order_invoice()
        self.assertTrue(order.account_move)
        self.assertEqual(self._balance(self.anna), 20)

    def test_the_first_paid_sale_counts_across_pos_orders_and_invoices(self):
        self.company.loyalty_points_welcome_points = 25
        invoice = self._invoice(self.anna, [(self.product_a, 1, 100.0)])
        self._pay(invoice)
        self.assertEqual(len(self._bonuses(self.anna)), 1)
        self._sync([(self.product_a, 1)], customer=self.anna)
        self.assertEqual(len(self._bonuses(self.anna)), 1)
        # and the other way round
        self._sync([(self.product_a, 1)], customer=self.boris)
        invoice = self._invoice(self.boris, [(self.product_a, 1, 100.0)])
        self._pay(invoice)
        self.assertEqual(self._bonuses(self.boris).pos_order_id.partner_id, self.boris)
        self.assertEqual(len(self._bonuses(self.boris)), 1)

    def test_a_paid_invoice_counts_as_a_sale_for_the_referrer(self):
        invoice = self._invoice(self.anna, [(self.product_a, 1, 100.0)])
        self._pay(invoice)
        self.assertTrue(self.anna._loyalty_points_has_paid_sales())
        self.assertFalse(self.boris._loyalty_points_has_paid_sales())

    def test_a_session_closes_when_its_points_journal_is_flagged_for_invoices(self):
        """The till's points payment method and the invoices' points payments may
        share the journal: the session closing's payments book no points."""
        self.points_pm.journal_id.loyalty_points = True
        self._opening(self.anna, (100, False))
        order = self._sync(
            [(self.product_a, 1)],
            customer=self.anna,
            payments=[(self.points_pm, 40), (self.cash_pm1, 60)],
        )
        self.assertEqual(self._balance(self.anna), 60 + 6)
        session = order.session_id
        cash = sum(
            session.order_ids.payment_ids.filtered(
                lambda p: p.payment_method_id == self.cash_pm1
            ).mapped("amount")
        )
        session.post_closing_cash_details(cash)
        session.close_session_from_ui()
        self.assertEqual(session.state, "closed")
        self.assertEqual(self._balance(self.anna), 66)
        payments = self.env["account.payment"].search([("pos_session_id", "=", session.id)])
        self.assertTrue(payments)
        self.assertFalse(payments.loyalty_points_entry_ids)
        self.assertLedgerConsistent(self._account(self.anna))
