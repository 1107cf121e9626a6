from odoo import fields
from odoo.tests import TransactionCase, tagged

from .common import LoyaltyPointsCase


@tagged("post_install", "-at_install")
class TestDemo(TransactionCase, LoyaltyPointsCase):
    """The demo data tells a consistent story. scripts/test installs the module
    with demo data, so a missing demo record is a failure, never a skip."""

    def _demo(self, xml_id):
        record = self.env.ref(f"loyalty_points.{xml_id}", raise_if_not_found=False)
        if not record:
            self.fail(f"demo record loyalty_points.{xml_id} is missing: demo data not loaded?")
        return record

    def _entries(self, account, kind):
        return (
            self.env["loyalty.points.entry"]
            .sudo()
            .search([("account_id", "=", account.id), ("kind", "=", kind)], order="id")
        )

    def test_demo_ledger_is_consistent(self):
        accounts = self.env["loyalty.points.account"].sudo().search([])
        self.assertGreaterEqual(len(accounts), 3)
        self.assertLedgerConsistent(accounts)

    def test_demo_payment_method_is_loyalty_points(self):
        method = self._demo("pos_payment_method_demo_loyalty_points")
        self.assertTrue(method.is_loyalty_points)
        self.assertEqual(method.journal_id.type, "bank")
        shop = self.env.ref("point_of_sale.pos_config_main")
        self.assertIn(method, shop.payment_method_ids)
        company = shop.company_id
        self.assertEqual(company.loyalty_points_value, 1.0)
        self.assertEqual(company.loyalty_points_max_redeem_share, 50.0)

    def test_demo_customers_history(self):
        emma = self._demo("loyalty_points_account_demo_emma")
        lucas = self._demo("loyalty_points_account_demo_lucas")
        sofia = self._demo("loyalty_points_account_demo_sofia")
        gold = self._demo("loyalty_points_tier_demo_gold")
        silver = self._demo("loyalty_points_tier_demo_silver")
        self.assertRecordValues(
            emma | lucas | sofia,
            [
                {"balance": 3324, "tier_id": gold.id, "turnover": 21600},
                {"balance": 483, "tier_id": silver.id, "turnover": 7445},
                {
                    "balance": 65,
                    "tier_id": self._demo("loyalty_points_tier_demo_bronze").id,
                    "turnover": 150,
                },
            ],
        )
        # the tiers' discount cards are the customers' pricelists
        self.assertEqual(emma.partner_id.property_product_pricelist, gold.pricelist_id)
        self.assertEqual(lucas.partner_id.property_product_pricelist, silver.pricelist_id)
        self.assertEqual(
            sofia.partner_id.property_product_pricelist,
            self._demo("product_pricelist_demo_default"),
        )
        # an expired lot
        expired = self._entries(emma, "expire")
        self.assertRecordValues(expired, [{"points": -215}])
        self.assertRecordValues(
            expired.debit_allocation_ids.credit_entry_id, [{"points": 215, "remaining": 0}]
        )
        # a partly spent lot
        redeem = self._entries(lucas, "redeem")
        self.assertRecordValues(redeem, [{"points": -250}])
        self.assertRecordValues(
            redeem.debit_allocation_ids.credit_entry_id, [{"points": 329, "remaining": 79}]
        )
        self.assertEqual(
            self._demo("pos_order_demo_lucas_3").loyalty_points_redeemed,
            250,
        )
        # a manual adjustment with its reason, and points that expire soon
        adjustment = self._demo("loyalty_points_entry_demo_sofia_goodwill")
        self.assertEqual(adjustment.account_id, sofia)
        self.assertTrue(adjustment.note)
        self.assertEqual(adjustment.user_id, self.env.ref("base.user_admin"))
        self.assertEqual(sofia.expiring_points, 15)

    def test_demo_survives_the_daily_jobs(self):
        accounts = self.env["loyalty.points.account"].sudo().search([])
        tiers = {account: account.tier_id for account in accounts}
        for job in (
            self.env["loyalty.points.entry"]._cron_expire_points,
            self.env["loyalty.points.account"]._cron_recompute_tiers,
        ):
            for _i in range(100):
                if not job():
                    break
        self.assertEqual({account: account.tier_id for account in accounts}, tiers)
        self.assertFalse(self._entries(self._demo("loyalty_points_account_demo_lucas"), "expire"))
        self.assertLedgerConsistent(accounts)

    def test_demo_settings_tell_the_journal_story(self):
        """The settings say what the journal shows: Oliver's welcome bonus and
        Leo's pending points come from the shop's own settings (issue 24, 9)."""
        company = self.env.ref("base.main_company")
        welcome = (
            self.env["loyalty.points.entry"]
            .sudo()
            .search([("bonus_type", "=", "welcome"), ("company_id", "=", company.id)])
        )
        self.assertTrue(welcome)
        self.assertEqual(set(welcome.mapped("points")), {company.loyalty_points_welcome_points})
        leo = self._demo("pos_order_demo_leo_1")
        lot = leo.loyalty_points_entry_ids.filtered("pending")[:1]
        self.assertTrue(lot)
        # counted from the day the order was booked (not its sale day)
        booked = fields.Date.context_today(lot, lot.create_date)
        self.assertEqual((lot.available_date - booked).days, company.loyalty_points_pending_days)
        self.assertEqual(company.loyalty_points_pending_days, 14)
        # the shop's till applies the tiers' discount cards: nothing to warn about
        shop = self.env.ref("point_of_sale.pos_config_main")
        self.assertFalse(company._loyalty_points_pricelist_warning(configs=shop))
        self.assertTrue(shop.use_pricelist)
        self.assertIn(self._demo("product_pricelist_demo_gold_card"), shop.available_pricelist_ids)

    def test_demo_shows_one_loyalty_system(self):
        """Odoo's own loyalty demo programs (pos_loyalty installs them beside
        the addon in scripts/test and scripts/run) are archived: the till, the
        receipt and /my show Loyalty Points only (issue 24, 1)."""
        if "loyalty.program" not in self.env:
            self.fail("scripts/test installs pos_loyalty beside the addon")
        company = self.env.ref("base.main_company")
        self.assertFalse(
            self.env["loyalty.program"].search([("company_id", "in", [False, company.id])])
        )
        odoo_demo = self.env.ref("pos_loyalty.loyalty_program", raise_if_not_found=False)
        self.assertTrue(odoo_demo, "pos_loyalty's demo program exists")
        self.assertFalse(odoo_demo.active)
        self.assertFalse(company._loyalty_points_odoo_programs_warning())
