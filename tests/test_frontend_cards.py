from odoo.tests import tagged

from .test_frontend import TestPosFrontend


@tagged("post_install", "-at_install")
class TestPosCardsFrontend(TestPosFrontend):
    """Loyalty cards at the till, in Chromium: scanning, blocked and unknown
    cards, the customer search by card number, the balance in the customer list
    and on the order, refreshed by a synced order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Account = cls.env["loyalty.points.account"]
        company = cls.main_pos_config.company_id
        boris_account = Account._get_or_create(cls.boris, company)
        cls.anna_account.action_issue_card("2900007770013")
        boris_account.action_issue_card("2900007770020")
        boris_account.action_replace_card("2900007770037", reason="Lost")

    # The points payment tours run in TestPosFrontend already.
    test_pay_with_points_and_refund = None
    test_pending_expiring_and_refusals = None

    def test_scan_card(self):
        self.main_pos_config.with_user(self.cashier).open_ui()
        self.start_pos_tour("LoyaltyPointsCardTour", login="lp_till")
        # One order paid, by Anna (selected by her card): 10 % of 80.00 earned.
        # The tour checked that the next order shows the 108 points booked here.
        orders = self.env["pos.order"].search(
            [
                ("session_id", "=", self.main_pos_config.current_session_id.id),
                ("state", "=", "paid"),
            ]
        )
        self.assertRecordValues(
            orders,
            [
                {
                    "partner_id": self.anna.id,
                    "amount_total": 80.0,
                    "loyalty_points_earned": 8.0,
                    "loyalty_points_balance": 108.0,
                }
            ],
        )
        self.assertEqual(self.anna_account.balance, 108.0)
