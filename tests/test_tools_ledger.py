from odoo.tests import BaseCase, tagged

from ..tools import (
    earning_base,
    is_ledger,
    ledger_context,
    points_paid,
    refund_reversal,
    smallest_payment,
)


@tagged("post_install", "-at_install")
class TestEarningBase(BaseCase):
    def test_paid_in_cash(self):
        self.assertEqual(earning_base(150, 0, 150, 0), 150)

    def test_the_part_paid_with_points_earns_nothing(self):
        self.assertEqual(earning_base(150, 0, 100, 50), 100)

    def test_sold_and_returned_is_worth_nothing(self):
        self.assertEqual(earning_base(0, 0, 0, 0), 0)

    def test_never_more_than_the_money_received(self):
        self.assertEqual(earning_base(1000, 0, 100, 0), 100)

    def test_never_more_than_the_lines_are_worth(self):
        self.assertEqual(earning_base(100, 0, 150, 0), 100)

    def test_exchange_uses_the_refund_credit(self):
        # refund A (-100) and buy B (150), paying the 50 difference
        self.assertEqual(earning_base(150, -100, 50, 0), 150)

    def test_refund_of_a_points_paid_order_earns_nothing(self):
        self.assertEqual(earning_base(0, -150, -100, -50), 0)

    def test_never_negative(self):
        self.assertEqual(earning_base(-50, 0, -50, 0), 0)


@tagged("post_install", "-at_install")
class TestRefundReversal(BaseCase):
    def test_share_of_the_refunded_quantity(self):
        self.assertEqual(refund_reversal(30, 3, 0, 0, 1, 1), 10)

    def test_the_last_unit_takes_what_is_left(self):
        # 10 points over 3 units, refunded one by one: 3, 4, 3
        self.assertEqual(refund_reversal(10, 3, 0, 0, 1, 1), 3)
        self.assertEqual(refund_reversal(10, 3, 3, 1, 1, 1), 4)
        self.assertEqual(refund_reversal(10, 3, 7, 2, 1, 1), 3)

    def test_never_more_than_earned(self):
        self.assertEqual(refund_reversal(10, 3, 10, 3, 5, 1), 0)
        self.assertEqual(refund_reversal(10, 3, 0, 0, 50, 1), 10)

    def test_nothing_to_reverse(self):
        self.assertEqual(refund_reversal(0, 3, 0, 0, 1, 1), 0)
        self.assertEqual(refund_reversal(10, 0, 0, 0, 1, 1), 0)


@tagged("post_install", "-at_install")
class TestPointsPayment(BaseCase):
    def test_rounds_up_in_the_shop_favour(self):
        self.assertEqual(points_paid(0.01, 5.0), 0.01)
        self.assertEqual(points_paid(10.01, 5.0), 2.01)

    def test_binary_noise_does_not_add_a_hundredth(self):
        self.assertEqual(points_paid(25, 0.1), 250)
        self.assertEqual(points_paid(0.3, 0.1), 3)

    def test_nothing_for_nothing(self):
        self.assertEqual(points_paid(0, 1.0), 0)
        self.assertEqual(points_paid(-5, 1.0), 0)

    def test_smallest_payment(self):
        self.assertAlmostEqual(smallest_payment(5.0, 0.01), 0.05)
        self.assertAlmostEqual(smallest_payment(1.0, 0.01), 0.01)
        self.assertAlmostEqual(smallest_payment(0.1, 0.01), 0.01)


@tagged("post_install", "-at_install")
class TestLedgerContext(BaseCase):
    def test_only_the_token_opens_the_ledger(self):
        self.assertTrue(is_ledger(ledger_context()))
        self.assertFalse(is_ledger({"loyalty_points_ledger": True}))
        self.assertFalse(is_ledger({"loyalty_points_ledger": "object()"}))
        self.assertFalse(is_ledger({}))
