from datetime import date, timedelta

from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon

from .common import LoyaltyPointsCase


@tagged("post_install", "-at_install")
class TestPosFrontend(TestPointOfSaleHttpCommon, LoyaltyPointsCase):
    """Paying with points at the till, in Chromium, with Odoo's pos_loyalty beside."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        company = cls._get_main_company()
        # Odoo's own loyalty programs stay out of the way of these orders.
        if "loyalty.program" in env:
            env["loyalty.program"].search([]).write({"active": False})
        company.write(
            {
                "loyalty_points_value": 1.0,
                "loyalty_points_max_redeem_share": 50.0,
                "loyalty_points_rounding": 1.0,
            }
        )
        env["loyalty.points.program"].create(
            {
                "name": "10 % back",
                "company_id": company.id,
                "scope": "all",
                "earn_mode": "percent",
                "earn_rate": 10.0,
                "validity_days": 365,
            }
        )
        env["loyalty.points.tier"].create(
            [
                {"name": "Silver", "company_id": company.id, "min_turnover": 0.0},
                {"name": "Gold", "company_id": company.id, "min_turnover": 1000.0},
            ]
        )
        cls.points_method = env["pos.payment.method"].create(
            {"name": "Points", "is_loyalty_points": True, "company_id": company.id}
        )
        cls.main_pos_config.write(
            {
                "payment_method_ids": [
                    Command.link(cls.points_method.id),
                    Command.link(cls.bank_payment_method.id),
                ]
            }
        )
        cls.mug, cls.cap = env["product.product"].create(
            [
                {
                    "name": name,
                    "available_in_pos": True,
                    "list_price": 80.0,
                    "taxes_id": False,
                }
                for name in ("Loyalty Mug", "Loyalty Cap")
            ]
        )
        cls.anna, cls.boris = env["res.partner"].create(
            [{"name": "Anna Points"}, {"name": "Boris Nopoints"}]
        )
        Account = env["loyalty.points.account"]
        cls.anna_account = Account._get_or_create(cls.anna, company)
        env["loyalty.points.entry"]._post(
            [
                {
                    "account_id": cls.anna_account.id,
                    "kind": "earn",
                    "points": 100.0,
                    "expiry_date": date.today() + timedelta(days=200),
                }
            ]
        )
        cls.anna_account._update_tiers()
        # The till's user: an internal user with the POS user rights, nothing more.
        cls.cashier = new_test_user(
            env,
            login="lp_till",
            name="Mia Cashier",
            groups="base.group_user,point_of_sale.group_pos_user",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )

    def _anna_orders(self):
        return self.env["pos.order"].search([("partner_id", "=", self.anna.id)], order="id")

    def _assert_paid_with_points(self):
        orders = self._anna_orders()
        self.assertRecordValues(
            orders,
            [
                {
                    "state": "paid",
                    "amount_total": 80.0,
                    "loyalty_points_redeemed": 30.0,
                    "loyalty_points_earned": 5.0,
                    "loyalty_points_balance": 75.0,
                },
                {
                    "state": "paid",
                    "amount_total": 80.0,
                    "loyalty_points_redeemed": 40.0,
                    "loyalty_points_earned": 4.0,
                    "loyalty_points_balance": 39.0,
                },
            ],
        )
        for order in orders:
            self.assertEqual(order.loyalty_points_tier_id.name, "Silver")
        # The refused attempts (offline, above the share, above the cap) paid nothing.
        points_payments = orders.payment_ids.filtered(
            lambda p: p.payment_method_id == self.points_method
        )
        self.assertEqual(sorted(points_payments.mapped("amount")), [30.0, 40.0])
        redeems = self.anna_account.entry_ids.filtered(lambda e: e.kind == "redeem")
        self.assertEqual(sorted(redeems.mapped("points")), [-40.0, -30.0])
        self.assertEqual(self.anna_account.balance, 39.0)
        self.assertLedgerConsistent(self.anna_account)
        # Boris, without points, paid nothing with points.
        self.assertFalse(self.env["pos.order"].search([("partner_id", "=", self.boris.id)]))
        self.assertFalse(
            self.env["loyalty.points.entry"].search([("partner_id", "=", self.boris.id)])
        )

    def test_pay_with_points_and_refund(self):
        self.main_pos_config.with_user(self.cashier).open_ui()
        self.start_pos_tour("LoyaltyPointsPayTour", login="lp_till")
        self._assert_paid_with_points()

        self.start_pos_tour("LoyaltyPointsRefundTour", login="lp_till")
        refund = self._anna_orders()[-1]
        first_order = self._anna_orders()[0]
        self.assertEqual(refund.lines.refunded_orderline_id.order_id, first_order)
        self.assertRecordValues(
            refund,
            [
                {
                    "amount_total": -80.0,
                    "loyalty_points_redeemed": -30.0,
                    "loyalty_points_earned": -5.0,
                    "loyalty_points_balance": 64.0,
                }
            ],
        )
        given_back = refund.loyalty_points_entry_ids.filtered(
            lambda e: e.reversed_entry_id.kind == "redeem"
        )
        self.assertEqual(given_back.points, 30.0)
        self.assertEqual(given_back.reversed_entry_id.pos_order_id, first_order)
        self.assertEqual(self.anna_account.balance, 64.0)
        self.assertLedgerConsistent(self.anna_account)

        # Closing the session books the points paid on the Loyalty Points
        # account (30 + 40 paid, 30 given back), never on cash nor a customer.
        session = self.main_pos_config.current_session_id
        session.action_pos_session_closing_control()
        self.assertEqual(session.state, "closed")
        points_account = self.points_method.journal_id.default_account_id
        lines = self.env["account.move.line"].search([("account_id", "=", points_account.id)])
        self.assertAlmostEqual(sum(lines.mapped("balance")), 40.0)
        self.assertEqual(lines.journal_id, self.points_method.journal_id)

    def test_pending_points_at_the_till(self):
        company = self._get_main_company()
        company.loyalty_points_pending_days = 14
        carla = self.env["res.partner"].create({"name": "Carla Pending"})
        account = self.env["loyalty.points.account"]._get_or_create(carla, company)
        self.env["loyalty.points.entry"]._post(
            [
                {
                    "account_id": account.id,
                    "kind": "earn",
                    "points": 20.0,
                    "available_date": date.today() + timedelta(days=7),
                }
            ]
        )
        self.main_pos_config.with_user(self.cashier).open_ui()
        self.start_pos_tour("LoyaltyPointsPendingTour", login="lp_till")
        order = self.env["pos.order"].search([("partner_id", "=", carla.id)])
        self.assertRecordValues(
            order,
            [
                {
                    "loyalty_points_earned": 8.0,
                    "loyalty_points_balance": 0.0,
                    "loyalty_points_pending": 28.0,
                    "loyalty_points_available_date": order.loyalty_points_date + timedelta(days=14),
                }
            ],
        )
        self.assertFalse(
            order.payment_ids.filtered(lambda p: p.payment_method_id.is_loyalty_points)
        )
        self.assertRecordValues(account, [{"balance": 0.0, "pending_points": 28.0}])
        self.assertLedgerConsistent(account)

    def test_pending_expiring_and_refusals(self):
        """Issue 24, items 3 to 5: the till says from when pending points are
        spendable and which points expire soon, why a points payment stops
        where it does, and the amount typed after a refusal replaces the
        capped one."""
        company = self._get_main_company()
        company.loyalty_points_warning_days = 7
        Account = self.env["loyalty.points.account"]
        Entry = self.env["loyalty.points.entry"]
        leo, sofia = self.env["res.partner"].create(
            [{"name": "Leo Pending"}, {"name": "Sofia Soon"}]
        )
        leo_account = Account._get_or_create(leo, company)
        Entry._post(
            [
                {
                    "account_id": leo_account.id,
                    "kind": "earn",
                    "points": 21.0,
                    "available_date": date.today() + timedelta(days=12),
                }
            ]
        )
        sofia_account = Account._get_or_create(sofia, company)
        soon, later = Entry._post(
            [
                {
                    "account_id": sofia_account.id,
                    "kind": "earn",
                    "points": points,
                    "expiry_date": date.today() + timedelta(days=days),
                }
                for points, days in ((15.0, 5), (100.0, 200))
            ]
        )
        self.main_pos_config.with_user(self.cashier).open_ui()
        self.start_pos_tour("LoyaltyPointsTillTour", login="lp_till")
        order = self.env["pos.order"].search([("partner_id", "=", sofia.id)])
        self.assertRecordValues(
            order,
            [
                {
                    "state": "paid",
                    "loyalty_points_redeemed": 25.0,
                    "loyalty_points_earned": 5.0,
                    "loyalty_points_balance": 95.0,
                }
            ],
        )
        # the points paid took the lot expiring soon first
        self.assertRecordValues(soon | later, [{"remaining": 0.0}, {"remaining": 90.0}])
        self.assertFalse(self.env["pos.order"].search([("partner_id", "=", leo.id)]))
        self.assertRecordValues(leo_account, [{"balance": 0.0, "pending_points": 21.0}])
        self.assertLedgerConsistent(leo_account | sofia_account)
