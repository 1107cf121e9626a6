from datetime import date

from odoo.tests import BaseCase, tagged

from ..tools import plan_consumption, round_down, round_points


@tagged("post_install", "-at_install")
class TestFifoPlanning(BaseCase):
    def test_first_expiring_first_and_never_last(self):
        lots = [
            (1, None, 50),
            (2, date(2026, 3, 1), 30),
            (3, date(2026, 1, 1), 20),
            (4, date(2026, 1, 1), 10),
        ]
        plan, shortfall = plan_consumption(lots, 70)
        self.assertEqual(plan, [(3, 20), (4, 10), (2, 30), (1, 10)])
        self.assertEqual(shortfall, 0)

    def test_shortfall_and_empty_lots(self):
        plan, shortfall = plan_consumption([(1, None, 0), (2, None, 5)], 8)
        self.assertEqual(plan, [(2, 5)])
        self.assertEqual(shortfall, 3)

    def test_negative_request_refused(self):
        with self.assertRaises(ValueError):
            plan_consumption([], -1)


@tagged("post_install", "-at_install")
class TestPointsArithmetic(BaseCase):
    def test_round_down(self):
        self.assertEqual(round_down(2.2 * 100, 1), 220)
        self.assertEqual(round_down(219.99, 1), 219)
        self.assertEqual(round_down(17.0, 5), 15)
        self.assertEqual(round_down(1.239, 0.01), 1.23)
        self.assertEqual(round_down(-3, 1), 0)
        with self.assertRaises(ValueError):
            round_down(10, 0)

    def test_round_points(self):
        self.assertEqual(round_points(0.1 + 0.2), 0.3)
        self.assertEqual(round_points(-2.675), -2.68)
