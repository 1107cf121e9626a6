import logging
from unittest.mock import patch

from odoo.tests import tagged

from .common import LoyaltyPointsPosCommon

# What booking adds to the sync of an order with a customer who earns, pays
# with points and has a tier: at most this many SQL queries, whatever the size
# of the customer's journal. Measured: 10 to 12 (claim, savepoint and release,
# the account's lock, the entries, the open lots, the allocations with the
# lots' remaining, the balance, the lines' points, the turnover, the order's
# figures; the rest depends on what the sync had read before).
EXTRA_QUERIES = 12

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestPosQueries(LoyaltyPointsPosCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["loyalty.points.tier"].create(
            {"name": "Silver", "min_turnover": 0, "earn_multiplier": 1.5}
        )

    def _history(self, partner, size):
        account = self.Account._get_or_create(partner, self.company)
        self.env["loyalty.points.entry"]._post(
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
        account._update_tiers()
        return account

    def _order_data(self, partner):
        return self.create_ui_order_data(
            [(self.product_a, 1), (self.product_b, 2)],
            customer=partner,
            payments=[(self.points_pm, 20), (self.cash_pm1, 180)],
        )

    def _queries(self, partner, book=True):
        """SQL queries of syncing one order of ``partner`` as the cashier, with
        cold caches (as a fresh request), with or without the booking."""
        Order = self.env["pos.order"].with_user(self.cashier)
        data = self._order_data(partner)
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        Order.sync_from_ui([self._order_data(partner)])  # warm the registry caches
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        if book:
            Order.sync_from_ui([data])
        else:
            with patch.object(type(Order), "_loyalty_points_book", lambda orders: None):
                Order.sync_from_ui([data])
        return self.env.cr.sql_log_count - before

    def test_booking_adds_few_queries_whatever_the_journal(self):
        small = self._history(self.anna, 10)
        big = self._history(self.boris, 1000)
        self.assertEqual((small.tier_id.name, big.tier_id.name), ("Silver", "Silver"))
        for partner in (self.anna, self.boris):
            without = self._queries(partner, book=False)
            with_booking = self._queries(partner)
            _logger.info(
                "sync of one order: %s queries, %s without the booking (%s entries in the journal)",
                with_booking,
                without,
                len(self._account(partner).entry_ids),
            )
            self.assertLessEqual(
                with_booking - without,
                EXTRA_QUERIES,
                f"booking costs {with_booking - without} queries ({with_booking} vs {without})",
            )
        self.assertLedgerConsistent(small | big)
