from odoo.tests import TransactionCase, tagged

from .common import LoyaltyPointsCase


@tagged("post_install", "-at_install")
class TestBonusDemo(TransactionCase, LoyaltyPointsCase):
    """The demo data shows each bonus on a named customer."""

    def _demo(self, xml_id):
        record = self.env.ref(f"loyalty_points.{xml_id}", raise_if_not_found=False)
        if not record:
            self.fail(f"demo record loyalty_points.{xml_id} is missing: demo data not loaded?")
        return record

    def _bonuses(self, partner):
        return (
            self.env["loyalty.points.entry"]
            .sudo()
            .search([("partner_id", "=", partner.id), ("kind", "=", "bonus")], order="id")
        )

    def test_demo_bonuses(self):
        mia = self._demo("res_partner_demo_mia")
        oliver = self._demo("res_partner_demo_oliver")
        nina = self._demo("res_partner_demo_nina")
        self.assertEqual(oliver.loyalty_points_referrer_id, mia)
        self.assertRecordValues(
            self._bonuses(oliver),
            [
                {"bonus_type": "welcome", "points": 50},
                {"bonus_type": "referral", "points": 100},
            ],
        )
        self.assertRecordValues(
            self._bonuses(mia),
            [{"bonus_type": "referral", "points": 200}, {"bonus_type": "birthday", "points": 100}],
        )
        self.assertTrue(nina.loyalty_points_excluded)
        order = self._demo("pos_order_demo_nina_1")
        self.assertTrue(order.loyalty_points_booked)
        self.assertFalse(order.loyalty_points_entry_ids)
        self.assertFalse(self._bonuses(nina))
        self.assertLedgerConsistent(self.env["loyalty.points.account"].sudo().search([]))

    def test_demo_pending_points(self):
        leo = self._demo("res_partner_demo_leo")
        order = self._demo("pos_order_demo_leo_1")
        account = self.env["loyalty.points.account"].sudo().search([("partner_id", "=", leo.id)])
        lots = order.loyalty_points_entry_ids
        self.assertTrue(lots)
        self.assertTrue(all(lots.mapped("pending")))
        self.assertEqual(account.balance, 0)
        self.assertEqual(account.pending_points, sum(lots.mapped("points")))
        self.assertGreater(account.next_available_date, order.loyalty_points_date)
        self.assertLedgerConsistent(account)
