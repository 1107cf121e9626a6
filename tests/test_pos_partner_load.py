from odoo.tests import tagged

from .common import LoyaltyPointsPosCommon


@tagged("post_install", "-at_install")
class TestPosPartnerLoad(LoyaltyPointsPosCommon):
    """The till loads the balance and tier of its customers with them."""

    def _loaded_partners(self):
        session = self.pos_session.with_user(self.cashier)
        data = session.load_data(["pos.config", "pos.order", "res.partner"])
        return {row["id"]: row for row in data["res.partner"]["data"]}

    def test_balance_and_tier_loaded_with_the_customers(self):
        silver = self.env["loyalty.points.tier"].create(
            {"name": "Silver", "company_id": self.company.id, "min_turnover": 0.0}
        )
        account = self.Account._get_or_create(self.anna, self.company)
        self._opening(self.anna, (120.0, False))
        account._update_tiers()
        partners = self._loaded_partners()
        if self.anna.id not in partners:
            self.skipTest("the config loads a limited set of customers")
        self.assertEqual(partners[self.anna.id]["loyalty_points_balance"], 120.0)
        self.assertEqual(partners[self.anna.id]["loyalty_tier_id"], silver.id)
        if self.boris.id in partners:
            self.assertEqual(partners[self.boris.id]["loyalty_points_balance"], 0.0)
            self.assertFalse(partners[self.boris.id]["loyalty_tier_id"])
