from datetime import date, timedelta

from odoo.tests import tagged

from .test_frontend import TestPosFrontend


@tagged("post_install", "-at_install")
class TestPosRewardsFrontend(TestPosFrontend):
    """Rewards at the till, in Chromium: the catalogue with what the customer
    can take and what they miss, the reward line, the payment screen and the
    receipt, and what the server booked."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        company = cls.main_pos_config.company_id
        manicure, spa = env["product.product"].create(
            [
                {
                    "name": name,
                    "available_in_pos": True,
                    "list_price": price,
                    "taxes_id": False,
                }
                for name, price in (("Manicure Service", 35.0), ("Spa Day", 120.0))
            ]
        )
        Reward = env["loyalty.points.reward"]
        Reward.search([("company_id", "=", company.id)]).active = False
        cls.reward = Reward.create(
            {
                "name": "Free manicure",
                "company_id": company.id,
                "product_id": manicure.id,
                "points_cost": 150,
            }
        )
        Reward.create(
            {"name": "Spa day", "company_id": company.id, "product_id": spa.id, "points_cost": 500}
        )
        cls.carla = env["res.partner"].create({"name": "Anna Rewards"})
        cls.carla_account = env["loyalty.points.account"]._get_or_create(cls.carla, company)
        env["loyalty.points.entry"]._post(
            [
                {
                    "account_id": cls.carla_account.id,
                    "kind": "earn",
                    "points": 220.0,
                    "expiry_date": date.today() + timedelta(days=200),
                }
            ]
        )

    # The points payment and pending points tours run in TestPosFrontend already.
    test_pay_with_points_and_refund = None
    test_pending_points_at_the_till = None

    def test_take_a_reward_at_the_till(self):
        self.main_pos_config.with_user(self.cashier).open_ui()
        self.start_pos_tour("LoyaltyPointsRewardTour", login="lp_till")
        order = self.env["pos.order"].search([("partner_id", "=", self.carla.id)])
        self.assertRecordValues(
            order,
            [
                {
                    "state": "paid",
                    "amount_total": 80.0,
                    "loyalty_points_earned": 8.0,
                    "loyalty_points_redeemed": 150.0,
                    "loyalty_points_balance": 78.0,
                }
            ],
        )
        line = order.lines.filtered("loyalty_points_reward_id")
        self.assertRecordValues(
            line,
            [
                {
                    "loyalty_points_reward_id": self.reward.id,
                    "discount": 100.0,
                    "qty": 1.0,
                    "loyalty_points_reward_points": 150.0,
                    "loyalty_points": 0.0,
                }
            ],
        )
        self.assertEqual(self.carla_account.balance, 78.0)
        self.assertLedgerConsistent(self.carla_account)
