from datetime import timedelta

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import LoyaltyPointsPosCommon


@tagged("post_install", "-at_install")
class TestPosTiers(LoyaltyPointsPosCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls.env["product.pricelist"].create({"name": "Silver card"})
        Tier = cls.env["loyalty.points.tier"]
        cls.bronze = Tier.create({"name": "Bronze", "min_turnover": 0})
        cls.silver = Tier.create(
            {
                "name": "Silver",
                "min_turnover": 150,
                "earn_multiplier": 1.5,
                "pricelist_id": cls.card.id,
            }
        )
        cls.gold = Tier.create({"name": "Gold", "min_turnover": 1000, "earn_multiplier": 2})

    def test_tier_follows_turnover_and_multiplies_points(self):
        order = self._sync([(self.product_a, 1)], customer=self.anna)
        account = self._account(self.anna)
        self.assertRecordValues(account, [{"tier_id": self.bronze.id, "turnover": 100}])
        self.assertEqual(order.loyalty_points_tier_id, self.bronze)
        order = self._sync([(self.product_a, 1)], customer=self.anna)  # earns as Bronze
        self.assertEqual(order.loyalty_points_earned, 10)
        self.assertRecordValues(account, [{"tier_id": self.silver.id, "turnover": 200}])
        self.assertEqual(self.anna.loyalty_tier_id, self.silver)
        order = self._sync([(self.product_b, 1)], customer=self.anna)  # 5 points x 1.5
        self.assertEqual(order.loyalty_points_earned, 7)
        self.assertTrue(any("to Silver" in body for body in account.message_ids.mapped("body")))
        self.assertLedgerConsistent(account)

    def test_downgrade_when_the_window_slides(self):
        self._sync([(self.product_a, 2)], customer=self.anna)
        account = self._account(self.anna)
        self.assertEqual(account.tier_id, self.silver)
        with freeze_time(self.pos_session.start_at + timedelta(days=370)):
            self._run_cron(self.env["loyalty.points.account"]._cron_recompute_tiers, batch_size=1)
        self.assertRecordValues(account, [{"tier_id": self.bronze.id, "turnover": 0}])

    def test_lifetime_window(self):
        self.company.loyalty_points_tier_months = 0
        self._sync([(self.product_a, 2)], customer=self.anna)
        account = self._account(self.anna)
        with freeze_time(self.pos_session.start_at + timedelta(days=3000)):
            self.env["loyalty.points.account"]._cron_recompute_tiers()
        self.assertEqual(account.tier_id, self.silver)

    def test_refunds_lower_the_turnover(self):
        order = self._sync([(self.product_a, 2)], customer=self.anna)
        self.assertEqual(self._account(self.anna).tier_id, self.silver)
        self._refund(order, {order.lines: 1})
        self.assertRecordValues(
            self._account(self.anna), [{"tier_id": self.bronze.id, "turnover": 100}]
        )

    def test_pricelist_assigned_and_restored(self):
        previous = self.env["product.pricelist"].create({"name": "Neighbours"})
        self.anna.property_product_pricelist = previous
        contact = self.env["res.partner"].create({"name": "Anna's son", "parent_id": self.anna.id})
        order = self._sync([(self.product_a, 2)], customer=self.anna)
        self.assertEqual(self.anna.property_product_pricelist, self.card)
        self.assertEqual(contact.property_product_pricelist, self.card)
        self._refund(order, {order.lines: 2})
        self.assertEqual(self._account(self.anna).tier_id, self.bronze)
        self.assertEqual(self.anna.property_product_pricelist, previous)
        self.assertEqual(contact.property_product_pricelist, previous)

    def test_no_chosen_pricelist_is_restored_as_none(self):
        default = self.boris.property_product_pricelist
        order = self._sync([(self.product_a, 2)], customer=self.boris)
        self.assertEqual(self.boris.specific_property_product_pricelist, self.card)
        self._refund(order, {order.lines: 2})
        self.assertFalse(self.boris.specific_property_product_pricelist)
        self.assertEqual(self.boris.property_product_pricelist, default)

    def test_cron_batches_and_reruns(self):
        self._sync([(self.product_a, 2)], customer=self.anna)
        self._sync([(self.product_a, 1)], customer=self.boris)
        Account = self.env["loyalty.points.account"]
        self.assertEqual(Account._cron_recompute_tiers(batch_size=1), 1)
        self.assertEqual(Account._cron_recompute_tiers(batch_size=1), 0)
        self.assertEqual(Account._cron_recompute_tiers(batch_size=1), 0)  # re-run: nothing left

    def test_bad_tiers_refused(self):
        Tier = self.env["loyalty.points.tier"]
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            Tier.create({"name": "Twin", "min_turnover": 150})
        with self.assertRaises(ValidationError):
            Tier.create({"name": "Zero", "min_turnover": 70, "earn_multiplier": 0})
        with self.assertRaises(ValidationError):
            Tier.create({"name": "Negative", "min_turnover": -1})
