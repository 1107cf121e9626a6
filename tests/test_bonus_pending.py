from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import LoyaltyPointsPosCommon


@tagged("post_install", "-at_install")
class TestPendingPoints(LoyaltyPointsPosCommon):
    """Points earned on a sale are pending for the company's pending days."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.loyalty_points_pending_days = 14
        cls.Entry = cls.env["loyalty.points.entry"]

    def _release(self, days, batch_size=10000):
        """Run the release job ``days`` after the session opened."""
        with freeze_time(self.pos_session.start_at + timedelta(days=days)):
            return self.Entry._cron_release_points(batch_size=batch_size)

    def _activities(self, account):
        return self.env["mail.activity"].search(
            [("res_model", "=", "loyalty.points.account"), ("res_id", "=", account.id)]
        )

    def test_earned_points_are_pending_until_released(self):
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        account = self._account(self.anna)
        day = order.loyalty_points_date
        available = day + timedelta(days=14)
        self.assertRecordValues(account, [{"balance": 0, "pending_points": 10}])
        self.assertEqual(account.next_available_date, available)
        self.assertRecordValues(
            order.loyalty_points_entry_ids,
            [{"kind": "earn", "points": 10, "pending": True, "available_date": available}],
        )
        self.assertRecordValues(
            order,
            [
                {
                    "loyalty_points_earned": 10,
                    "loyalty_points_balance": 0,
                    "loyalty_points_pending": 10,
                    "loyalty_points_available_date": available,
                }
            ],
        )
        self.assertEqual(self.anna.with_user(self.cashier).loyalty_points_pending, 10)
        info = self.anna.with_user(self.cashier).loyalty_points_pos_info(self.config.id)
        self.assertEqual((info["balance"], info["pending"]), (0, 10))
        self.assertLedgerConsistent(account)

        self.assertEqual(self._release(13), 0)  # not yet
        self.assertRecordValues(account, [{"balance": 0, "pending_points": 10}])
        self.assertEqual(self._release(14), 0)
        self.assertRecordValues(account, [{"balance": 10, "pending_points": 0}])
        self.assertFalse(order.loyalty_points_entry_ids.pending)
        self.assertFalse(account.next_available_date)
        # a second run (or a run late) changes nothing
        self._release(15)
        self.assertRecordValues(account, [{"balance": 10, "pending_points": 0}])
        self.assertLedgerConsistent(account)

    def test_off_by_default_points_are_spendable_at_once(self):
        self.company.loyalty_points_pending_days = 0
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        self.assertRecordValues(
            order.loyalty_points_entry_ids, [{"pending": False, "available_date": False}]
        )
        self.assertRecordValues(self._account(self.anna), [{"balance": 10, "pending_points": 0}])

    def test_pending_points_cannot_be_spent(self):
        self._opening(self.anna, (5, False))
        self._sync([(self.product_a, 1)], customer=self.anna)
        account = self._account(self.anna)
        self.assertRecordValues(account, [{"balance": 5, "pending_points": 10}])
        check = self.anna.with_user(self.cashier).loyalty_points_check_payment(
            self.config.id, 8.0, 50.0
        )
        self.assertFalse(check["ok"])
        self.assertEqual(check["max_amount"], 5)
        # a till that pays anyway overdraws the spendable balance, not the pending lot
        # (the promo pack earns nothing)
        self._sync(
            [(self.promo, 1)],
            customer=self.anna,
            payments=[(self.points_pm, 8), (self.cash_pm1, 22)],
        )
        self.assertRecordValues(account, [{"balance": -3, "pending_points": 10}])
        self.assertIn(
            "Points payment beyond the balance", self._activities(account).mapped("summary")
        )
        self.assertLedgerConsistent(account)
        # released, the lot pays the debt back first
        self._release(14)
        self.assertRecordValues(account, [{"balance": 7, "pending_points": 0}])
        lot = account.entry_ids.filtered("available_date")
        self.assertEqual(lot.remaining, 7)
        self.assertEqual(sum(lot.credit_allocation_ids.mapped("points")), 3)
        self.assertLedgerConsistent(account)

    def test_new_pending_lot_pays_a_debt_back_first(self):
        self._opening(self.anna, (5, False))
        account = self._account(self.anna)
        self._sync(
            [(self.promo, 1)],
            customer=self.anna,
            payments=[(self.points_pm, 8), (self.cash_pm1, 22)],
        )
        self.assertRecordValues(account, [{"balance": -3, "pending_points": 0}])
        # the debt is settled by the new lot: only what is left of it is pending
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        self.assertRecordValues(account, [{"balance": 0, "pending_points": 7}])
        self.assertLedgerConsistent(account)
        # refunded within the window, the debt comes back, no more
        self._refund(order, {order.lines: 1})
        self.assertRecordValues(account, [{"balance": -3, "pending_points": 0}])
        self.assertLedgerConsistent(account)

    def test_refund_within_the_window_cancels_without_overdraft(self):
        order = self._sync([(self.product_a, 2)], customer=self.anna)
        account = self._account(self.anna)
        self.assertRecordValues(account, [{"balance": 0, "pending_points": 20}])
        self._refund(order, {order.lines: 1})
        self.assertRecordValues(account, [{"balance": 0, "pending_points": 10}])
        refund = self._refund(order, {order.lines: 1})
        self.assertRecordValues(account, [{"balance": 0, "pending_points": 0}])
        self.assertEqual(refund.loyalty_points_earned, -10)
        self.assertFalse(self._activities(account))
        self.assertLedgerConsistent(account)
        # the fully reversed lot is released with nothing left: nothing moves
        self._release(14)
        self.assertRecordValues(account, [{"balance": 0, "pending_points": 0}])
        self.assertLedgerConsistent(account)

    def test_refund_after_release_takes_from_the_balance(self):
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        account = self._account(self.anna)
        self._release(14)
        self.assertRecordValues(account, [{"balance": 10, "pending_points": 0}])
        with freeze_time(self.pos_session.start_at + timedelta(days=15)):
            self._refund(order, {order.lines: 1})
        self.assertRecordValues(account, [{"balance": 0, "pending_points": 0}])
        self.assertLedgerConsistent(account)

    def test_reversals_cancel_pending_points_rather_than_overdraw(self):
        # a return without receipt within the window takes back pending points
        self._sync([(self.product_a, 2)], customer=self.anna)
        account = self._account(self.anna)
        self.assertRecordValues(account, [{"balance": 0, "pending_points": 20}])
        self._sync([(self.product_a, -1)], customer=self.anna, payments=[(self.cash_pm1, -100)])
        self.assertRecordValues(account, [{"balance": 0, "pending_points": 10}])
        self.assertFalse(self._activities(account))
        self.assertLedgerConsistent(account)
        # a refund of an order whose released points were spent takes what it
        # misses from the pending points of a later order
        self._release(14)
        first = self._sync(
            [(self.product_a, 1)],
            customer=self.anna,
            payments=[(self.points_pm, 10), (self.cash_pm1, 90)],
        )
        self.assertRecordValues(account, [{"balance": 0, "pending_points": 9}])
        with freeze_time(self.pos_session.start_at + timedelta(days=1)):
            self._sync([(self.product_a, 1)], customer=self.anna)
        self.assertRecordValues(account, [{"balance": 0, "pending_points": 19}])
        earlier = self.env["pos.order"].search(
            [("partner_id", "=", self.anna.id), ("amount_total", ">", 0)], order="id", limit=1
        )
        # 10 points to take back, from a lot already spent: from the pending lots
        self._refund(earlier, {earlier.lines: 1})
        self.assertEqual(first.loyalty_points_earned, 9)
        self.assertRecordValues(account, [{"balance": 0, "pending_points": 9}])
        self.assertFalse(self._activities(account))
        self.assertLedgerConsistent(account)
        # a redeem never takes pending points
        self.assertFalse(
            self.Entry.sudo()
            .search([("account_id", "=", account.id), ("kind", "=", "redeem")])
            .debit_allocation_ids.credit_entry_id.filtered("pending")
        )

    def test_redeem_takes_available_lots_only(self):
        self._opening(self.anna, (50, False))
        self._sync([(self.product_a, 1)], customer=self.anna)
        account = self._account(self.anna)
        self._sync(
            [(self.product_a, 1)],
            customer=self.anna,
            payments=[(self.points_pm, 50), (self.cash_pm1, 50)],
        )
        # 50 spent from the opening lot; the pending 10 + 5 of the second order stay
        self.assertRecordValues(account, [{"balance": 0, "pending_points": 15}])
        self.assertFalse(self._activities(account))
        self.assertLedgerConsistent(account)

    def test_points_payment_given_back_is_spendable_at_once(self):
        self._opening(self.anna, (50, False))
        order = self._sync(
            [(self.product_b, 1)],
            customer=self.anna,
            payments=[(self.points_pm, 30), (self.cash_pm1, 20)],
        )
        account = self._account(self.anna)
        self.assertRecordValues(account, [{"balance": 20, "pending_points": 2}])
        self._refund(
            order, {order.lines: 1}, payments=[(self.points_pm, -30), (self.cash_pm1, -20)]
        )
        self.assertRecordValues(account, [{"balance": 50, "pending_points": 0}])
        self.assertLedgerConsistent(account)

    def test_pending_lot_never_expires_before_release(self):
        self.program_all.validity_days = 5  # shorter than the window: expires on release day
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        lot = order.loyalty_points_entry_ids
        self.assertEqual(lot.expiry_date, lot.available_date)
        account = self._account(self.anna)
        # the day after, the expiry job runs before the release job: the lot waits
        with freeze_time(self.pos_session.start_at + timedelta(days=15)):
            self.Entry._cron_expire_points()
            self.assertRecordValues(account, [{"balance": 0, "pending_points": 10}])
            self.Entry._cron_release_points()
            self.Entry._cron_expire_points()
        self.assertRecordValues(account, [{"balance": 0, "pending_points": 0}])
        self.assertRecordValues(lot, [{"remaining": 0, "pending": False}])
        self.assertLedgerConsistent(account)

    def test_release_in_batches(self):
        self._sync([(self.product_a, 1)], customer=self.anna)
        self._sync([(self.product_a, 1)], customer=self.boris)
        accounts = self._account(self.anna) | self._account(self.boris)
        day = self.pos_session.start_at.date() + timedelta(days=14)
        due = self.Entry.sudo().search([("pending", "=", True), ("available_date", "<=", day)])
        runs = 0
        while True:  # one account a batch, as the cron would run it again
            left = self._release(14, batch_size=1)
            runs += 1
            released = due.filtered(lambda lot: not lot.pending)
            self.assertEqual(len(released.account_id), runs)
            if not left:
                break
        self.assertEqual(runs, len(due.account_id))
        self.assertEqual(accounts.mapped("balance"), [10, 10])
        self.assertEqual(accounts.mapped("pending_points"), [0, 0])
        self.assertLedgerConsistent(accounts)

    def test_welcome_bonus_is_pending_and_refunded_within_the_window(self):
        self.company.loyalty_points_welcome_points = 25
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        account = self._account(self.anna)
        bonus = order.loyalty_points_entry_ids.filtered(lambda e: e.kind == "bonus")
        self.assertRecordValues(bonus, [{"pending": True, "points": 25}])
        self.assertRecordValues(account, [{"balance": 0, "pending_points": 35}])
        self._refund(order, {order.lines: 1})
        self.assertRecordValues(account, [{"balance": 0, "pending_points": 0}])
        self.assertFalse(self._activities(account))
        self.assertLedgerConsistent(account)

    def test_the_ledger_decides_what_is_pending(self):
        account = self.Account._get_or_create(self.anna, self.company)
        lots = self.Entry._post(
            [
                {  # a future available date is pending whatever the caller says
                    "account_id": account.id,
                    "kind": "adjust",
                    "points": 7,
                    "note": "x",
                    "available_date": "2999-01-01",
                    "pending": False,
                },
                {  # a past one is spendable at once
                    "account_id": account.id,
                    "kind": "adjust",
                    "points": 3,
                    "note": "x",
                    "available_date": "2000-01-01",
                    "pending": True,
                },
            ]
        )
        self.assertEqual(lots.mapped("pending"), [True, False])
        self.assertRecordValues(account, [{"balance": 3, "pending_points": 7}])
        with self.assertRaises(UserError):
            lots[0].sudo().write({"pending": False})
        with self.assertRaises(UserError):
            account.sudo().write({"pending_points": 0})
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        with self.assertRaises(AccessError):
            order.with_user(self.cashier).write({"loyalty_points_pending": 0})
        with self.assertRaises(AccessError):
            order.with_user(self.cashier).write({"loyalty_points_available_date": False})
        self.assertLedgerConsistent(account)

    def test_forged_payload_cannot_set_pending_fields(self):
        data = self.create_ui_order_data([(self.product_a, 1)], customer=self.anna)
        data.update(loyalty_points_pending=0, loyalty_points_available_date="2000-01-01")
        result = self.env["pos.order"].with_user(self.cashier).sync_from_ui([data])
        order = self.env["pos.order"].browse(result["pos.order"][0]["id"])
        self.assertEqual(order.loyalty_points_pending, 10)
        self.assertEqual(
            order.loyalty_points_available_date, order.loyalty_points_date + timedelta(days=14)
        )

    def test_negative_pending_days_refused(self):
        with self.assertRaises(ValidationError):
            self.company.loyalty_points_pending_days = -1

    def test_outstanding_points_include_pending(self):
        self._sync([(self.product_a, 1)], customer=self.anna)
        Rollforward = self.env["loyalty.points.rollforward"]
        with freeze_time(self.pos_session.start_at + timedelta(days=1)):
            outstanding = Rollforward._get_outstanding(self.company, fields.Datetime.now())
        self.assertEqual(outstanding[self.company.id], 10)

    def test_statement_shows_pending(self):
        self._sync([(self.product_a, 1)], customer=self.anna)
        account = self._account(self.anna)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("loyalty_points.action_report_customer_statement", account.ids)[0]
            .decode()
        )
        self.assertIn("o_statement_pending", html)
