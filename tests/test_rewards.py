from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from .common import LoyaltyPointsCase, LoyaltyPointsPosCommon

NOT_BOOKED = "Loyalty reward not booked"


class RewardsCommon(LoyaltyPointsPosCommon):
    """A salon that gives a massage for 150 points and a mask for 40."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env.user)
        cls.massage = cls.create_product("Massage", cls.categ_basic, 60.0)
        cls.mask = cls.create_product("Hair Mask", cls.categ_basic, 20.0)
        Reward = cls.env["loyalty.points.reward"]
        cls.reward_massage = Reward.create(
            {"name": "Free massage", "product_id": cls.massage.id, "points_cost": 150}
        )
        cls.reward_mask = Reward.create(
            {"name": "Hair mask", "product_id": cls.mask.id, "points_cost": 40}
        )

    def _line(self, reward, qty=1, product=None, discount=100.0, **vals):
        """A line of the till that claims ``reward``."""
        return {
            "product": product or reward.product_id,
            "quantity": qty,
            "discount": discount,
            "loyalty_points_reward_id": reward.id,
            **vals,
        }

    def _data(self, lines, customer=None, payments=None):
        """The till's payload, its totals as the till computes them (discounts included)."""
        data = self.create_ui_order_data(lines, customer=customer, payments=payments or [])
        total = 0.0
        for command in data["lines"]:
            line = command[2]
            amount = line["price_unit"] * line["qty"] * (1 - line.get("discount", 0.0) / 100)
            line["price_subtotal"] = line["price_subtotal_incl"] = amount
            total += amount
        data.update(amount_total=total, amount_tax=0.0)
        if payments is None:
            data["payment_ids"] = (
                [Command.create(self._payment(self.cash_pm1, total))] if total else []
            )
        data["amount_paid"] = sum(command[2]["amount"] for command in data["payment_ids"])
        return data

    def _payment(self, method, amount):
        return {"amount": amount, "name": fields.Datetime.now(), "payment_method_id": method.id}

    def _sync_data(self, data, user=None):
        result = self.env["pos.order"].with_user(user or self.cashier).sync_from_ui([data])
        return self.env["pos.order"].browse(result["pos.order"][0]["id"])

    def _take(self, lines, customer=None, payments=None):
        """Sync one paid order of the till with reward lines."""
        return self._sync_data(self._data(lines, customer=customer or self.anna, payments=payments))

    def _refund_reward(self, order, line, qty=None):
        """Refund ``qty`` units of ``line`` (a reward line of ``order``) at the till."""
        return self._take(
            [
                {
                    "product": line.product_id,
                    "quantity": -(qty or line.qty),
                    "discount": line.discount,
                    "refunded_orderline_id": line.id,
                }
            ],
            customer=order.partner_id,
        )

    def _activities(self, record, summary=NOT_BOOKED):
        return record.sudo().activity_ids.filtered(lambda a: a.summary == summary)

    def _reward_entries(self, partner):
        return self._account(partner).entry_ids.filtered("reward_id").sorted("id")


@tagged("post_install", "-at_install")
class TestRewards(RewardsCommon):
    # Done when ---------------------------------------------------------------

    def test_take_a_reward_keep_the_rest_refund_it(self):
        """A customer with 220 points takes a 150-point reward at the till and
        has 70 left; the order earns nothing on it; refunding it gives the
        150 back."""
        self._opening(self.anna, (220, self.today + timedelta(days=90)))
        order = self._take([self._line(self.reward_massage)])
        line = order.lines
        self.assertEqual(order.state, "paid")
        self.assertEqual(self._balance(self.anna), 70)
        self.assertRecordValues(
            line,
            [
                {
                    "loyalty_points_reward_id": self.reward_massage.id,
                    "loyalty_points_reward_points": 150,
                    "loyalty_points": 0,
                    "loyalty_program_id": False,
                }
            ],
        )
        self.assertRecordValues(
            order,
            [
                {
                    "loyalty_points_earned": 0,
                    "loyalty_points_redeemed": 150,
                    "loyalty_points_balance": 70,
                }
            ],
        )
        redeem = order.loyalty_points_entry_ids
        self.assertRecordValues(
            redeem,
            [
                {
                    "kind": "redeem",
                    "points": -150,
                    "reward_id": self.reward_massage.id,
                    "note": "Reward: Free massage",
                    "idempotency_key": f"reward:{order.id}:{line.id}",
                }
            ],
        )
        self.assertLedgerConsistent(self._account(self.anna))

        refund = self._refund_reward(order, line)
        self.assertEqual(self._balance(self.anna), 220)
        given = refund.loyalty_points_entry_ids
        self.assertRecordValues(
            given,
            [
                {
                    "kind": "reversal",
                    "points": 150,
                    "reversed_entry_id": redeem.id,
                    "reward_id": self.reward_massage.id,
                    "expiry_date": self.today + timedelta(days=90),
                }
            ],
        )
        self.assertRecordValues(
            refund,
            [{"loyalty_points_redeemed": -150, "loyalty_points_earned": 0}],
        )
        self.assertEqual(refund.lines.loyalty_points_reward_points, -150)
        self.assertLedgerConsistent(self._account(self.anna))

    def test_reward_claimed_on_another_product_books_nothing_and_tells_a_manager(self):
        self._opening(self.anna, (220, False))
        order = self._take([self._line(self.reward_massage, product=self.product_a)])
        self.assertEqual(order.state, "paid", "the sale is recorded")
        self.assertFalse(order.loyalty_points_entry_ids)
        self.assertFalse(order.lines.loyalty_points_reward_points)
        self.assertEqual(self._balance(self.anna), 220)
        activity = self._activities(self._account(self.anna))
        self.assertEqual(len(activity), 1)
        self.assertIn("not the reward's Massage", activity.note)
        self.assertIn("Shampoo", activity.note)
        self.assertIn(order.name, activity.note)
        self.assertTrue(activity.user_id.has_group("point_of_sale.group_pos_manager"))

    # booking -----------------------------------------------------------------

    def test_reward_lines_earn_nothing_the_rest_of_the_order_does(self):
        self._opening(self.anna, (220, False))
        order = self._take(
            [self._line(self.reward_massage), (self.product_a, 1)],
            payments=[(self.cash_pm1, 100)],
        )
        self.assertEqual(order.loyalty_points_earned, 10)  # 10 % of the shampoo only
        reward_line = order.lines.filtered("loyalty_points_reward_id")
        self.assertFalse(reward_line.loyalty_points)
        self.assertEqual(self._balance(self.anna), 220 - 150 + 10)
        self.assertLedgerConsistent(self._account(self.anna))

    def test_a_paid_line_that_claims_a_reward_earns_nothing_either(self):
        self._opening(self.anna, (220, False))
        order = self._take(
            [self._line(self.reward_massage, discount=0)], payments=[(self.cash_pm1, 60)]
        )
        self.assertFalse(order.loyalty_points_entry_ids, "no reward, no earning on the claim")
        self.assertEqual(self._balance(self.anna), 220)
        self.assertIn(
            "discount is 0.00 %, not 100 %", self._activities(self._account(self.anna)).note
        )

    def test_first_expiring_lots_pay_and_quantity_multiplies(self):
        late, early = self._opening(
            self.anna,
            (200, self.today + timedelta(days=300)),
            (50, self.today + timedelta(days=10)),
        )
        order = self._take([self._line(self.reward_mask, qty=2)])
        redeem = order.loyalty_points_entry_ids
        self.assertEqual(redeem.points, -80)
        allocations = redeem.debit_allocation_ids.sorted("id")
        self.assertEqual(
            [(a.credit_entry_id, a.points) for a in allocations], [(early, 50), (late, 30)]
        )
        # a partial refund gives back the latest-expiring lot first, with its expiry
        refund = self._refund_reward(order, order.lines, qty=1)
        self.assertRecordValues(
            refund.loyalty_points_entry_ids,
            [
                {"points": 30, "expiry_date": late.expiry_date},
                {"points": 10, "expiry_date": early.expiry_date},
            ],
        )
        self.assertEqual(self._balance(self.anna), 250 - 80 + 40)
        self.assertLedgerConsistent(self._account(self.anna))

    def test_replay_books_once(self):
        self._opening(self.anna, (220, False))
        data = self._data([self._line(self.reward_massage)], customer=self.anna)
        order = self._sync_data(data)
        # the till sends the order again (a lost answer), then it is paid again
        self.env["pos.order"].with_user(self.cashier).sync_from_ui([data])
        self.assertEqual(self.env["pos.order"].search_count([("uuid", "=", order.uuid)]), 1)
        order.with_user(self.cashier).action_pos_order_paid()
        self.assertEqual(len(self._reward_entries(self.anna)), 1)
        self.assertEqual(self._balance(self.anna), 70)

    def test_rewards_and_points_payment_together(self):
        self._opening(self.anna, (220, False))
        order = self._take(
            [self._line(self.reward_massage), (self.product_b, 1)],
            payments=[(self.points_pm, 50)],
        )
        self.assertRecordValues(
            order, [{"loyalty_points_redeemed": 200, "loyalty_points_balance": 20}]
        )
        # refunding the points payment gives back the payment, not the reward
        refund = self._take(
            [
                {
                    "product": self.product_b,
                    "quantity": -1,
                    "refunded_orderline_id": order.lines.filtered("price_subtotal").id,
                }
            ],
            payments=[(self.points_pm, -50)],
        )
        given = refund.loyalty_points_entry_ids
        self.assertEqual(given.points, 50)
        self.assertFalse(given.reward_id)
        self.assertEqual(self._balance(self.anna), 70)
        self.assertLedgerConsistent(self._account(self.anna))

    def test_a_race_that_overdraws_is_recorded_and_told(self):
        self._opening(self.anna, (100, False))
        order = self._take([self._line(self.reward_massage)])
        account = self._account(self.anna)
        self.assertEqual(order.state, "paid")
        self.assertEqual(account.balance, -50)
        activity = self._activities(account, "Reward beyond the balance")
        self.assertIn("had 100:", activity.note)
        # later earnings pay the shortfall back first
        self._take([(self.product_a, 10)], payments=[(self.cash_pm1, 1000)])
        self.assertEqual(account.balance, 50)
        self.assertLedgerConsistent(account)

    # claims the server refuses -------------------------------------------------

    def _assert_refused(self, order, partner, text):
        self.assertEqual(order.state, "paid", "the sale is recorded")
        self.assertFalse(order.loyalty_points_entry_ids.filtered("reward_id"))
        self.assertFalse(order.lines.filtered("loyalty_points_reward_points"))
        target = self._account(partner) or order.session_id
        activity = self._activities(target)
        self.assertEqual(len(activity), 1, f"one activity on {target}")
        self.assertIn(text, activity.note)

    def test_archived_reward(self):
        self._opening(self.anna, (220, False))
        self.reward_massage.active = False
        order = self._take([self._line(self.reward_massage)])
        self._assert_refused(order, self.anna, "the reward is archived")
        self.assertEqual(self._balance(self.anna), 220)

    def test_reward_out_of_date(self):
        self._opening(self.anna, (220, False))
        self.reward_massage.write(
            {
                "date_from": self.today - timedelta(days=30),
                "date_to": self.today - timedelta(days=1),
            }
        )
        order = self._take([self._line(self.reward_massage)])
        self._assert_refused(order, self.anna, "the reward is not valid on")

    def test_tier_restriction(self):
        Tier = self.env["loyalty.points.tier"]
        bronze, gold = Tier.create(
            [{"name": "Bronze", "min_turnover": 0}, {"name": "Gold", "min_turnover": 1000}]
        )
        self.reward_massage.tier_ids = gold
        self._opening(self.anna, (440, False))
        self._account(self.anna)._update_tiers()
        self.assertEqual(self._account(self.anna).tier_id, bronze)
        order = self._take([self._line(self.reward_massage)])
        self._assert_refused(
            order, self.anna, "for Gold members only, the customer's tier is Bronze"
        )
        # a Gold customer takes it
        self._take([(self.product_a, 10)], payments=[(self.cash_pm1, 1000)])
        self.assertEqual(self._account(self.anna).tier_id, gold)
        self._take([self._line(self.reward_massage)])
        self.assertEqual(self._balance(self.anna), 440 + 100 - 150)

    def test_limit_per_customer_and_period(self):
        self.reward_mask.write({"limit_qty": 2, "limit_period": "month"})
        self._opening(self.anna, (500, False))
        first = self._take([self._line(self.reward_mask), self._line(self.reward_mask)])
        self.assertEqual(len(first.loyalty_points_entry_ids), 2)
        second = self._take([self._line(self.reward_mask)])
        self._assert_refused(second, self.anna, "the limit of 2 per customer (month) is reached")
        # a refunded reward does not count
        self._refund_reward(first, first.lines[0])
        third = self._take([self._line(self.reward_mask)])
        self.assertEqual(third.loyalty_points_entry_ids.points, -40)
        # another customer has their own limit
        self._opening(self.boris, (100, False))
        boris = self._take([self._line(self.reward_mask, qty=2)], customer=self.boris)
        self.assertEqual(boris.loyalty_points_entry_ids.points, -80)
        self.assertEqual(self._balance(self.anna), 500 - 80)

    def test_a_claim_that_costs_no_points_once_rounded_is_refused(self):
        """0.4 points x 0.01 rounds to 0.00: no redeem of 0 points (the ledger
        refuses it and the whole booking would roll back); the rest books."""
        sample = self.env["loyalty.points.reward"].create(
            {"name": "Sample", "product_id": self.mask.id, "points_cost": 0.4}
        )
        self._opening(self.anna, (220, False))
        order = self._take(
            [self._line(sample, qty=0.01), (self.product_a, 1)],
            payments=[(self.cash_pm1, 100)],
        )
        self.assertRecordValues(order.loyalty_points_entry_ids, [{"kind": "earn", "points": 10}])
        self.assertFalse(order.lines.filtered("loyalty_points_reward_points"))
        self.assertEqual(self._balance(self.anna), 230)
        self.assertIn(
            "the claim costs 0 points once rounded",
            self._activities(self._account(self.anna)).note,
        )
        result = self._check([(sample, 0.01)])
        self.assertFalse(result["ok"])
        self.assertLedgerConsistent(self._account(self.anna))

    def test_no_customer(self):
        data = self._data([self._line(self.reward_mask)])
        order = self._sync_data(data)
        self._assert_refused(order, self.env["res.partner"], "the order has no customer")

    # the till's check ----------------------------------------------------------

    def _check(self, rewards, amount=0.0, total=0.0, partner=None):
        return (
            (partner or self.anna)
            .with_user(self.cashier)
            .loyalty_points_check_rewards(
                self.config.id, [[r.id, qty] for r, qty in rewards], amount, total
            )
        )

    def test_the_till_checks_rewards_and_points_payments_together(self):
        self._opening(self.anna, (220, False))
        result = self._check([(self.reward_massage, 1), (self.reward_mask, 1)])
        self.assertTrue(result["ok"], result["message"])
        self.assertEqual(result["reward_points"], 190)
        self.assertEqual(result["max_amount"], 0.0, "30 points left, an order of 0")
        result = self._check([(self.reward_massage, 1)], amount=80, total=100)
        self.assertFalse(result["ok"])
        self.assertIn("has 70.00 points left after the rewards", result["message"])
        result = self._check([(self.reward_massage, 1)], amount=70, total=100)
        self.assertTrue(result["ok"], result["message"])
        result = self._check([(self.reward_massage, 2)])
        self.assertFalse(result["ok"])
        self.assertIn("the rewards of this order need 300.00", result["message"])
        self.reward_mask.write({"limit_qty": 1, "limit_period": "day"})
        result = self._check([(self.reward_mask, 2)])
        self.assertFalse(result["ok"])
        self.assertIn("the limit of 1", result["message"])

    def test_the_till_check_of_a_customer_without_account(self):
        result = self._check([(self.reward_mask, 1)], partner=self.boris)
        self.assertFalse(result["ok"])
        self.assertIn("Boris Ivanov has 0.00 points", result["message"])


@tagged("post_install", "-at_install")
class TestRewardsAuthority(RewardsCommon):
    """What a cashier over RPC, or a modified till, tries with rewards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_company = cls.env["res.company"].create({"name": "Other Salon"})
        cls.shared_massage = cls.env["product.product"].create(
            {"name": "Massage everywhere", "available_in_pos": True, "list_price": 60}
        )
        cls.foreign_reward = (
            cls.env["loyalty.points.reward"]
            .with_company(cls.other_company)
            .create(
                {
                    "name": "Their massage",
                    "company_id": cls.other_company.id,
                    "product_id": cls.shared_massage.id,
                    "points_cost": 1,
                }
            )
        )

    def setUp(self):
        super().setUp()
        self._opening(self.anna, (220, False))

    def test_forged_reward_of_another_company(self):
        self.assertFalse(
            self.env["loyalty.points.reward"]
            .with_user(self.cashier)
            .search([("id", "=", self.foreign_reward.id)]),
            "a cashier does not even see it",
        )
        order = self._take([self._line(self.foreign_reward)])
        self._assert_refused_here(order, "the reward belongs to another company (Other Salon)")
        result = self.anna.with_user(self.cashier).loyalty_points_check_rewards(
            self.config.id, [[self.foreign_reward.id, 1]]
        )
        self.assertFalse(result["ok"])
        self.assertIn("not available at this till", result["message"])

    def _assert_refused_here(self, order, text):
        self.assertEqual(order.state, "paid")
        self.assertFalse(order.loyalty_points_entry_ids.filtered("reward_id"))
        self.assertEqual(self._balance(self.anna), 220)
        self.assertIn(text, self._activities(self._account(self.anna)).note)

    def test_forged_discount(self):
        order = self._take(
            [self._line(self.reward_massage, discount=99.0)], payments=[(self.cash_pm1, 0.6)]
        )
        self._assert_refused_here(order, "the line's discount is 99")

    def test_a_discount_above_100_percent_is_no_claim_either(self):
        order = self._take(
            [self._line(self.reward_massage, discount=150.0)], payments=[(self.cash_pm1, -30)]
        )
        self._assert_refused_here(order, "the line's discount is 150")

    def test_forged_points_on_the_line(self):
        order = self._take([self._line(self.reward_massage, loyalty_points_reward_points=1)])
        self.assertEqual(order.lines.loyalty_points_reward_points, 150, "the server's figure")
        self.assertEqual(self._balance(self.anna), 70)
        line = order.lines.with_user(self.cashier)
        for vals in (
            {"loyalty_points_reward_points": 0},
            {"loyalty_points_reward_id": self.reward_mask.id},
            {"loyalty_points_reward_id": False},
        ):
            with self.assertRaises(AccessError):
                line.write(vals)
        with self.assertRaises(AccessError):
            self.env["pos.order.line"].with_user(self.cashier).create(
                {
                    "order_id": order.id,
                    "product_id": self.massage.id,
                    "qty": 1,
                    "price_unit": 0,
                    "price_subtotal": 0,
                    "price_subtotal_incl": 0,
                    "loyalty_points_reward_points": 150,
                }
            )
        # a refund gives back what the server booked, not what the line says
        self._refund_reward(order, order.lines)
        self.assertEqual(self._balance(self.anna), 220)

    def test_a_reward_line_refunded_twice_gives_back_once(self):
        order = self._take([self._line(self.reward_massage)])
        self._refund_reward(order, order.lines)
        again = self._refund_reward(order, order.lines)
        self.assertEqual(again.state, "paid")
        self.assertFalse(again.loyalty_points_entry_ids)
        self.assertEqual(self._balance(self.anna), 220)
        self.assertLedgerConsistent(self._account(self.anna))

    def test_forged_quantity_of_a_booked_reward_does_not_inflate_its_giveback(self):
        order = self._take([self._line(self.reward_mask, qty=3)])
        self.assertEqual(self._balance(self.anna), 220 - 120)
        order.lines.with_user(self.cashier).write({"qty": 1})
        refund = self._refund_reward(order, order.lines, qty=1)
        self.assertEqual(refund.loyalty_points_entry_ids.points, 40, "a third of 120")
        self.assertEqual(self._balance(self.anna), 220 - 80)
        self.assertLedgerConsistent(self._account(self.anna))

    def test_forged_quantity_of_past_rewards_does_not_reset_the_limit(self):
        self.reward_mask.write({"limit_qty": 2, "limit_period": "month"})
        first = self._take([self._line(self.reward_mask, qty=2)])
        first.lines.with_user(self.cashier).write({"qty": 0})
        second = self._take([self._line(self.reward_mask)])
        self.assertFalse(second.loyalty_points_entry_ids)
        self.assertEqual(self._balance(self.anna), 220 - 80)
        self.assertIn(
            "the limit of 2 per customer (month) is reached: 2 taken already",
            self._activities(self._account(self.anna)).note,
        )

    def test_a_reward_line_with_a_negative_quantity_without_refund(self):
        order = self._take([self._line(self.reward_massage, qty=-1)])
        self._assert_refused_here(order, "with a positive quantity")
        self.assertFalse(order.loyalty_points_entry_ids, "no points back, no return earning")

    def test_a_priced_return_that_names_a_reward_takes_the_earned_points_back(self):
        self._take([(self.product_a, 3)], customer=self.boris)
        self.assertEqual(self._balance(self.boris), 30)
        ret = self._take(
            [self._line(self.reward_mask, qty=-1, product=self.product_a, discount=0)],
            customer=self.boris,
        )
        self.assertEqual(ret.amount_total, -100, "money refunded")
        self.assertRecordValues(ret.loyalty_points_entry_ids, [{"kind": "reversal", "points": -10}])
        self.assertEqual(self._balance(self.boris), 20)
        self.assertLedgerConsistent(self._account(self.boris))

    def test_an_unknown_reward_id_does_not_fail_the_sync(self):
        missing = self.env["loyalty.points.reward"].search([], order="id desc", limit=1).id + 1000
        order = self._take([self._line(self.reward_massage, loyalty_points_reward_id=missing)])
        self.assertEqual(order.state, "paid")
        self.assertFalse(order.lines.loyalty_points_reward_id)
        self.assertEqual(self._balance(self.anna), 220)


@tagged("post_install", "-at_install")
class TestRewardModel(RewardsCommon):
    def test_bad_rewards_are_refused(self):
        Reward = self.env["loyalty.points.reward"]
        with self.assertRaisesRegex(ValidationError, "must cost some points"):
            Reward.create({"name": "Free", "product_id": self.mask.id, "points_cost": 0})
        with self.assertRaisesRegex(ValidationError, "ends before it starts"):
            Reward.create(
                {
                    "name": "Backwards",
                    "product_id": self.mask.id,
                    "points_cost": 10,
                    "date_from": self.today,
                    "date_to": self.today - timedelta(days=1),
                }
            )

    def test_access(self):
        manager = new_test_user(
            self.env,
            login="lp_reward_manager",
            groups="base.group_user,point_of_sale.group_pos_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        as_cashier = self.reward_mask.with_user(self.cashier)
        self.assertEqual(as_cashier.name, "Hair mask")
        with self.assertRaises(AccessError):
            as_cashier.write({"points_cost": 1})
        with self.assertRaises(AccessError):
            self.env["loyalty.points.reward"].with_user(self.cashier).create(
                {"name": "Mine", "product_id": self.mask.id, "points_cost": 1}
            )
        as_manager = self.reward_mask.with_user(manager)
        as_manager.write({"points_cost": 45})
        self.assertEqual(self.reward_mask.points_cost, 45)

    def test_translated_name(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.reward_mask.with_context(lang="fr_FR").name = "Masque capillaire"
        self.assertEqual(self.reward_mask.with_context(lang="fr_FR").name, "Masque capillaire")
        self.assertEqual(self.reward_mask.with_context(lang="en_US").name, "Hair mask")

    def test_the_till_loads_the_catalogue(self):
        self.reward_mask.date_to = self.today - timedelta(days=1)
        data = self.pos_session.with_user(self.cashier).load_data(
            ["pos.config", "pos.order", "pos.order.line", "loyalty.points.reward"]
        )
        rewards = data["loyalty.points.reward"]["data"]
        self.assertEqual([r["name"] for r in rewards], ["Free massage"])
        self.assertEqual(rewards[0]["product_id"], self.massage.id)
        self.assertIn("loyalty_points_reward_id", data["pos.order.line"]["fields"])


@tagged("post_install", "-at_install")
class TestRewardsInTheBooks(RewardsCommon):
    """A reward redemption is a redemption: in the liability (posted by the
    job: rewards have no payment for the session closing to settle), the
    roll-forward and the statement."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.loyalty_points_liability_accounting = True
        cls.liability = cls.company.loyalty_points_liability_account_id
        cls.issue = cls.company.loyalty_points_issue_account_id

    def _close_session(self, session):
        session.post_closing_cash_details(0)
        session.close_session_from_ui()
        self.assertEqual(session.state, "closed")

    def _post(self):
        today = fields.Date.context_today(self.env.user) + timedelta(days=1)
        self._run_cron(self.env["loyalty.points.entry"]._cron_post_liability, today=today)

    def _lines(self, move):
        totals = {}
        for line in move.line_ids:
            for side in ("debit", "credit"):
                if line[side]:
                    key = (line.account_id, side)
                    totals[key] = totals.get(key, 0.0) + line[side]
        return totals

    def test_the_liability_is_released_by_the_job(self):
        self._opening(self.anna, (220, False))
        order = self._take([self._line(self.reward_massage)])
        redeem = order.loyalty_points_entry_ids
        causes = {
            c["cause"]: c["points"]
            for c in self.company._loyalty_points_reconcile()[self.company]["causes"]
        }
        self.assertEqual(causes, {"unposted": 70}, "the job posts the reward, not the closing")
        self._close_session(self.pos_session)
        self.assertFalse(redeem.move_id, "no payment: the session closing does not settle it")
        self._post()
        move = redeem.move_id
        self.assertTrue(move)
        self.assertEqual(
            self._lines(move),
            {
                (self.issue, "debit"): 220.0,
                (self.liability, "credit"): 220.0,
                (self.liability, "debit"): 150.0,
                (self.issue, "credit"): 150.0,
            },
        )
        check = self.company._loyalty_points_reconcile()[self.company]
        self.assertEqual((check["balance"], check["expected"], check["causes"]), (70, 70, []))
        # the refund gives the points back: the liability rises again
        self.open_new_session()
        refund = self._refund_reward(order, order.lines)
        self._close_session(self.pos_session)
        self._post()
        self.assertEqual(
            self._lines(refund.loyalty_points_entry_ids.move_id),
            {(self.issue, "debit"): 150.0, (self.liability, "credit"): 150.0},
        )
        check = self.company._loyalty_points_reconcile()[self.company]
        self.assertEqual((check["balance"], check["expected"], check["causes"]), (220, 220, []))

    def test_roll_forward_and_statement(self):
        self._opening(self.anna, (220, False))
        self._take([self._line(self.reward_massage)])
        Rollforward = self.env["loyalty.points.rollforward"].with_context(tz="UTC")
        today = fields.Date.context_today(Rollforward)
        figures = Rollforward._get_figures(self.company, today, today)
        row = figures[self.company.id, False]
        self.assertEqual((row["adjusted"], row["redeemed"]), (220, -150))
        account = self._account(self.anna)
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "loyalty_points.action_report_customer_statement",
            account.ids,
            data={"date_from": str(today), "date_to": str(today)},
        )
        self.assertIn("Reward: Free massage", html.decode())


@tagged("post_install", "-at_install")
class TestRewardsSms(RewardsCommon):
    """Optional: "You have 150 points: your Free massage is waiting"."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.anna.mobile = "+359 88 123 4567"

    def _sms(self):
        return self.env["sms.sms"].sudo().search([("partner_id", "=", self.anna.id)])

    def test_off_by_default(self):
        self.assertFalse(self.company.loyalty_points_sms_reward)
        self._opening(self.anna, (100, False))
        self._take([(self.product_a, 5)], payments=[(self.cash_pm1, 500)])
        self.assertEqual(self._balance(self.anna), 150)
        self.assertFalse(self._sms())

    def test_an_earning_that_reaches_a_reward(self):
        self.company.loyalty_points_sms_reward = True
        self._opening(self.anna, (100, False))
        self._take([(self.product_a, 2)], payments=[(self.cash_pm1, 200)])  # 120: nothing new
        self.assertFalse(self._sms())
        self._take([(self.product_a, 3)], payments=[(self.cash_pm1, 300)])  # 150
        sms = self._sms()
        self.assertEqual(len(sms), 1)
        self.assertIn("You have 150 points: your Free massage is waiting", sms.body)
        self.assertEqual(sms.number, "+359881234567")


@tagged("post_install", "-at_install")
class TestRewardsPortal(HttpCase, LoyaltyPointsCase):
    """/my/loyalty: the catalogue, what the customer can get now and how many
    points the next reward needs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.env["loyalty.points.tier"].search([("company_id", "=", company.id)]).unlink()
        gold = cls.env["loyalty.points.tier"].create({"name": "Gold", "min_turnover": 1000})
        cls.portal_user = new_test_user(
            cls.env,
            login="lp_reward_portal",
            groups="base.group_portal",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
        account = cls.env["loyalty.points.account"]._get_or_create(
            cls.portal_user.partner_id, company
        )
        cls.env["loyalty.points.entry"]._post(
            [{"account_id": account.id, "kind": "adjust", "points": 300, "note": "opening"}]
        )
        product = cls.env["product.product"].create({"name": "Salon care", "list_price": 10})
        other_company = cls.env["res.company"].create({"name": "Other Salon"})
        Reward = cls.env["loyalty.points.reward"]
        Reward.search([]).active = False  # the demo catalogue
        Reward.create(
            [
                {
                    "name": "Free massage",
                    "product_id": product.id,
                    "points_cost": 150,
                    "description": "An hour of bliss",
                },
                {"name": "Free manicure", "product_id": product.id, "points_cost": 500},
                {
                    "name": "Gold spa day",
                    "product_id": product.id,
                    "points_cost": 100,
                    "tier_ids": [Command.link(gold.id)],
                },
                {"name": "Old offer", "product_id": product.id, "points_cost": 50, "active": False},
            ]
        )
        Reward.create(
            {
                "name": "Their facial",
                "product_id": product.id,
                "points_cost": 10,
                "company_id": other_company.id,
            }
        )

    def test_catalogue_on_the_portal(self):
        self.authenticate("lp_reward_portal", "lp_reward_portal")
        response = self.url_open("/my/loyalty")
        self.assertEqual(response.status_code, 200)
        page = response.text
        rewards = page[page.index("o_loyalty_points_rewards") :]
        self.assertRegex(rewards, r"(?s)o_loyalty_points_rewards_now.*Free massage")
        self.assertRegex(rewards, r"(?s)o_loyalty_points_next_reward.*>200<.*Free manicure")
        self.assertIn("An hour of bliss", rewards)
        self.assertEqual(rewards.count("o_loyalty_points_reward_affordable"), 1)
        self.assertEqual(rewards.count("o_loyalty_points_reward_missing"), 1)
        for hidden in ("Gold spa day", "Old offer", "Their facial"):
            self.assertNotIn(hidden, page)


@tagged("post_install", "-at_install")
class TestRewardsDemo(TransactionCase):
    """The demo catalogue (scripts/test installs the demo data: missing is a failure)."""

    def test_demo_rewards(self):
        manicure = self.env.ref("loyalty_points.loyalty_points_reward_demo_manicure")
        mask = self.env.ref("loyalty_points.loyalty_points_reward_demo_hair_mask")
        self.assertRecordValues(
            manicure | mask,
            [
                {"name": "Free manicure", "points_cost": 500, "limit_qty": 1},
                {"name": "Hair mask", "points_cost": 200, "limit_qty": 0},
            ],
        )
        self.assertEqual(manicure.product_id.type, "service")
        self.assertTrue((manicure | mask).product_id.mapped("available_in_pos") == [True, True])
