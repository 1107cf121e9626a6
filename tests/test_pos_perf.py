import logging
import re
from contextlib import contextmanager
from unittest.mock import patch

from odoo.sql_db import Cursor
from odoo.tests import tagged
from odoo.tools import SQL

from .common import LoyaltyPointsPosCommon

# What booking adds to the sync of an order with a customer who earns, pays
# with points and has a tier: at most this many SQL queries, whatever the size
# of the customer's journal. Measured: 10 to 12 (claim, savepoint and release,
# the account's lock, the entries, the open lots, the allocations with the
# lots' remaining, the balance, the lines' points, the turnover, the order's
# figures; the rest depends on what the sync had read before).
EXTRA_QUERIES = 12

# What a reward line (of a reward with a limit) adds to the sync of the same
# order, at most. Measured: 7 (145 vs 138 queries, the fewest of two runs, the
# same in four test runs).
REWARD_QUERIES = 7

# A query about rewards: the catalogue's table, or a filter on a reward column.
REWARD_QUERY = re.compile(r'\bloyalty_points_reward\b|reward_id"?\s*(=|IN\b|IS\b)', re.IGNORECASE)

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestPosQueries(LoyaltyPointsPosCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["loyalty.points.tier"].create(
            {"name": "Silver", "min_turnover": 0, "earn_multiplier": 1.5}
        )
        # a reward catalogue, with a limit: the till loads it, the sync of an
        # order without a reward line never reads it
        cls.reward = cls.env["loyalty.points.reward"].create(
            {
                "name": "Free lipstick",
                "product_id": cls.product_b.id,
                "points_cost": 50,
                "limit_qty": 3,
            }
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

    @contextmanager
    def _capture(self):
        """The SQL of the queries run inside the block."""
        queries = []
        execute = Cursor.execute

        def capture(cr, query, params=None, log_exceptions=None):
            queries.append(query.code if isinstance(query, SQL) else str(query))
            return execute(cr, query, params, log_exceptions)

        with patch("odoo.sql_db.Cursor.execute", capture):
            yield queries

    def _queries(self, partner, book=True, reward=False):
        """SQL queries of syncing one order of ``partner`` as the cashier, with
        cold caches (as a fresh request), with or without the booking, with
        or without a reward line."""
        Order = self.env["pos.order"].with_user(self.cashier)
        data = self._order_data(partner)
        if reward:
            line = data["lines"][1][2]
            line.update(qty=1, discount=100.0, loyalty_points_reward_id=self.reward.id)
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
            # the fewest of two runs each: a run may pay a registry cache miss
            # of its own, which is no cost of the booking
            without = min(self._queries(partner, book=False) for _i in range(2))
            with_booking = min(self._queries(partner) for _i in range(2))
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

    def test_a_sync_without_reward_line_reads_no_reward(self):
        """The catalogue comes with the till's data: an order without a reward
        line costs no query for rewards, whatever the catalogue."""
        self._history(self.anna, 10)
        Order = self.env["pos.order"].with_user(self.cashier)
        Order.sync_from_ui([self._order_data(self.anna)])  # warm the registry caches
        self.env.invalidate_all()
        with self._capture() as queries:
            Order.sync_from_ui([self._order_data(self.anna)])
        about_rewards = [query for query in queries if REWARD_QUERY.search(query)]
        self.assertEqual(about_rewards, [], "a sync without a reward line reads rewards")
        with self._capture() as queries:
            self._queries(self.anna, reward=True)
        self.assertTrue(
            [query for query in queries if REWARD_QUERY.search(query)], "the pattern finds them"
        )
        # the fewest of two runs each (see above); the reward's limit (3)
        # allows both runs and the one captured above
        without = min(self._queries(self.anna) for _i in range(2))
        with_reward = min(self._queries(self.anna, reward=True) for _i in range(2))
        _logger.info(
            "sync of one order: %s queries, %s with a reward line (with a limit)",
            without,
            with_reward,
        )
        self.assertLessEqual(without, self._queries(self.anna, book=False) + EXTRA_QUERIES)
        self.assertLessEqual(
            with_reward - without,
            REWARD_QUERIES,
            f"a reward line costs {with_reward - without} queries ({with_reward} vs {without})",
        )
