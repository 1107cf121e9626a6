from datetime import timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import LoyaltyPointsPosCommon


@tagged("post_install", "-at_install")
class TestLedgerAttacks(LoyaltyPointsPosCommon):
    """Issue 18: what a cashier tries over RPC against the booking path
    (companies, referral and welcome bonuses, exchanges, visits, birthdays,
    back-dated orders), each refused or booked as the server decides."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="lp_attack_manager",
            groups="base.group_user,base.group_partner_manager,point_of_sale.group_pos_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        # a cashier with Contact Creation, a new user's default: writes customers
        cls.clerk = new_test_user(
            cls.env,
            login="lp_attack_clerk",
            groups="base.group_user,base.group_partner_manager,point_of_sale.group_pos_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def _bonuses(self, partner, bonus_type):
        return (
            self.env["loyalty.points.entry"]
            .sudo()
            .search([("partner_id", "=", partner.id), ("bonus_type", "=", bonus_type)])
        )

    # 2. another company's order lines ---------------------------------------

    def _order_of_another_company(self):
        """An order of ``anna`` that another company owns, with the points it earned."""
        order = self._sync([(self.product_a, 2)], customer=self.anna)
        other = self.env["res.company"].create({"name": "Other Shop"})
        order.sudo().company_id = other
        return order

    def test_a_refund_line_of_another_company_is_refused_over_the_orm(self):
        original = self._order_of_another_company()
        balance = self._balance(self.anna)
        Order = self.env["pos.order"].with_user(self.cashier)
        with mute_logger("odoo.sql_db"), self.assertRaises(ValidationError):
            Order.create(
                {
                    "session_id": self.pos_session.id,
                    "partner_id": self.anna.id,
                    "lines": [
                        Command.create(
                            {
                                "product_id": self.product_a.id,
                                "qty": -2,
                                "price_unit": 100,
                                "price_subtotal": -200,
                                "price_subtotal_incl": -200,
                                "refunded_orderline_id": original.lines.id,
                            }
                        )
                    ],
                    "amount_tax": 0,
                    "amount_total": -200,
                    "amount_paid": 0,
                    "amount_return": 0,
                }
            ).action_pos_order_paid()
        own = self._sync([(self.product_b, 1)], customer=self.boris)
        with self.assertRaises(ValidationError):
            own.lines.with_user(self.cashier).write({"refunded_orderline_id": original.lines.id})
        self.assertEqual(self._balance(self.anna), balance)
        self.assertLedgerConsistent(self._account(self.anna))

    # 4. referral and welcome bonuses -----------------------------------------

    def _referral_setup(self, pending_days=0):
        self.company.write(
            {
                "loyalty_points_welcome_points": 25,
                "loyalty_points_referral_points": 200,
                "loyalty_points_referral_new_points": 100,
                "loyalty_points_referral_min_amount": 300,
                "loyalty_points_pending_days": pending_days,
            }
        )
        newcomer = self.env["res.partner"].with_user(self.clerk).create({"name": "Newcomer"})
        newcomer.with_user(self.clerk).loyalty_points_referrer_id = self.anna
        return newcomer

    def test_a_refund_below_the_minimum_takes_the_referral_bonuses_back(self):
        newcomer = self._referral_setup()
        order = self._sync([(self.product_a, 4)], customer=newcomer)  # 400
        self.assertEqual(self._balance(self.anna), 200)
        self._refund(order, {order.lines: 1})  # 300 left: still the minimum
        self.assertEqual(self._balance(self.anna), 200)
        self.assertEqual(self._balance(newcomer), 25 + 100 + 30)
        self._refund(order, {order.lines: 1})  # 200 left: below it
        self.assertEqual(self._balance(self.anna), 0)
        # the referral bonus is gone, the welcome stays (the order is not fully refunded)
        self.assertEqual(self._balance(newcomer), 25 + 20)
        referrals = self._bonuses(newcomer, "referral") | self._bonuses(self.anna, "referral")
        self.assertEqual(
            [entry.reversal_entry_ids.points for entry in referrals.sorted("id")], [-100, -200]
        )
        self._refund(order, {order.lines: 1})  # nothing twice
        self.assertEqual(self._balance(self.anna), 0)
        self.assertLedgerConsistent(self._account(self.anna) | self._account(newcomer))

    def test_referral_and_welcome_bonuses_are_pending_like_the_sale(self):
        newcomer = self._referral_setup(pending_days=14)
        order = self._sync([(self.product_a, 4)], customer=newcomer)
        bonuses = order.loyalty_points_entry_ids.filtered(lambda e: e.kind == "bonus")
        self.assertEqual(len(bonuses), 3)
        self.assertTrue(all(bonuses.mapped("pending")))
        self.assertEqual(
            set(bonuses.mapped("available_date")), {order.loyalty_points_available_date}
        )
        self.assertRecordValues(self._account(self.anna), [{"balance": 0, "pending_points": 200}])

    def test_the_referrer_is_set_before_the_first_paid_order_only(self):
        newcomer = self._referral_setup()
        self._sync([(self.product_b, 1)], customer=newcomer)  # below the minimum: no referral
        as_clerk = newcomer.with_user(self.clerk)
        for referrer in (self.boris, False):
            with self.assertRaises(UserError):
                as_clerk.loyalty_points_referrer_id = referrer
        self.assertEqual(newcomer.loyalty_points_referrer_id, self.anna)
        newcomer.with_user(self.manager).loyalty_points_referrer_id = self.boris
        self.assertEqual(newcomer.loyalty_points_referrer_id, self.boris)
        # a customer of the contact's company counts as the same customer
        colleague = self.env["res.partner"].create({"name": "Colleague", "parent_id": newcomer.id})
        with self.assertRaises(UserError):
            colleague.with_user(self.clerk).loyalty_points_referrer_id = self.anna

    # 6. exchanges ---------------------------------------------------------------

    def _exchange(self, original, customer):
        """``customer`` returns ``original``'s line and takes the same goods again."""
        return self._sync(
            [
                {
                    "product": self.product_a,
                    "quantity": -original.lines.qty,
                    "refunded_orderline_id": original.lines.id,
                },
                (self.product_a, original.lines.qty),
            ],
            customer=customer,
            payments=[],
        )

    def test_an_exchange_moves_no_points_to_another_customer(self):
        original = self._sync([(self.product_a, 2)], customer=self.anna)
        exchange = self._exchange(original, self.boris)
        self.assertEqual(exchange.state, "paid")
        self.assertFalse(exchange.loyalty_points_entry_ids.filtered(lambda e: e.kind == "earn"))
        self.assertEqual(self._balance(self.boris), 0)
        self.assertEqual(self._balance(self.anna), 0)  # her points were reversed

    def test_an_exchange_of_the_same_customer_still_earns(self):
        original = self._sync([(self.product_a, 2)], customer=self.anna)
        self._exchange(original, self.anna)
        self.assertEqual(self._balance(self.anna), 20)

    def test_the_part_paid_with_points_earns_nothing_in_an_exchange(self):
        self._opening(self.anna, (50, False))
        original = self._sync(
            [(self.product_a, 1)],
            customer=self.anna,
            payments=[(self.points_pm, 50), (self.cash_pm1, 50)],
        )
        self.assertEqual(self._balance(self.anna), 5)
        exchange = self._exchange(original, self.anna)
        # the returned sale's 5 points are reversed; the new sale is paid by
        # the credit of the return, of which only the 50 paid in money earns
        self.assertEqual(self._balance(self.anna), 5)
        earned = exchange.loyalty_points_entry_ids.filtered(lambda e: e.kind == "earn")
        self.assertEqual(earned.points, 5)
        self.assertLedgerConsistent(self._account(self.anna))

    # 7. visits ------------------------------------------------------------------

    def test_a_fully_refunded_order_is_no_visit(self):
        self.env["loyalty.points.tier"].create({"name": "Regular", "min_visits": 1})
        account = self.Account._get_or_create(self.anna, self.company)
        order = self._sync([(self.product_a, 2)], customer=self.anna)
        self.assertRecordValues(account, [{"visit_count": 1}])
        self._refund(order, {order.lines: 1})
        self.assertRecordValues(account, [{"visit_count": 1}])  # half of it stays
        self._refund(order, {order.lines: 1})
        self.assertTrue(order.loyalty_points_refunded)
        self.assertRecordValues(account, [{"visit_count": 0, "tier_id": False}])
        self._run_cron(self.Account._cron_recompute_tiers)
        self.assertRecordValues(account, [{"visit_count": 0, "tier_id": False}])

    # 8. birthdays ---------------------------------------------------------------

    def test_a_birthday_typed_on_the_day_pays_no_bonus_that_year(self):
        self.company.loyalty_points_birthday_points = 100
        self.env["res.company"].search([("id", "!=", self.company.id)]).write(
            {"loyalty_points_birthday_points": 0}
        )
        account = self.Account._get_or_create(self.anna, self.company)
        today = fields.Date.context_today(self.anna)
        as_clerk = self.anna.with_user(self.clerk)
        as_clerk.loyalty_points_birthday = today.replace(year=1990)
        self.assertEqual(self.anna.loyalty_points_birthday_entered, today)
        with self.assertRaises(AccessError):
            as_clerk.loyalty_points_birthday_entered = today - timedelta(days=365)
        self._run_cron(self.Account._cron_birthday_bonus)
        self.assertFalse(self._bonuses(self.anna, "birthday"))
        # a birthday known for more than 30 days pays: next year
        with freeze_time(today.replace(year=today.year + 1)):
            self._run_cron(self.Account._cron_birthday_bonus)
        self.assertEqual(len(self._bonuses(self.anna, "birthday")), 1)
        self.assertLedgerConsistent(account)

    def test_a_birthday_known_a_month_before_pays(self):
        self.company.loyalty_points_birthday_points = 100
        self.Account._get_or_create(self.anna, self.company)
        today = fields.Date.context_today(self.anna)
        with freeze_time(today - timedelta(days=30)):
            self.anna.with_user(self.clerk).loyalty_points_birthday = today.replace(year=1990)
        self._run_cron(self.Account._cron_birthday_bonus)
        self.assertEqual(self._bonuses(self.anna, "birthday").points, 100)

    # 9. back-dated orders and pending points ------------------------------------

    def test_pending_points_count_from_the_booking_day(self):
        self.company.loyalty_points_pending_days = 14
        start = fields.Datetime.now().replace(microsecond=0) - timedelta(days=13)
        self.env.flush_all()
        self.env.cr.execute(  # a session opened 13 days ago, still open
            "UPDATE pos_session SET start_at = %s, create_date = %s WHERE id = %s",
            [start, start, self.pos_session.id],
        )
        self.pos_session.invalidate_recordset(["start_at", "create_date"])
        order = self._sync(
            [(self.product_a, 1)], customer=self.anna, date_order=fields.Datetime.to_string(start)
        )
        today = fields.Date.context_today(order)
        self.assertEqual(order.loyalty_points_date, fields.Date.context_today(order, start))
        self.assertEqual(order.loyalty_points_available_date, today + timedelta(days=14))
        self.assertRecordValues(self._account(self.anna), [{"balance": 0, "pending_points": 10}])
