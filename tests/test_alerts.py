from odoo.tests import tagged

from .common import LoyaltyPointsPosCommon

BEYOND = "Points payment beyond the balance"


@tagged("post_install", "-at_install")
class TestAlerts(LoyaltyPointsPosCommon):
    """A till that keeps getting something wrong gives its manager one to-do
    per account and cause, listing the orders, not one to-do per order."""

    def _beyond_the_balance(self):
        return self._sync(
            [(self.product_a, 1)],
            customer=self.anna,
            payments=[(self.points_pm, 50), (self.cash_pm1, 50)],
        )

    def _todos(self, record, summary):
        return record.sudo().activity_ids.filtered(lambda activity: activity.summary == summary)

    def test_one_open_todo_per_account_and_cause(self):
        self._opening(self.anna, (10, False))
        orders = [self._beyond_the_balance() for _i in range(3)]
        account = self._account(self.anna)
        todo = self._todos(account, BEYOND)
        self.assertEqual(len(todo), 1)
        for order in orders:
            self.assertIn(order.name, todo.note)
        # once the manager has dealt with it, the next case opens a new to-do
        todo.action_done()
        later = self._beyond_the_balance()
        todo = self._todos(account, BEYOND)
        self.assertEqual(len(todo), 1)
        self.assertIn(later.name, todo.note)
        self.assertNotIn(orders[0].name, todo.note)

    def test_causes_and_targets_keep_their_own_todos(self):
        self._opening(self.anna, (10, False))
        self._beyond_the_balance()
        self._sync(  # no customer: on the session
            [(self.product_a, 1)], payments=[(self.points_pm, 10), (self.cash_pm1, 90)]
        )
        self._sync([(self.product_a, 1)], payments=[(self.points_pm, 10), (self.cash_pm1, 90)])
        account = self._account(self.anna)
        self.assertEqual(len(self._todos(account, BEYOND)), 1)
        self.assertEqual(len(self._todos(self.pos_session, "Points payment without a customer")), 1)
        self.assertFalse(self._todos(self.pos_session, BEYOND))
