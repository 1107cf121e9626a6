from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import BaseCase, new_test_user, tagged

from ..tools.revenue import allocated_to_points, released_share, standalone_price
from .common import LoyaltyPointsInvoiceHelpers, LoyaltyPointsPosCommon


@tagged("post_install", "-at_install")
class TestRevenueTools(BaseCase):
    def test_allocation_by_relative_standalone_selling_prices(self):
        # IFRS 15 IE52: 100,000 of sales, 10,000 points of 1, 95 % expected
        self.assertEqual(standalone_price(10000, 1.0, 0.95), 9500)
        self.assertAlmostEqual(allocated_to_points(100000, 10000, 1.0, 0.95), 8675.799, places=3)
        self.assertEqual(allocated_to_points(0, 10000, 1.0, 0.95), 0)
        self.assertEqual(allocated_to_points(100, 0, 1.0, 0.95), 0)

    def test_release_out_of_the_points_expected(self):
        self.assertAlmostEqual(released_share(10000, 4500, 0, 0.95), 4500 / 9500)
        self.assertAlmostEqual(released_share(10000, 8500, 0, 0.97), 8500 / 9700)
        self.assertEqual(released_share(10000, 9800, 0, 0.95), 1.0, "never more than deferred")
        self.assertEqual(released_share(10000, -10, 0, 0.95), 0.0)

    def test_expiries_bring_breakage_and_exhaust_the_pool(self):
        # more expired than expected: the points not expired are the most expected
        self.assertAlmostEqual(released_share(20, 5, 10, 0.95), 5 / 10)
        self.assertEqual(released_share(20, 10, 10, 0.95), 1.0, "every point used")
        self.assertEqual(released_share(20, 0, 20, 0.95), 1.0, "every point expired")
        self.assertEqual(released_share(0, 0, 0, 0.95), 1.0, "every point cancelled")


@tagged("post_install", "-at_install")
class TestAccountingDeferredRevenue(LoyaltyPointsPosCommon, LoyaltyPointsInvoiceHelpers):
    """The deferred revenue method (IFRS 15 / ASC 606) of points in the books,
    through real POS orders, session closings and the posting job."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "loyalty_points_liability_accounting": True,
                "loyalty_points_accounting_method": "deferred_revenue",
                "loyalty_points_expected_redemption": 95.0,
            }
        )
        cls.liability = cls.company.loyalty_points_liability_account_id
        cls.issue = cls.company.loyalty_points_issue_account_id
        cls.breakage = cls.company.loyalty_points_breakage_account_id
        cls.deferral = cls.company.loyalty_points_deferral_account_id
        cls.adjustment = cls.company.loyalty_points_revenue_adjustment_account_id
        cls.accountant = new_test_user(
            cls.env,
            login="lp_revenue_accountant",
            groups="base.group_user,base.group_system,account.group_account_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.pos_manager = new_test_user(
            cls.env,
            login="lp_revenue_pos_manager",
            groups="base.group_user,point_of_sale.group_pos_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.admin = new_test_user(
            cls.env,
            login="lp_revenue_admin",
            groups="base.group_user,base.group_system",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.sample = cls.create_product("Sample", cls.categ_basic, 10.0)
        cls.program_lipstick = cls.env["loyalty.points.program"].create(
            {
                "name": "Lipstick, 10 days",
                "scope": "product_category",
                "product_category_ids": [Command.link(cls.categ_lipstick.id)],
                "earn_mode": "percent",
                "earn_rate": 10.0,
                "validity_days": 10,
            }
        )

    # ------------------------------------------------------------------
    # helpers

    def _close_session(self, session=None):
        session = session or self.pos_session
        cash = sum(
            session.order_ids.payment_ids.filtered(
                lambda p: p.payment_method_id == self.cash_pm1
            ).mapped("amount")
        )
        session.post_closing_cash_details(cash)
        session.close_session_from_ui()
        self.assertEqual(session.state, "closed")

    def _post(self, days=1):
        today = fields.Date.context_today(self.env.user) + timedelta(days=days)
        self._run_cron(self.env["loyalty.points.entry"]._cron_post_liability, today=today)

    def _moves(self, kind):
        return self.env["account.move"].search(
            [("company_id", "=", self.company.id), ("loyalty_points_posting", "=", kind)],
            order="date, id",
        )

    def _lines(self, moves):
        """{(account, 'debit' | 'credit'): amount} of the points accounts."""
        accounts = self.liability | self.issue | self.breakage | self.deferral | self.adjustment
        result = {}
        for line in moves.line_ids.filtered(lambda line: line.account_id in accounts):
            for side in ("debit", "credit"):
                if line[side]:
                    key = (line.account_id, side)
                    result[key] = round(result.get(key, 0.0) + line[side], 2)
        return result

    def _liability(self):
        return round(self.company._loyalty_points_liability_balance(), 2)

    def _pools(self):
        return self.env["loyalty.points.revenue.pool"].search(
            [("company_id", "=", self.company.id)], order="id"
        )

    def _reconcile(self):
        return self.company._loyalty_points_reconcile()[self.company]

    def _assert_ties_out(self, liability):
        check = self._reconcile()
        self.assertEqual(
            (check["balance"], check["expected"], check["difference"], check["causes"]),
            (liability, liability, 0.0, []),
        )

    # ------------------------------------------------------------------
    # IFRS 15 Illustrative Example 52

    def test_ifrs15_example_52(self):
        """Sales of 100,000 earn 10,000 points worth 1 each; 95 % are expected
        to be redeemed. Year 1: 4,500 redeemed; year 2: the estimate goes to
        97 % and 4,000 more are redeemed (8,500 in all)."""
        sale = self._sync(
            [(self.product_a, 1000)], customer=self.anna, payments=[(self.cash_pm1, 100000)]
        )
        self.assertEqual(sale.loyalty_points_earned, 10000)
        self._close_session()
        self._post()
        pool = self._pools()
        self.assertRecordValues(
            pool,
            [
                {
                    "kind": "issue",
                    "issued_points": 10000,
                    "issue_redemption": 95,
                    "point_value": 1.0,
                    "deferred_amount": 8675.80,
                    "released_amount": 0,
                    "liability_amount": 8675.80,
                }
            ],
        )
        self.assertEqual(
            self._lines(pool.move_id),
            {(self.deferral, "debit"): 8675.80, (self.liability, "credit"): 8675.80},
        )
        self.assertFalse(self._moves("release"))
        self._assert_ties_out(8675.80)

        # year 1: 4,500 points redeemed at the till
        self.open_new_session()
        paid = self._sync(
            [(self.product_a, 45)], customer=self.anna, payments=[(self.points_pm, 4500)]
        )
        self.assertEqual((paid.loyalty_points_redeemed, paid.loyalty_points_earned), (4500, 0))
        self.assertEqual(
            self._reconcile()["pending"], {"open_session": {"count": 1, "points": -4500.0}}
        )
        self._close_session()
        self.assertEqual(self._liability(), 4175.80, "the closing settles the face value")
        check = self._reconcile()
        self.assertEqual(
            [(cause["cause"], cause["amount"]) for cause in check["causes"]],
            [("catch_up", 390.41)],
        )
        self._post()
        self.assertRecordValues(
            pool,
            [
                {
                    "redeemed_points": 4500,
                    "released_amount": 4109.59,
                    "liability_amount": 4566.21,
                    "expected_redemption": 95,
                }
            ],
        )
        release = self._moves("release")
        self.assertEqual(
            self._lines(release),
            {(self.adjustment, "debit"): 390.41, (self.liability, "credit"): 390.41},
        )
        self.assertEqual(self._liability(), 4566.21)
        self._assert_ties_out(4566.21)

        # year 2: the estimate goes to 97 %, 4,000 more points redeemed: cumulatively
        # 8,675.80 x 8,500 / 9,700 = 7,602.505 released (IE52, in whole units: 7,603)
        self.company.with_user(self.accountant).loyalty_points_expected_redemption = 97.0
        self.open_new_session()
        self._sync([(self.product_a, 40)], customer=self.anna, payments=[(self.points_pm, 4000)])
        self._close_session()
        self._post()
        self.assertRecordValues(
            pool,
            [
                {
                    "redeemed_points": 8500,
                    "released_amount": 7602.51,
                    "liability_amount": 1073.29,
                    "expected_redemption": 97,
                }
            ],
        )
        self.assertEqual(
            self._lines(self._moves("release")[1:]),
            {(self.adjustment, "debit"): 507.08, (self.liability, "credit"): 507.08},
            "4,000 paid at face value, 3,492.92 released",
        )
        self.assertEqual(self._liability(), 1073.29)
        self._assert_ties_out(1073.29)
        check = self._reconcile()
        self.assertEqual(
            (check["deferred"], check["released"], check["pools"], check["expected_redemption"]),
            (8675.80, 7602.51, 1, 97.0),
        )
        settings = self.env["res.config.settings"].with_user(self.accountant).create({})
        notice = settings.action_loyalty_points_reconcile()["params"]
        self.assertEqual(notice["type"], "success")
        for figure in ("8,675.80", "7,602.51", "97.0 %", "1,073.29"):
            self.assertIn(figure, notice["message"])
        # a re-run posts nothing
        moves = self.env["account.move"].search([("company_id", "=", self.company.id)])
        self._post()
        self.assertEqual(
            self.env["account.move"].search([("company_id", "=", self.company.id)]), moves
        )

    # ------------------------------------------------------------------
    # at issue

    def test_price_is_untaxed_and_paid_by_other_means(self):
        """10 x 110 with 10 % tax included earn 110 points: the price allocated
        between goods and points is the untaxed 1,000, not the 1,100 paid."""
        taxed = self.create_product(
            "Taxed Shampoo", self.categ_basic, 110.0, tax_ids=[self.taxes["tax10"].id]
        )
        sale = self._sync([(taxed, 10)], customer=self.anna, payments=[(self.cash_pm1, 1100)])
        self.assertEqual(sale.loyalty_points_earned, 110)
        self._close_session()
        self._post()
        # 1,000 x 104.50 / 1,104.50
        self.assertEqual(self._pools().deferred_amount, 94.61)
        self.assertEqual(
            self._lines(self._moves("posting")),
            {(self.deferral, "debit"): 94.61, (self.liability, "credit"): 94.61},
        )

    def test_sale_price_hook(self):
        """Another channel (invoices) gives the price of its own documents."""
        sale = self._sync(
            [(self.product_a, 10)], customer=self.anna, payments=[(self.cash_pm1, 1000)]
        )
        self._close_session()
        Entry = type(self.env["loyalty.points.entry"])
        original = Entry._loyalty_points_sale_prices

        def sale_prices(entries):
            prices = original(entries)
            self.assertEqual(prices, {sale: 1000.0})
            return {sale: 500.0}

        with patch.object(Entry, "_loyalty_points_sale_prices", sale_prices):
            self._post()
        # 500 x 95 / 595
        self.assertEqual(self._pools().deferred_amount, 79.83)

    def test_invoice_earning_defers_its_price(self):
        """A paid invoice's points are priced like a POS order's: the untaxed
        amount its booking earned on, not nothing."""
        self.company.loyalty_points_invoice_earning = True
        self._setup_invoicing()
        # 10 x 110 with 10 % tax included: 1,000 untaxed, 1,100 paid
        invoice = self._invoice(self.anna, [(self.product_a, 10, 110.0, self.taxes["tax10"])])
        self.assertEqual((invoice.amount_untaxed, invoice.amount_total), (1000.0, 1100.0))
        self._pay(invoice)
        self.assertEqual(invoice.loyalty_points_earned, 100)
        lot = invoice.loyalty_points_entry_ids.filtered(lambda e: e.kind == "earn")
        self.assertEqual(lot.points, 100)
        self._post()
        # SSP 100 x 1.00 x 95 % = 95; 1,000 x 95 / (1,000 + 95) = 86.7580 -> 86.76
        self.assertAlmostEqual(lot.deferred_amount, 1000 * 95 / 1095)
        self.assertRecordValues(
            self._pools(),
            [{"issued_points": 100, "deferred_amount": 86.76, "liability_amount": 86.76}],
        )
        self.assertEqual(
            self._lines(self._moves("posting")),
            {(self.deferral, "debit"): 86.76, (self.liability, "credit"): 86.76},
        )
        self._assert_ties_out(86.76)

    def test_bonus_and_adjustment_are_a_marketing_expense_at_ssp(self):
        self._opening(self.anna, (200, False))
        self._close_session()
        self._post()
        self.assertEqual(
            self._lines(self._moves("posting")),
            {(self.issue, "debit"): 190.0, (self.liability, "credit"): 190.0},
        )
        self.assertRecordValues(self._pools(), [{"issued_points": 200, "deferred_amount": 190}])
        self._assert_ties_out(190.0)

    def test_refund_takes_its_deferral_back(self):
        sale = self._sync(
            [(self.product_a, 10)], customer=self.anna, payments=[(self.cash_pm1, 1000)]
        )
        self._close_session()
        self._post()
        pool = self._pools()
        self.assertEqual(pool.deferred_amount, 86.76)  # 1,000 x 95 / 1,095
        self.open_new_session()
        refund = self._refund(sale, {sale.lines: 5})
        self.assertEqual(refund.loyalty_points_earned, -50)
        self._close_session()
        self._post()
        self.assertEqual(
            self._lines(self._moves("posting")[1:]),
            {(self.liability, "debit"): 43.38, (self.deferral, "credit"): 43.38},
        )
        self.assertRecordValues(
            pool, [{"cancelled_points": 50, "cancelled_amount": -43.38, "liability_amount": 43.38}]
        )
        self._assert_ties_out(43.38)

    # ------------------------------------------------------------------
    # redemption, give-back, expiry

    def test_refunded_points_payment_undoes_its_release(self):
        self._sync([(self.product_a, 10)], customer=self.anna, payments=[(self.cash_pm1, 1000)])
        self._close_session()
        self._post()
        self.open_new_session()
        paid = self._sync([(self.sample, 1)], customer=self.anna, payments=[(self.points_pm, 10)])
        self._close_session()
        self._post()
        pool = self._pools()
        # 86.76 x 10 / 95
        self.assertRecordValues(pool, [{"released_amount": 9.13, "liability_amount": 77.63}])
        self.open_new_session()
        self._refund(paid, {paid.lines: 1}, payments=[(self.points_pm, -10)])
        self.assertEqual(self._balance(self.anna), 100)
        self._close_session()
        self._post()
        self.assertRecordValues(
            pool, [{"redeemed_points": 0, "released_amount": 0, "liability_amount": 86.76}]
        )
        self._assert_ties_out(86.76)

    def test_expiry_is_breakage_in_proportion_then_the_rest(self):
        """20 points valid 10 days: 10 redeemed release 10/19 of the deferral,
        the 10 that expire release the rest, as breakage."""
        self._sync([(self.product_b, 4)], customer=self.anna, payments=[(self.cash_pm1, 200)])
        self._close_session()
        self._post()
        pool = self._pools()
        self.assertEqual(pool.deferred_amount, 17.35)  # 200 x 19 / 219
        self.open_new_session()
        self._sync([(self.sample, 1)], customer=self.anna, payments=[(self.points_pm, 10)])
        self._close_session()
        self._post()
        self.assertRecordValues(pool, [{"released_amount": 9.13, "liability_amount": 8.22}])
        with freeze_time(fields.Datetime.now() + timedelta(days=11)):
            self._run_cron(self.env["loyalty.points.entry"]._cron_expire_points)
            self.assertEqual(self._balance(self.anna), 0)
            self._post()
            release = self._moves("release")[1:]
            self.assertEqual(
                self._lines(release),
                {(self.liability, "debit"): 8.22, (self.breakage, "credit"): 8.22},
            )
            self.assertRecordValues(
                pool,
                [
                    {
                        "redeemed_points": 10,
                        "expired_points": 10,
                        "released_amount": 17.35,
                        "liability_amount": 0,
                    }
                ],
            )
            self._assert_ties_out(0.0)

    # ------------------------------------------------------------------
    # settings: rights, bad input, history, switching

    def test_estimate_history_and_bad_input(self):
        company = self.company.with_user(self.accountant)
        history = self.company.loyalty_points_estimate_ids
        self.assertEqual(history.mapped("expected_redemption"), [95.0])
        for percent in (0.0, -5.0, 100.5):
            with self.assertRaises(ValidationError):
                company.loyalty_points_expected_redemption = percent
            self.company.invalidate_recordset()
            self.assertEqual(self.company.loyalty_points_expected_redemption, 95.0)
        company.loyalty_points_expected_redemption = 90.0
        company.loyalty_points_expected_redemption = 90.0  # unchanged: no new line
        settings = self.env["res.config.settings"].with_user(self.accountant).create({})
        self.assertRecordValues(
            settings.loyalty_points_estimate_ids,
            [
                {
                    "expected_redemption": 90,
                    "previous_redemption": 95,
                    "user_id": self.accountant.id,
                },
                {"expected_redemption": 95, "previous_redemption": 100, "user_id": self.env.uid},
            ],
        )
        with self.assertRaises(UserError):
            settings.loyalty_points_estimate_ids[0].sudo().unlink()

    def test_only_accounting_managers_switch_the_method(self):
        self._close_session()
        for user in (self.cashier, self.pos_manager, self.admin):
            with self.assertRaises(AccessError):
                self.company.with_user(user).loyalty_points_accounting_method = "cost"
            with self.assertRaises(AccessError):
                self.company.with_user(user).loyalty_points_expected_redemption = 50.0
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.pos_manager).create(
                {"loyalty_points_accounting_method": "cost"}
            )
        self.company.invalidate_recordset()
        self.assertEqual(self.company.loyalty_points_accounting_method, "deferred_revenue")
        self.assertEqual(self.company.loyalty_points_expected_redemption, 95.0)
        # nor post, nor look at the pools
        settings = self.env["res.config.settings"].create({})
        for user in (self.cashier, self.pos_manager):
            for action in (
                "action_loyalty_points_post_liability",
                "action_loyalty_points_revenue_pools",
            ):
                with self.assertRaises(AccessError):
                    getattr(settings.with_user(user), action)()
            with self.assertRaises(AccessError):
                self.env["loyalty.points.revenue.pool"].with_user(user).search([])
        action = settings.with_user(self.accountant).action_loyalty_points_revenue_pools()
        self.assertEqual(action["res_model"], "loyalty.points.revenue.pool")
        self.env["res.config.settings"].with_user(self.accountant).create(
            {"loyalty_points_accounting_method": "cost"}
        )
        self.assertEqual(self.company.loyalty_points_accounting_method, "cost")

    def test_switching_the_method_refused_with_an_open_session(self):
        with self.assertRaises(UserError):
            self.company.with_user(self.accountant).loyalty_points_accounting_method = "cost"
        self.company.invalidate_recordset()
        self.assertEqual(self.company.loyalty_points_accounting_method, "deferred_revenue")

    def test_switching_the_method_remeasures_the_liability(self):
        company = self.company.with_user(self.accountant)
        self._close_session()
        company.loyalty_points_accounting_method = "cost"
        self.assertFalse(self._moves("remeasurement"), "nothing in the books yet")
        self.open_new_session()
        self._sync([(self.product_a, 10)], customer=self.anna, payments=[(self.cash_pm1, 1000)])
        self._close_session()
        self._post()
        self.assertEqual(self._liability(), 100.0, "cost: 100 points at 1.00")
        # cost -> deferred revenue: the 100 points outstanding at 95 %
        company.loyalty_points_accounting_method = "deferred_revenue"
        remeasure = self._moves("remeasurement")
        self.assertEqual(
            self._lines(remeasure),
            {(self.liability, "debit"): 5.0, (self.adjustment, "credit"): 5.0},
        )
        opening = self._pools()
        self.assertRecordValues(
            opening, [{"kind": "opening", "issued_points": 100, "deferred_amount": 95}]
        )
        self._assert_ties_out(95.0)
        # movements after the switch release the opening pool
        self.open_new_session()
        self._sync([(self.sample, 2)], customer=self.anna, payments=[(self.points_pm, 20)])
        self._close_session()
        self._post()
        self.assertRecordValues(opening, [{"redeemed_points": 20, "released_amount": 20}])
        self._assert_ties_out(75.0)
        # and back to cost: 80 points at 1.00, the pools closed
        company.loyalty_points_accounting_method = "cost"
        self.assertEqual(
            self._lines(self._moves("remeasurement")[1:]),
            {(self.adjustment, "debit"): 5.0, (self.liability, "credit"): 5.0},
        )
        self.assertEqual(opening.state, "closed")
        check = self._reconcile()
        self.assertEqual((check["balance"], check["expected"], check["causes"]), (80, 80, []))
        # and deferred revenue again: a new opening pool of the 80 points left
        company.loyalty_points_accounting_method = "deferred_revenue"
        self.assertRecordValues(
            self._pools() - opening,
            [{"kind": "opening", "state": "open", "issued_points": 80, "deferred_amount": 76}],
        )
        self._assert_ties_out(76.0)

    def test_switching_accounting_on_opens_a_pool(self):
        self._close_session()
        other = self.setup_other_company(name="Shop 2")["company"]
        account = self.Account.sudo()._get_or_create(self.boris, other)
        Entry = self.env["loyalty.points.entry"]
        Entry._post(Entry._prepare_adjust_vals(account, 40, "opening"))
        other.write(
            {
                "loyalty_points_accounting_method": "deferred_revenue",
                "loyalty_points_expected_redemption": 80.0,
                "loyalty_points_liability_accounting": True,
            }
        )
        self.assertTrue(other.loyalty_points_deferral_account_id)
        pool = self.env["loyalty.points.revenue.pool"].search([("company_id", "=", other.id)])
        self.assertRecordValues(
            pool, [{"kind": "opening", "issued_points": 40, "deferred_amount": 32}]
        )
        check = other._loyalty_points_reconcile()[other]
        self.assertEqual((check["balance"], check["expected"], check["causes"]), (32, 32, []))
