from odoo.tests import tagged

from .common import LoyaltyPointsPosCommon


@tagged("post_install", "-at_install")
class TestPosRedeem(LoyaltyPointsPosCommon):
    def test_redeem_is_allocated_first_expiring_first(self):
        late, soon = self._opening(self.anna, (50, "2099-12-31"), (40, "2098-01-31"))
        order = self._sync(
            [(self.product_a, 1)],
            customer=self.anna,
            payments=[(self.points_pm, 60), (self.cash_pm1, 40)],
        )
        redeem = order.loyalty_points_entry_ids.filtered(lambda e: e.kind == "redeem")
        self.assertRecordValues(redeem, [{"points": -60, "pos_order_id": order.id}])
        self.assertRecordValues(
            redeem.debit_allocation_ids,
            [
                {"credit_entry_id": soon.id, "points": 40},
                {"credit_entry_id": late.id, "points": 20},
            ],
        )
        self.assertEqual(order.loyalty_points_redeemed, 60)
        self.assertLedgerConsistent(self._account(self.anna))

    def test_point_value_converts_the_amount(self):
        self.company.loyalty_points_value = 0.1
        self._opening(self.anna, (1000, False))
        order = self._sync(
            [(self.product_a, 1)],
            customer=self.anna,
            payments=[(self.points_pm, 25), (self.cash_pm1, 75)],
        )
        self.assertEqual(order.loyalty_points_redeemed, 250)

    def test_race_overdraft_is_recorded_and_a_manager_warned(self):
        self._opening(self.anna, (10, False))
        order = self._sync(
            [(self.product_a, 1)],
            customer=self.anna,
            payments=[(self.points_pm, 30), (self.cash_pm1, 70)],
        )
        account = self._account(self.anna)
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.loyalty_points_redeemed, 30)
        self.assertEqual(account.balance, 10 - 30 + 7)
        activity = account.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertIn(order.name, activity.note)
        self.assertTrue(activity.user_id.has_group("point_of_sale.group_pos_manager"))
        self.assertIn(self.company, activity.user_id.company_ids)
        self.assertLedgerConsistent(account)

    def test_replayed_redeem_is_booked_once(self):
        self._opening(self.anna, (100, False))
        data = self.create_ui_order_data(
            [(self.product_a, 1)],
            customer=self.anna,
            payments=[(self.points_pm, 50), (self.cash_pm1, 50)],
        )
        for _i in range(3):
            self.env["pos.order"].sync_from_ui([dict(data)])
        self.assertEqual(self._balance(self.anna), 100 - 50 + 5)

    def test_points_without_customer_are_not_booked_and_the_sale_is_kept(self):
        order = self._sync([(self.product_a, 1)], payments=[(self.points_pm, 100)])
        self.assertEqual(order.state, "paid")
        self.assertFalse(order.loyalty_points_entry_ids)

    def test_pos_info_for_the_till(self):
        self._opening(self.anna, (42, False))
        info = self.anna.with_user(self.cashier).loyalty_points_pos_info(self.config.id)
        self.assertEqual(info["balance"], 42)
        self.assertEqual(info["point_value"], self.company.loyalty_points_value)
