from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import LoyaltyPointsPosCommon


@tagged("post_install", "-at_install")
class TestBonusWelcome(LoyaltyPointsPosCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.loyalty_points_welcome_points = 25

    def _bonuses(self, partner, bonus_type):
        return (
            self.env["loyalty.points.entry"]
            .sudo()
            .search([("partner_id", "=", partner.id), ("bonus_type", "=", bonus_type)])
        )

    def test_welcome_on_the_first_paid_order_once(self):
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        bonus = self._bonuses(self.anna, "welcome")
        self.assertRecordValues(
            bonus,
            [{"kind": "bonus", "points": 25, "pos_order_id": order.id, "remaining": 25}],
        )
        self.assertTrue(bonus.expiry_date)
        self.assertEqual(order.loyalty_points_earned, 10)  # the bonus is no earning
        self.assertEqual(order.loyalty_points_balance, 35)
        # a replay of the same order and later orders give nothing more
        data = self.create_ui_order_data([(self.product_a, 1)], customer=self.anna)
        Order = self.env["pos.order"].with_user(self.cashier)
        Order.sync_from_ui([data])
        Order.sync_from_ui([data])
        self._sync([(self.product_a, 1)], customer=self.anna)
        self.assertEqual(len(self._bonuses(self.anna, "welcome")), 1)
        self.assertEqual(self._balance(self.anna), 55)
        self.assertLedgerConsistent(self._account(self.anna))

    def test_off_by_default_and_excluded_customers_get_none(self):
        self.company.loyalty_points_welcome_points = 0
        self._sync([(self.product_a, 1)], customer=self.anna)
        self.assertFalse(self._bonuses(self.anna, "welcome"))
        self.company.loyalty_points_welcome_points = 25
        self.boris.loyalty_points_excluded = True
        self._sync([(self.product_a, 1)], customer=self.boris)
        self.assertFalse(self._bonuses(self.boris, "welcome"))

    def test_customer_with_earlier_orders_gets_none(self):
        self.company.loyalty_points_welcome_points = 0
        self._sync([(self.product_a, 1)], customer=self.anna)  # before the bonus existed
        self.company.loyalty_points_welcome_points = 25
        self._sync([(self.product_a, 1)], customer=self.anna)
        self.assertFalse(self._bonuses(self.anna, "welcome"))

    def test_full_refund_takes_the_welcome_back_once(self):
        order = self._sync([(self.product_a, 2)], customer=self.anna)
        account = self._account(self.anna)
        self.assertEqual(account.balance, 45)
        self._refund(order, {order.lines: 1})  # partial: the bonus stays
        self.assertEqual(account.balance, 35)
        self._refund(order, {order.lines: 1})  # now full: the bonus goes too
        self.assertEqual(account.balance, 0)
        bonus = self._bonuses(self.anna, "welcome")
        self.assertRecordValues(bonus.reversal_entry_ids, [{"kind": "reversal", "points": -25}])
        # the next order is not a first order any more: no second welcome
        self._sync([(self.product_a, 1)], customer=self.anna)
        self.assertEqual(len(self._bonuses(self.anna, "welcome")), 1)
        self.assertEqual(account.balance, 10)
        self.assertLedgerConsistent(account)

    def test_spent_welcome_refunded_overdraws_and_warns(self):
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        self._sync(
            [(self.product_b, 1)],
            customer=self.anna,
            payments=[(self.points_pm, 35), (self.cash_pm1, 15)],
        )
        self._refund(order, {order.lines: 1})
        account = self._account(self.anna)
        self.assertLess(account.balance, 0)
        self.assertLedgerConsistent(account)


@tagged("post_install", "-at_install")
class TestBonusReferral(LoyaltyPointsPosCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "loyalty_points_referral_points": 30,
                "loyalty_points_referral_new_points": 20,
                "loyalty_points_referral_min_amount": 80,
            }
        )
        cls.carol = cls.env["res.partner"].create({"name": "Carol Dimitrova"})

    def _referrals(self, partner):
        return (
            self.env["loyalty.points.entry"]
            .sudo()
            .search([("partner_id", "=", partner.id), ("bonus_type", "=", "referral")])
        )

    def test_referral_on_the_first_order_reaching_the_minimum(self):
        self.boris.loyalty_points_referrer_id = self.anna
        order = self._sync([(self.product_a, 1)], customer=self.boris)
        self.assertRecordValues(
            self._referrals(self.anna), [{"points": 30, "pos_order_id": order.id}]
        )
        self.assertRecordValues(self._referrals(self.boris), [{"points": 20}])
        self.assertEqual(self._balance(self.anna), 30)
        self.assertEqual(self._balance(self.boris), 30)  # 10 earned + 20
        self._sync([(self.product_a, 1)], customer=self.boris)  # once
        self.assertEqual(len(self._referrals(self.anna)), 1)
        self.assertLedgerConsistent(self._account(self.anna) | self._account(self.boris))

    def test_first_order_below_the_minimum_gives_nothing_ever(self):
        self.boris.loyalty_points_referrer_id = self.anna
        self._sync([(self.product_b, 1)], customer=self.boris)  # 50 < 80
        self._sync([(self.product_a, 1)], customer=self.boris)  # not the first
        self.assertFalse(self._referrals(self.anna) | self._referrals(self.boris))

    def test_cashier_cannot_mint_with_a_late_referrer(self):
        self._sync([(self.product_a, 1)], customer=self.boris)
        self.boris.loyalty_points_referrer_id = self.anna
        self._sync([(self.product_a, 1)], customer=self.boris)
        self.assertFalse(self._referrals(self.anna) | self._referrals(self.boris))

    def test_full_refund_takes_both_bonuses_back(self):
        self.boris.loyalty_points_referrer_id = self.anna
        order = self._sync([(self.product_a, 1)], customer=self.boris)
        self._refund(order, {order.lines: 1})
        self.assertEqual(self._balance(self.anna), 0)
        self.assertEqual(self._balance(self.boris), 0)
        self.assertLedgerConsistent(self._account(self.anna) | self._account(self.boris))

    def test_excluded_referrer_gets_nothing_the_new_customer_does(self):
        self.anna.loyalty_points_excluded = True
        self.boris.loyalty_points_referrer_id = self.anna
        self._sync([(self.product_a, 1)], customer=self.boris)
        self.assertFalse(self._referrals(self.anna))
        self.assertRecordValues(self._referrals(self.boris), [{"points": 20}])

    def test_self_referral_and_cycles_refused(self):
        with self.assertRaises(ValidationError):
            self.anna.loyalty_points_referrer_id = self.anna
        contact = self.env["res.partner"].create({"name": "Anna's son", "parent_id": self.anna.id})
        with self.assertRaises(ValidationError):
            self.anna.loyalty_points_referrer_id = contact
        self.boris.loyalty_points_referrer_id = self.anna
        self.carol.loyalty_points_referrer_id = self.boris
        with self.assertRaises(ValidationError):
            self.anna.loyalty_points_referrer_id = self.carol
        self.assertFalse(self.anna.loyalty_points_referrer_id)
