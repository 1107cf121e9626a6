from odoo.tests import tagged

from .common import LoyaltyPointsPosCommon

# Syncing an order that redeems and earns, with the tier update: one bound,
# whether the customer's journal holds 10 or 1,000 entries.
QUERY_BOUND = 145


@tagged("post_install", "-at_install")
class TestPosQueries(LoyaltyPointsPosCommon):
    def _history(self, partner, size):
        account = self.Account._get_or_create(partner, self.company)
        self.env["loyalty.points.entry"].sudo().create(
            [
                {
                    "account_id": account.id,
                    "kind": "adjust",
                    "points": 1000 / size,
                    "note": "history",
                    "expiry_date": "2099-01-01",
                }
                for _i in range(size)
            ]
        )
        return account

    def _order_data(self, partner):
        return self.create_ui_order_data(
            [(self.product_a, 1)],
            customer=partner,
            payments=[(self.points_pm, 20), (self.cash_pm1, 80)],
        )

    def test_sync_queries_do_not_grow_with_the_journal(self):
        small = self._history(self.anna, 10)
        big = self._history(self.boris, 1000)
        Order = self.env["pos.order"].with_user(self.cashier)
        # warm the caches: the first orders of a session, and the first sync
        # after a cache invalidation, load more
        for partner in (self.anna, self.boris, self.anna):
            Order.sync_from_ui([self._order_data(partner)])
        self.env.invalidate_all()
        Order.sync_from_ui([self._order_data(self.boris)])
        for partner in (self.anna, self.boris):
            data = self._order_data(partner)
            self.env.invalidate_all()
            with self.assertQueryCount(QUERY_BOUND):
                Order.sync_from_ui([data])
        # three orders each: -20 redeemed, +8 earned
        self.assertEqual((small.balance, big.balance), (1000 - 36, 1000 - 36))
        self.assertLedgerConsistent(small | big)
