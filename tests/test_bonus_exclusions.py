from dataclasses import replace

from odoo.exceptions import AccessError
from odoo.tests import BaseCase, tagged

from ..tools import LineSpec, ProgramSpec, program_applies, resolve_program
from .common import LoyaltyPointsPosCommon


@tagged("post_install", "-at_install")
class TestProgramExclusionRules(BaseCase):
    def test_excluded_customer_is_never_covered(self):
        program = ProgramSpec(
            id=1,
            sequence=10,
            scope="all",
            earn_mode="percent",
            earn_rate=10.0,
            excluded_partner_ids=frozenset({5}),
        )
        other = ProgramSpec(id=2, sequence=20, scope="all", earn_mode="percent", earn_rate=5.0)
        line = LineSpec(
            partner_id=5, product_id=1, product_category_id=1, pos_config_id=1, amount=10, qty=1
        )
        self.assertFalse(program_applies(program, line))
        self.assertEqual(resolve_program([program, other], line, 1.0), other)
        self.assertTrue(program_applies(program, replace(line, partner_id=6)))


@tagged("post_install", "-at_install")
class TestBonusExclusions(LoyaltyPointsPosCommon):
    def test_excluded_customer_earns_nothing_but_keeps_and_spends(self):
        self.anna.loyalty_points_excluded = True
        self._opening(self.anna, (50, False))
        order = self._sync(
            [(self.product_a, 1)],
            customer=self.anna,
            payments=[(self.points_pm, 30), (self.cash_pm1, 70)],
        )
        self.assertEqual(order.loyalty_points_earned, 0)
        self.assertEqual(order.loyalty_points_redeemed, 30)
        self.assertEqual(self._balance(self.anna), 20)
        self.assertFalse(order.lines.loyalty_points)
        # a contact of an excluded company is excluded too
        contact = self.env["res.partner"].create(
            {"name": "Anna's clerk", "parent_id": self.anna.id}
        )
        order = self._sync([(self.product_a, 1)], customer=contact)
        self.assertEqual(order.loyalty_points_earned, 0)
        self.assertLedgerConsistent(self._account(self.anna))
        # back in: she earns again
        self.anna.loyalty_points_excluded = False
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        self.assertEqual(order.loyalty_points_earned, 10)

    def test_excluded_from_one_program_earns_with_the_others(self):
        products = self.env["loyalty.points.program"].create(
            {
                "name": "Shampoo 5 %",
                "scope": "product",
                "product_ids": [self.product_a.id],
                "earn_rate": 5.0,
                "excluded_partner_ids": [self.boris.id],
            }
        )
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        self.assertEqual(order.lines.loyalty_program_id, products)
        self.assertEqual(order.loyalty_points_earned, 5)
        # Boris is out of the product program: the "everything" program earns for him
        order = self._sync([(self.product_a, 1)], customer=self.boris)
        self.assertEqual(order.lines.loyalty_program_id, self.program_all)
        self.assertEqual(order.loyalty_points_earned, 10)
        # excluded from every program: nothing
        self.program_all.excluded_partner_ids = self.boris
        order = self._sync([(self.product_a, 1)], customer=self.boris)
        self.assertEqual(order.loyalty_points_earned, 0)
        self.assertLedgerConsistent(self._account(self.boris))

    def test_cashier_cannot_change_the_exclusion(self):
        self.anna.loyalty_points_excluded = True
        with self.assertRaises(AccessError):
            self.anna.with_user(self.cashier).write({"loyalty_points_excluded": False})
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.cashier).create(
                {"name": "Staff", "loyalty_points_excluded": False}
            )
        self.assertTrue(self.anna.loyalty_points_excluded)
