"""The server decides every point: what a cashier (full ORM rights on POS orders
and lines over RPC) or a modified till tries, and what the server makes of it."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import LoyaltyPointsPosCommon


@tagged("post_install", "-at_install")
class TestServerAuthority(LoyaltyPointsPosCommon):
    def _activities(self, record, summary):
        return record.sudo().activity_ids.filtered(lambda a: a.summary == summary)

    # 1. booking again ------------------------------------------------------

    def test_new_uuid_and_a_second_paid_call_book_nothing(self):
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        self.assertEqual(self._balance(self.anna), 10)
        as_cashier = order.with_user(self.cashier)
        as_cashier.write({"uuid": "forged-uuid-0001"})
        as_cashier.action_pos_order_paid()
        self.assertEqual(self._balance(self.anna), 10)
        self.assertEqual(len(order.loyalty_points_entry_ids), 1)

    def test_customer_written_on_a_paid_anonymous_order_earns_nothing(self):
        order = self._sync([(self.product_a, 2)])
        as_cashier = order.with_user(self.cashier)
        as_cashier.write({"partner_id": self.anna.id})
        as_cashier.action_pos_order_paid()
        self.assertFalse(self._account(self.anna).balance)
        self.assertFalse(order.loyalty_points_entry_ids)

    def test_booked_flag_cannot_be_cleared(self):
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        with self.assertRaises(AccessError):
            order.with_user(self.cashier).write({"loyalty_points_booked": False})
        self.assertTrue(order.loyalty_points_booked)

    # 2. the earning base ---------------------------------------------------

    def test_sold_and_returned_in_one_order_earns_nothing(self):
        order = self._sync(
            [(self.product_a, 1), (self.product_a, -1)], payments=[], customer=self.anna
        )
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.loyalty_points_date, fields.Date.context_today(order))  # booked
        self.assertFalse(order.loyalty_points_entry_ids.filtered(lambda e: e.kind == "earn"))
        self.assertEqual(self._balance(self.anna), 0)

    def test_a_negative_line_reduces_the_base(self):
        order = self._sync(
            [(self.product_a, 1), (self.product_b, -1)],
            customer=self.anna,
            payments=[(self.cash_pm1, 50)],
        )
        self.assertEqual(order.loyalty_points_earned, 5)

    def test_a_discount_reduces_the_base(self):
        data = self.create_ui_order_data(
            [(self.product_a, 2, 50.0)], customer=self.anna, payments=[(self.cash_pm1, 100)]
        )
        data["amount_total"] = data["amount_paid"] = 100
        self.env["pos.order"].with_user(self.cashier).sync_from_ui([data])
        self.assertEqual(self._balance(self.anna), 10)

    def test_forged_line_totals_are_not_read(self):
        data = self.create_ui_order_data([(self.product_a, 1)], customer=self.anna)
        line = data["lines"][0][2]
        line["price_subtotal"] = line["price_subtotal_incl"] = 1000.0
        self.env["pos.order"].with_user(self.cashier).sync_from_ui([data])
        self.assertEqual(self._balance(self.anna), 10)

    # 3. refunds ------------------------------------------------------------

    def test_points_of_a_line_cannot_be_written(self):
        order = self._sync([(self.product_a, 2)], customer=self.anna)
        line = order.lines.with_user(self.cashier)
        for vals in (
            {"loyalty_points": 0},
            {"loyalty_program_id": False},
            {"loyalty_points_qty": 100},
            {"loyalty_points_reversed": 20},
        ):
            with self.assertRaises(AccessError):
                line.write(vals)
        refund = self._refund(order, {order.lines: 2})
        self.assertEqual(refund.loyalty_points_earned, -20)
        self.assertEqual(self._balance(self.anna), 0)

    def test_forged_line_quantity_does_not_shrink_the_reversal(self):
        order = self._sync([(self.product_a, 2)], customer=self.anna)
        order.lines.with_user(self.cashier).write({"qty": 200})
        self._refund(order, {order.lines: 1})
        self.assertEqual(self._balance(self.anna), 10)

    def test_refund_without_the_customer_reverses_the_original_account(self):
        order = self._sync([(self.product_a, 2)], customer=self.anna)
        refund = self._sync(
            [{"product": self.product_a, "quantity": -2, "refunded_orderline_id": order.lines.id}],
            payments=[(self.cash_pm1, -200)],
        )
        self.assertEqual(refund.loyalty_points_entry_ids.account_id, self._account(self.anna))
        self.assertEqual(self._balance(self.anna), 0)
        self.assertLedgerConsistent(self._account(self.anna))

    def test_refund_to_another_customer_reverses_the_original_account(self):
        order = self._sync([(self.product_a, 2)], customer=self.anna)
        self._opening(self.boris, (50, False))
        self._sync(
            [{"product": self.product_a, "quantity": -2, "refunded_orderline_id": order.lines.id}],
            customer=self.boris,
            payments=[(self.cash_pm1, -200)],
        )
        self.assertEqual(self._balance(self.anna), 0)
        self.assertEqual(self._balance(self.boris), 50)
        self.assertLedgerConsistent(self._account(self.anna) | self._account(self.boris))

    def test_return_without_receipt_takes_the_points_back(self):
        self._sync([(self.product_a, 3)], customer=self.anna)
        ret = self._sync(
            [(self.product_a, -1)], customer=self.anna, payments=[(self.cash_pm1, -100)]
        )
        self.assertRecordValues(ret.loyalty_points_entry_ids, [{"kind": "reversal", "points": -10}])
        self.assertEqual(self._balance(self.anna), 20)
        self.assertLedgerConsistent(self._account(self.anna))

    def test_return_without_receipt_never_takes_more_than_was_earned(self):
        self._opening(self.anna, (500, False))
        self._sync([(self.product_b, 1)], customer=self.anna)  # +5
        self._sync([(self.product_a, -3)], customer=self.anna, payments=[(self.cash_pm1, -300)])
        self.assertEqual(self._balance(self.anna), 500)

    # 4. companies ----------------------------------------------------------

    def test_manager_of_another_company_cannot_adjust_nor_read(self):
        self._opening(self.anna, (100, False))
        account = self._account(self.anna)
        other = self.env["res.company"].create({"name": "Other Shop"})
        intruder = new_test_user(
            self.env,
            login="lp_other_manager",
            groups="base.group_user,point_of_sale.group_pos_manager",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        Adjust = self.env["loyalty.points.adjust"].with_user(intruder).with_company(other)
        for points in (1000, -50):
            with self.assertRaises(AccessError):
                wizard = Adjust.create({"account_id": account.id, "points": points, "reason": "x"})
                wizard._apply()
        with self.assertRaises(AccessError):
            Adjust.new({"account_id": account.id}).balance  # noqa: B018
        self.assertEqual(account.balance, 100)

    # 5. currencies ---------------------------------------------------------

    def _open_other_currency_till(self):
        """The EUR till of point_of_sale's tests (1 company unit = 0.5 EUR),
        with a points method on its EUR bank journal."""
        self.pos_session.action_pos_session_closing_control()
        config = self.other_currency_config
        points_pm = self.env["pos.payment.method"].create(
            {
                "name": "Points EUR",
                "is_loyalty_points": True,
                "journal_id": self.bank_pm2.journal_id.id,
                "receivable_account_id": self.pos_receivable_bank.id,
                "outstanding_account_id": self.outstanding_bank.id,
            }
        )
        config.write({"payment_method_ids": [Command.link(points_pm.id)]})
        self.config = config
        self.open_new_session()
        return points_pm

    def test_earning_and_redeeming_in_another_currency(self):
        points_pm = self._open_other_currency_till()
        self._opening(self.anna, (100, False))
        eur_price = self.pricelist._get_product_price(self.product_a, 1)  # 50 EUR
        self.assertAlmostEqual(eur_price, 50)
        order = self._sync(
            [(self.product_a, 1)],
            customer=self.anna,
            payments=[(points_pm, 25), (self.cash_pm2, 25)],
        )
        # 25 EUR of points are worth 50 points; 25 EUR paid otherwise earn 10 % of 50
        self.assertEqual(order.loyalty_points_redeemed, 50)
        self.assertEqual(order.loyalty_points_earned, 5)
        self.assertEqual(order.loyalty_points_amount, 100)
        self.assertEqual(self._account(self.anna).turnover, 100)

    def test_payment_check_in_another_currency(self):
        self._open_other_currency_till()
        self._opening(self.anna, (40, False))  # worth 20 EUR
        check = self.anna.with_user(self.cashier).loyalty_points_check_payment
        self.assertFalse(check(self.config.id, 25, 100)["ok"])
        self.assertTrue(check(self.config.id, 20, 100)["ok"])

    # 6. dates --------------------------------------------------------------

    def test_backdated_order_gets_no_ended_promotion(self):
        self.program_all.date_to = fields.Date.today() - timedelta(days=30)
        self.env["loyalty.points.program"].create(
            {"name": "Now", "scope": "all", "earn_mode": "percent", "earn_rate": 1.0}
        )
        order = self._sync(
            [(self.product_a, 1)],
            customer=self.anna,
            date_order=fields.Datetime.to_string(fields.Datetime.now() - timedelta(days=60)),
        )
        self.assertEqual(order.loyalty_points_earned, 1)
        self.assertGreaterEqual(order.loyalty_points_entry_ids.date, self.pos_session.start_at)

    def test_future_order_expires_from_today(self):
        order = self._sync(
            [(self.product_a, 1)],
            customer=self.anna,
            date_order=fields.Datetime.to_string(fields.Datetime.now() + timedelta(days=3000)),
        )
        lot = order.loyalty_points_entry_ids
        self.assertEqual(
            lot.expiry_date,
            fields.Date.add(fields.Date.context_today(lot), days=self.program_all.validity_days),
        )
        self.assertLessEqual(lot.date, fields.Datetime.now())

    def test_give_back_never_extends_a_lot_life(self):
        soon = fields.Date.today() + timedelta(days=10)
        self._opening(self.anna, (30, soon), (100, False))
        order = self._sync(
            [(self.product_a, 1)],
            customer=self.anna,
            payments=[(self.points_pm, 50), (self.cash_pm1, 50)],
        )
        refund = self._refund(
            order, {order.lines: 1}, payments=[(self.points_pm, -50), (self.cash_pm1, -50)]
        )
        backs = refund.loyalty_points_entry_ids.filtered(lambda e: e.points > 0)
        self.assertEqual(
            sorted((b.points, b.expiry_date or False) for b in backs),
            [(20, False), (30, soon)],
        )
        self.assertLedgerConsistent(self._account(self.anna))

    # 7. points nobody has --------------------------------------------------

    def test_points_payment_without_customer_alerts_a_manager(self):
        order = self._sync([(self.product_a, 1)], payments=[(self.points_pm, 100)])
        self.assertEqual(order.state, "paid")
        activity = self._activities(self.pos_session, "Points payment without a customer")
        self.assertEqual(len(activity), 1)
        self.assertIn(order.name, activity.note)

    def test_points_payment_beyond_the_balance_says_so(self):
        self._opening(self.anna, (10, False))
        order = self._sync(
            [(self.product_a, 1)],
            customer=self.anna,
            payments=[(self.points_pm, 90), (self.cash_pm1, 10)],
        )
        self.assertEqual(order.state, "paid")
        account = self._account(self.anna)
        activity = self._activities(account, "Points payment beyond the balance")
        self.assertEqual(len(activity), 1)
        self.assertIn(order.name, activity.note)
        self.assertLedgerConsistent(account)

    def test_points_payment_beyond_the_share_says_so(self):
        self.company.loyalty_points_max_redeem_share = 50
        self._opening(self.anna, (100, False))
        self._sync(
            [(self.product_a, 1)],
            customer=self.anna,
            payments=[(self.points_pm, 90), (self.cash_pm1, 10)],
        )
        account = self._account(self.anna)
        self.assertEqual(
            len(self._activities(account, "Points payment beyond the allowed share")), 1
        )

    # 8. receipt figures and company -----------------------------------------

    def test_receipt_figures_cannot_be_forged(self):
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        for vals in (
            {"loyalty_points_balance": 1e6},
            {"loyalty_points_earned": 1e6},
            {"loyalty_points_tier_id": False},
            {"loyalty_points_account_id": False},
            {"loyalty_points_amount": 1e6},
        ):
            with self.assertRaises(AccessError):
                order.with_user(self.cashier).write(vals)
        data = self.create_ui_order_data([(self.product_a, 1)], customer=self.anna)
        data.update(loyalty_points_balance=1e6, loyalty_points_earned=1e6)
        result = self.env["pos.order"].with_user(self.cashier).sync_from_ui([data])
        synced = self.env["pos.order"].browse(result["pos.order"][0]["id"])
        self.assertEqual(synced.loyalty_points_earned, 10)
        self.assertEqual(synced.loyalty_points_balance, 20)

    def test_points_are_booked_in_the_till_company(self):
        other = self.env["res.company"].create({"name": "Other Shop"})
        data = self.create_ui_order_data([(self.product_a, 1)], customer=self.anna)
        data["company_id"] = other.id
        self.cashier.company_ids |= other
        Order = self.env["pos.order"].with_user(self.cashier)
        result = Order.with_context(allowed_company_ids=[self.company.id, other.id]).sync_from_ui(
            [data]
        )
        order = self.env["pos.order"].browse(result["pos.order"][0]["id"])
        self.assertEqual(order.loyalty_points_entry_ids.company_id, self.config.company_id)
        self.assertFalse(
            self.Account.search([("partner_id", "=", self.anna.id), ("company_id", "=", other.id)])
        )

    # points payment amounts ----------------------------------------------

    def test_tiny_points_payment_syncs_and_rounds_in_the_shop_favour(self):
        self.company.loyalty_points_value = 5.0
        self._opening(self.anna, (10, False))
        order = self._sync(
            [(self.product_a, 1)],
            customer=self.anna,
            payments=[(self.points_pm, 0.01), (self.cash_pm1, 99.99)],
        )
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.loyalty_points_redeemed, 0.01)
        self.assertLedgerConsistent(self._account(self.anna))

    def test_till_refuses_a_payment_worth_less_than_a_bookable_fraction(self):
        self.company.loyalty_points_value = 5.0
        self._opening(self.anna, (10, False))
        check = self.anna.with_user(self.cashier).loyalty_points_check_payment
        refused = check(self.config.id, 0.01, 100)
        self.assertFalse(refused["ok"])
        self.assertIn("at least", refused["message"])
        self.assertTrue(check(self.config.id, 0.05, 100)["ok"])
