from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import LoyaltyPointsPosCommon


@tagged("post_install", "-at_install")
class TestPosEarn(LoyaltyPointsPosCommon):
    def test_earn_on_a_paid_order(self):
        order = self._sync([(self.product_a, 2)], customer=self.anna)
        account = self._account(self.anna)
        lot = order.loyalty_points_entry_ids
        self.assertRecordValues(
            lot,
            [
                {
                    "kind": "earn",
                    "points": 20,
                    "remaining": 20,
                    "program_id": self.program_all.id,
                    "account_id": account.id,
                    "expiry_date": fields.Date.add(
                        fields.Date.context_today(order, order.date_order),
                        days=self.program_all.validity_days,
                    ),
                }
            ],
        )
        self.assertRecordValues(
            order,
            [
                {
                    "loyalty_points_earned": 20,
                    "loyalty_points_redeemed": 0,
                    "loyalty_points_balance": 20,
                }
            ],
        )
        self.assertEqual(order.lines.loyalty_points, 20)
        self.assertEqual(order.lines.loyalty_program_id, self.program_all)
        self.assertEqual(lot.date, order.date_order)
        self.assertEqual(self.anna.loyalty_points_balance, 20)
        self.assertLedgerConsistent(account)

    def test_no_customer_no_points(self):
        order = self._sync([(self.product_a, 1)])
        self.assertFalse(order.loyalty_points_entry_ids)
        self.assertFalse(
            self.Account.search([]).filtered(lambda a: a.partner_id in order.partner_id)
        )

    def test_contact_earns_on_the_commercial_partner(self):
        contact = self.env["res.partner"].create(
            {"name": "Anna's assistant", "parent_id": self.anna.id}
        )
        self._sync([(self.product_a, 1)], customer=contact)
        self.assertEqual(self._balance(self.anna), 10)

    def test_points_are_never_taken_from_the_client(self):
        data = self.create_ui_order_data([(self.product_a, 1)], customer=self.anna)
        data["loyalty_points_earned"] = 5000
        data["lines"][0][2]["loyalty_points"] = 5000
        result = self.env["pos.order"].sync_from_ui([data])
        order = self.env["pos.order"].browse(result["pos.order"][0]["id"])
        self.assertEqual(order.loyalty_points_earned, 10)
        self.assertEqual(order.lines.loyalty_points, 10)
        self.assertEqual(self._balance(self.anna), 10)

    def test_each_scope_beats_the_less_specific_ones(self):
        tag = self.env["res.partner.category"].create({"name": "VIP"})
        self.anna.category_id = tag
        Program = self.env["loyalty.points.program"]
        programs = Program.create(
            [
                {"name": "Anna", "scope": "partner", "partner_ids": self.anna.ids, "earn_rate": 60},
                {
                    "name": "VIP",
                    "scope": "partner_category",
                    "partner_category_ids": tag.ids,
                    "earn_rate": 50,
                },
                {
                    "name": "Lipstick",
                    "scope": "product",
                    "product_ids": self.product_b.ids,
                    "earn_rate": 40,
                },
                {
                    "name": "Beauty",
                    "scope": "product_category",
                    "product_category_ids": self.categ_beauty.ids,
                    "earn_rate": 30,
                },
                {
                    "name": "This shop",
                    "scope": "pos_config",
                    "pos_config_ids": self.config.ids,
                    "earn_rate": 20,
                },
            ]
        )
        # Lipstick (50.00) is in a child category of Beauty: every scope covers it.
        expected = [30, 25, 20, 15, 10, 5]  # 60 %, 50 %, ... then the 10 % of "everything"
        for winner, points in zip([*programs, self.program_all], expected, strict=True):
            with self.subTest(scope=winner.scope):
                order = self._sync([(self.product_b, 1)], customer=self.anna)
                self.assertEqual(order.loyalty_points_entry_ids.program_id, winner)
                self.assertEqual(order.loyalty_points_earned, points)
                winner.active = False
        self.assertLedgerConsistent(self._account(self.anna))

    def test_sequence_then_id_break_ties(self):
        Program = self.env["loyalty.points.program"]
        late, early = Program.create(
            [
                {
                    "name": "Late",
                    "scope": "product",
                    "product_ids": self.product_a.ids,
                    "earn_rate": 5,
                    "sequence": 20,
                },
                {
                    "name": "Early",
                    "scope": "product",
                    "product_ids": self.product_a.ids,
                    "earn_rate": 3,
                    "sequence": 5,
                },
            ]
        )
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        self.assertEqual(order.loyalty_points_entry_ids.program_id, early)
        early.sequence = 20
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        self.assertEqual(order.loyalty_points_entry_ids.program_id, late)

    def test_one_lot_per_program_and_line_points(self):
        product_program = self.env["loyalty.points.program"].create(
            {
                "name": "Shampoo",
                "scope": "product",
                "product_ids": self.product_a.ids,
                "earn_mode": "per_unit",
                "earn_rate": 7,
            }
        )
        order = self._sync(
            [(self.product_a, 2), (self.product_b, 1), (self.product_b, 3)], customer=self.anna
        )
        lots = order.loyalty_points_entry_ids.sorted("points")
        self.assertRecordValues(
            lots,
            [
                {"program_id": product_program.id, "points": 14},
                {"program_id": self.program_all.id, "points": 20},
            ],
        )
        self.assertEqual(order.lines.mapped("loyalty_points"), [14, 5, 15])
        self.assertEqual(order.loyalty_points_earned, 34)

    def test_best_program_for_the_customer(self):
        self.company.loyalty_points_best_program = True
        stingy = self.env["loyalty.points.program"].create(
            {"name": "Anna", "scope": "partner", "partner_ids": self.anna.ids, "earn_rate": 2}
        )
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        self.assertEqual(order.loyalty_points_entry_ids.program_id, self.program_all)
        stingy.earn_rate = 12
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        self.assertEqual(order.loyalty_points_entry_ids.program_id, stingy)
        self.assertEqual(order.loyalty_points_earned, 12)

    def test_excluded_products_earn_nothing(self):
        order = self._sync([(self.product_a, 1), (self.promo, 3)], customer=self.anna)
        self.assertEqual(order.loyalty_points_earned, 10)
        promo_line = order.lines.filtered(lambda line: line.product_id == self.promo)
        self.assertFalse(promo_line.loyalty_points)
        order = self._sync([(self.promo, 1)], customer=self.anna)
        self.assertFalse(order.loyalty_points_entry_ids)

    def test_program_dates(self):
        today = fields.Date.context_today(self.env.user)
        self.program_all.write({"date_from": today + timedelta(days=1)})
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        self.assertFalse(order.loyalty_points_entry_ids)
        self.program_all.write(
            {"date_from": today - timedelta(days=10), "date_to": today - timedelta(days=1)}
        )
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        self.assertFalse(order.loyalty_points_entry_ids)
        self.program_all.write({"date_to": today})
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        self.assertEqual(order.loyalty_points_earned, 10)

    def test_earn_modes_and_rounding(self):
        cases = [
            ("percent", 10, 1.0, [(self.product_a, 1)], 10),
            ("per_amount", 0.5, 1.0, [(self.product_a, 1)], 50),
            ("per_unit", 3, 1.0, [(self.product_a, 2)], 6),
            ("percent", 7, 1.0, [(self.product_b, 1)], 3),  # 3.5 rounded down
            ("percent", 7, 0.5, [(self.product_b, 1)], 3.5),
            ("per_amount", 0.33, 5.0, [(self.product_a, 1)], 30),  # 33 -> 30
        ]
        for mode, rate, rounding, lines, points in cases:
            with self.subTest(mode=mode, rate=rate, rounding=rounding):
                self.program_all.write({"earn_mode": mode, "earn_rate": rate})
                self.company.loyalty_points_rounding = rounding
                order = self._sync(lines, customer=self.anna)
                self.assertEqual(order.loyalty_points_earned, points)
        self.assertLedgerConsistent(self._account(self.anna))

    def test_percent_counts_in_points_worth_the_point_value(self):
        self.company.loyalty_points_value = 0.5
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        self.assertEqual(order.loyalty_points_earned, 20)

    def test_part_paid_with_points_earns_nothing(self):
        self._opening(self.anna, (80, False))
        order = self._sync(
            [(self.product_a, 1), (self.product_b, 2)],
            customer=self.anna,
            payments=[(self.points_pm, 50), (self.cash_pm1, 150)],
        )
        # 150 of 200 paid by other means: 10 % of 150, spread 75/75 over the lines
        self.assertEqual(order.loyalty_points_earned, 15)
        self.assertEqual(order.loyalty_points_redeemed, 50)
        self.assertEqual(sorted(order.lines.mapped("loyalty_points")), [7, 8])
        self.assertEqual(self._balance(self.anna), 80 - 50 + 15)
        self.assertLedgerConsistent(self._account(self.anna))

    def test_wholly_paid_with_points_earns_nothing(self):
        self._opening(self.anna, (200, False))
        order = self._sync(
            [(self.product_a, 1)], customer=self.anna, payments=[(self.points_pm, 100)]
        )
        self.assertFalse(order.loyalty_points_entry_ids.filtered(lambda e: e.kind == "earn"))
        self.assertEqual(self._balance(self.anna), 100)

    def test_back_office_payment_wizard_earns(self):
        order = self.env["pos.order"].create(
            {
                "session_id": self.pos_session.id,
                "partner_id": self.anna.id,
                "lines": [
                    fields.Command.create(
                        {
                            "product_id": self.product_a.id,
                            "qty": 1,
                            "price_unit": 100,
                            "price_subtotal": 100,
                            "price_subtotal_incl": 100,
                        }
                    )
                ],
                "amount_tax": 0,
                "amount_total": 100,
                "amount_paid": 0,
                "amount_return": 0,
            }
        )
        wizard = (
            self.env["pos.make.payment"]
            .with_context(active_id=order.id)
            .create({"payment_method_id": self.cash_pm1.id, "amount": 100})
        )
        wizard.check()
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.loyalty_points_earned, 10)

    def test_replay_five_times_books_once(self):
        data = self.create_ui_order_data([(self.product_a, 3)], customer=self.anna)
        for _i in range(5):
            self.env["pos.order"].sync_from_ui([dict(data)])
        orders = self.env["pos.order"].search([("uuid", "=", data["uuid"])])
        self.assertEqual(len(orders), 1)
        self.assertEqual(len(orders.loyalty_points_entry_ids), 1)
        self.assertEqual(self._balance(self.anna), 30)
