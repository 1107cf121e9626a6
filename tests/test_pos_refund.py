from odoo.tests import tagged

from .common import LoyaltyPointsPosCommon


@tagged("post_install", "-at_install")
class TestPosRefund(LoyaltyPointsPosCommon):
    def test_full_refund_reverses_the_points(self):
        order = self._sync([(self.product_a, 2), (self.product_b, 2)], customer=self.anna)
        lot = order.loyalty_points_entry_ids
        self.assertEqual(lot.points, 30)
        refund = self._refund(order, {line: line.qty for line in order.lines})
        self.assertRecordValues(
            refund.loyalty_points_entry_ids,
            [
                {
                    "kind": "reversal",
                    "points": -30,
                    "reversed_entry_id": lot.id,
                    "program_id": self.program_all.id,
                }
            ],
        )
        self.assertEqual(refund.loyalty_points_earned, -30)
        self.assertEqual(lot.remaining, 0)
        self.assertEqual(self._balance(self.anna), 0)
        self.assertLedgerConsistent(self._account(self.anna))

    def test_partial_refund_then_the_rest(self):
        order = self._sync([(self.product_a, 3)], customer=self.anna)
        self.assertEqual(order.loyalty_points_earned, 30)
        line = order.lines
        first = self._refund(order, {line: 1})
        self.assertEqual(first.loyalty_points_earned, -10)
        second = self._refund(order, {line: 2})
        self.assertEqual(second.loyalty_points_earned, -20)
        self.assertEqual(self._balance(self.anna), 0)
        self.assertLedgerConsistent(self._account(self.anna))

    def test_never_more_than_earned(self):
        self.program_all.earn_rate = 7  # 3 x 50 -> 10.5 -> 10 points, 3.33 a unit
        order = self._sync([(self.product_b, 3)], customer=self.anna)
        self.assertEqual(order.loyalty_points_earned, 10)
        for _i in range(3):
            self._refund(order, {order.lines: 1})
        reversals = self._account(self.anna).entry_ids.filtered(lambda e: e.kind == "reversal")
        self.assertEqual(sum(reversals.mapped("points")), -10)
        self.assertEqual(self._balance(self.anna), 0)
        self.assertLedgerConsistent(self._account(self.anna))

    def test_refund_after_spending_overdraws_and_warns_a_manager(self):
        order = self._sync([(self.product_a, 2)], customer=self.anna)  # +20
        self._sync(
            [(self.product_b, 1)],
            customer=self.anna,
            payments=[(self.points_pm, 15), (self.cash_pm1, 35)],
        )  # -15, +3
        self.assertEqual(self._balance(self.anna), 8)
        refund = self._refund(order, {order.lines: 2})
        account = self._account(self.anna)
        self.assertEqual(refund.state, "paid")
        self.assertEqual(refund.loyalty_points_earned, -20)
        self.assertEqual(account.balance, -12)
        self.assertEqual(account.activity_ids.summary, "Loyalty points overdrawn")
        self.assertLedgerConsistent(account)
        # later earnings pay the shortfall back first
        later = self._sync([(self.product_a, 2)], customer=self.anna)
        self.assertEqual(later.loyalty_points_entry_ids.remaining, 8)
        self.assertEqual(account.balance, 8)
        self.assertLedgerConsistent(account)

    def test_refund_of_a_points_payment_gives_the_points_back(self):
        self._opening(self.anna, (100, False))
        order = self._sync(
            [(self.product_a, 1)],
            customer=self.anna,
            payments=[(self.points_pm, 60), (self.cash_pm1, 40)],
        )
        self.assertEqual(self._balance(self.anna), 100 - 60 + 4)
        refund = self._refund(
            order, {order.lines: 1}, payments=[(self.points_pm, -60), (self.cash_pm1, -40)]
        )
        self.assertEqual(refund.loyalty_points_redeemed, -60)
        self.assertEqual(refund.loyalty_points_earned, -4)
        self.assertEqual(self._balance(self.anna), 100)
        self.assertLedgerConsistent(self._account(self.anna))

    def test_points_given_back_never_exceed_those_redeemed(self):
        self._opening(self.anna, (100, False))
        order = self._sync(
            [(self.product_a, 1)],
            customer=self.anna,
            payments=[(self.points_pm, 30), (self.cash_pm1, 70)],
        )
        self._refund(order, {order.lines: 1}, payments=[(self.points_pm, -100)])
        self.assertEqual(self._balance(self.anna), 100)  # 30 back, the 7 earned reversed
        self.assertLedgerConsistent(self._account(self.anna))
