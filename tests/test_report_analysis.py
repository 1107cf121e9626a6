from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import LoyaltyPointsPosCommon


@tagged("post_install", "-at_install")
class TestAnalysis(LoyaltyPointsPosCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.report_manager = new_test_user(
            cls.env,
            login="lp_report_manager",
            groups="base.group_user,point_of_sale.group_pos_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def _report(self, model):
        return self.env[model].with_user(self.report_manager)

    def test_members_against_the_others(self):
        carl = self.env["res.partner"].create({"name": "Carl Promo"})
        member_order = self._sync([(self.product_a, 2)], customer=self.anna)
        anonymous_order = self._sync([(self.product_a, 1)])
        promo_order = self._sync([(self.promo, 1)], customer=carl)
        self.assertTrue(self._account(self.anna))
        # a customer without a loyalty account (one who bought before the program)
        self.assertFalse(self._account(carl).entry_ids)
        self._account(carl).sudo().unlink()
        orders = member_order | anonymous_order | promo_order
        rows = self._report("loyalty.points.member.report").search([("order_id", "in", orders.ids)])
        by_order = {row.order_id: row for row in rows}
        self.assertEqual(by_order[member_order].customer_type, "member")
        self.assertEqual(by_order[anonymous_order].customer_type, "anonymous")
        self.assertEqual(by_order[promo_order].customer_type, "customer")
        self.assertEqual(by_order[member_order].amount_total, member_order.amount_total)
        self.assertEqual(by_order[member_order].points_earned, member_order.loyalty_points_earned)
        groups = self._report("loyalty.points.member.report")._read_group(
            [("order_id", "in", orders.ids)],
            ["is_member"],
            [
                "amount_total:sum",
                "order_count:sum",
                "average_basket:avg",
                "member_count:count_distinct",
            ],
        )
        members = next(group for group in groups if group[0])
        others = next(group for group in groups if not group[0])
        self.assertEqual(members[1:], (member_order.amount_total, 1, member_order.amount_total, 1))
        others_total = anonymous_order.amount_total + promo_order.amount_total
        self.assertAlmostEqual(others[1], others_total)
        self.assertEqual(others[2], 2)
        self.assertAlmostEqual(others[3], others_total / 2)
        self.assertEqual(others[4], 0)

    def test_sales_and_points_per_program(self):
        order = self._sync([(self.product_a, 2), (self.promo, 1)], customer=self.anna)
        rows = self._report("loyalty.points.program.report").search([("order_id", "=", order.id)])
        line = order.lines.filtered(lambda line: line.product_id == self.product_a)
        self.assertRecordValues(
            rows,
            [
                {
                    "program_id": self.program_all.id,
                    "sales": line.price_subtotal_incl,
                    "points": line.loyalty_points,
                    "partner_id": self.anna.id,
                }
            ],
        )
        self.assertEqual(rows.points, order.loyalty_points_earned)

    def test_tier_moves_up_and_down(self):
        Tier = self.env["loyalty.points.tier"]
        silver = Tier.create({"name": "Silver", "min_turnover": 50.0})
        gold = Tier.create({"name": "Gold", "min_turnover": 150.0})
        self._sync([(self.product_a, 2)], customer=self.anna)
        account = self._account(self.anna)
        account._update_tiers()
        gold.min_turnover = 1000.0
        account._update_tiers()
        moves = self._report("loyalty.points.tier.move").search(
            [("account_id", "=", account.id)], order="id"
        )
        self.assertEqual(account.tier_id, silver)
        self.assertRecordValues(
            moves,
            [
                # a first tier is new, not up
                {"old_tier_id": False, "new_tier_id": gold.id, "direction": "new"},
                {"old_tier_id": gold.id, "new_tier_id": silver.id, "direction": "down"},
            ],
        )
        gold.min_turnover = 100.0
        account._update_tiers()
        silver.min_turnover = 5000.0
        gold.min_turnover = 6000.0
        account._update_tiers()
        moves = self._report("loyalty.points.tier.move").search(
            [("account_id", "=", account.id)], order="id"
        )
        self.assertEqual(moves[2:].mapped("direction"), ["up", "down"])
        self.assertFalse(moves[-1].new_tier_id)
