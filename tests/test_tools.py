from datetime import date

from odoo.tests import BaseCase, tagged

from ..tools import (
    LineSpec,
    ProgramSpec,
    line_points,
    plan_consumption,
    points_decimals,
    points_display_digits,
    resolve_program,
    round_down,
    round_points,
    spread,
)


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

    def test_points_decimals(self):
        # the decimals a company's points rounding allows
        for rounding, decimals in ((1.0, 0), (5.0, 0), (0.5, 1), (0.1, 1), (0.01, 2), (0.25, 2)):
            self.assertEqual(points_decimals(rounding), decimals, rounding)
        self.assertEqual(points_decimals(0.0), 2)

    def test_points_display_digits(self):
        # the company's decimals, unless the value has a finer fraction
        self.assertEqual(points_display_digits(3324.0, 1.0), 0)
        self.assertEqual(points_display_digits(3324.0000001, 1.0), 0)
        self.assertEqual(points_display_digits(12.34, 1.0), 2)
        self.assertEqual(points_display_digits(-12.5, 0.5), 1)
        self.assertEqual(points_display_digits(3324.0, 0.01), 2)


@tagged("post_install", "-at_install")
class TestProgramResolution(BaseCase):
    def _program(self, pid, scope, rate=10.0, sequence=10, mode="percent", **targets):
        return ProgramSpec(
            id=pid,
            sequence=sequence,
            scope=scope,
            earn_mode=mode,
            earn_rate=rate,
            **{key: frozenset(value) for key, value in targets.items()},
        )

    def _line(self, **vals):
        base = {
            "partner_id": 1,
            "product_id": 10,
            "product_category_id": 100,
            "pos_config_id": 1000,
            "amount": 200.0,
            "qty": 2.0,
            "partner_category_ids": frozenset({7}),
        }
        return LineSpec(**{**base, **vals})

    def test_most_specific_scope_wins(self):
        programs = [
            self._program(1, "all"),
            self._program(2, "pos_config", pos_config_ids={1000}),
            self._program(3, "product_category", product_category_ids={100}),
            self._program(4, "product", product_ids={10}),
            self._program(5, "partner_category", partner_category_ids={7}),
            self._program(6, "partner", partner_ids={1}),
        ]
        line = self._line()
        for expected in (6, 5, 4, 3, 2, 1):
            self.assertEqual(resolve_program(programs, line, 1.0).id, expected)
            programs = [p for p in programs if p.id != expected]
        self.assertIsNone(resolve_program(programs, line, 1.0))

    def test_not_applying_scopes_are_ignored(self):
        programs = [self._program(1, "all"), self._program(2, "product", product_ids={99})]
        self.assertEqual(resolve_program(programs, self._line(), 1.0).id, 1)

    def test_ties_by_sequence_then_id(self):
        programs = [
            self._program(3, "all", sequence=5),
            self._program(2, "all", sequence=5),
            self._program(1, "all", sequence=9),
        ]
        self.assertEqual(resolve_program(programs, self._line(), 1.0).id, 2)

    def test_best_program(self):
        programs = [
            self._program(1, "all", rate=10),  # 20 points
            self._program(2, "partner", rate=5, partner_ids={1}),  # 10 points
            self._program(3, "product", mode="per_unit", rate=15, product_ids={10}),  # 30
        ]
        self.assertEqual(resolve_program(programs, self._line(), 1.0, best=True).id, 3)
        self.assertEqual(resolve_program(programs, self._line(), 1.0).id, 2)

    def test_line_points(self):
        line = self._line(amount=2200.0, qty=3.0)
        self.assertAlmostEqual(line_points(self._program(1, "all", rate=10), line, 1.0), 220)
        self.assertAlmostEqual(line_points(self._program(1, "all", rate=10), line, 0.5), 440)
        self.assertAlmostEqual(
            line_points(self._program(1, "all", mode="per_amount", rate=0.1), line, 1.0), 220
        )
        self.assertEqual(
            line_points(self._program(1, "all", mode="per_unit", rate=4), line, 1.0), 12
        )
        self.assertEqual(line_points(self._program(1, "all"), self._line(amount=-5.0), 1.0), 0)

    def test_spread(self):
        self.assertEqual(spread(15, [7.5, 7.5], 1), [8, 7])
        self.assertEqual(spread(10, [1, 1, 1], 1), [4, 3, 3])
        self.assertEqual(spread(2.5, [1, 1], 0.5), [1.5, 1.0])
        self.assertEqual(sum(spread(220, [73.3, 80.1, 66.6], 1)), 220)
        self.assertEqual(spread(5, [0, 0], 1), [0.0, 5])
        self.assertEqual(spread(5, [], 1), [])
