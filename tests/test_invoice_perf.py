import logging
from contextlib import ExitStack
from unittest.mock import patch

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import LoyaltyPointsInvoiceCommon

# What the loyalty booking adds to registering the payment that pays an
# invoice (issue 20): at most this many SQL queries with the company's
# invoice earning on, whatever the size of the customer's journal; none with
# it off.
EXTRA_QUERIES = 15

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestInvoiceQueries(LoyaltyPointsInvoiceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["loyalty.points.tier"].create(
            {"name": "Silver", "min_turnover": 0, "earn_multiplier": 1.5}
        )
        cls.billing = new_test_user(
            cls.env,
            login="lp_perf_billing",
            groups="base.group_user,account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def _history(self, partner, size):
        account = self.Account._get_or_create(partner, self.company)
        Entry = self.env["loyalty.points.entry"]
        Entry._post(
            [
                vals
                for _i in range(size)
                for vals in Entry._prepare_adjust_vals(
                    account, 1000 / size, "history", expiry_date="2099-01-01"
                )
            ]
        )
        account._update_tiers()
        return account

    def _queries(self, partner, book=True):
        """SQL queries of registering the payment of a two-line invoice of
        ``partner`` as a billing user, with cold caches (as a fresh request),
        with or without the loyalty booking: the fewest of two runs (the first
        run of a test pays a few registry cache misses of its own)."""
        return min(self._queries_once(partner, book) for _run in range(2))

    def _queries_once(self, partner, book):
        Move = type(self.env["account.move"])
        with ExitStack() as stack:
            if not book:
                stack.enter_context(
                    patch.object(Move, "_loyalty_points_book_paid", lambda moves: None)
                )
                stack.enter_context(
                    patch.object(Move, "_loyalty_points_on_post", lambda moves: None)
                )
            lines = [(self.shampoo, 2, 110.0), (self.lipstick, 1, 50.0)]
            self.env.invalidate_all()
            self.env.registry.clear_cache()
            self._pay(self._invoice(partner, lines), user=self.billing)  # warm the caches
            invoice = self._invoice(partner, lines)
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self._pay(invoice, user=self.billing)
            self.env.flush_all()  # what the request writes at its end, counted too
            count = self.env.cr.sql_log_count - before
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        return count

    def test_registering_a_payment_adds_few_queries(self):
        small = self._history(self.anna, 10)
        big = self._history(self.boris, 1000)
        for partner in (self.anna, self.boris):
            without = self._queries(partner, book=False)
            with_booking = self._queries(partner)
            _logger.info(
                "register payment of one invoice, invoice earning on: %s queries, %s without "
                "the booking (%s entries in the journal)",
                with_booking,
                without,
                len(self._invoice_account(partner).entry_ids),
            )
            self.assertLessEqual(
                with_booking - without,
                EXTRA_QUERIES,
                f"booking costs {with_booking - without} queries ({with_booking} vs {without})",
            )
        self.assertEqual(small.tier_id.name, "Silver")
        self.assertLedgerConsistent(small | big)

    def test_registering_a_payment_adds_nothing_with_the_option_off(self):
        self.company.loyalty_points_invoice_earning = False
        self._history(self.anna, 10)
        without = self._queries(self.anna, book=False)
        with_booking = self._queries(self.anna)
        _logger.info(
            "register payment of one invoice, invoice earning off: %s queries, %s without "
            "the loyalty hooks",
            with_booking,
            without,
        )
        # the hooks look at the company's option and their records' fields, in cache
        self.assertLessEqual(with_booking, without)
