from datetime import timedelta

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import LoyaltyPointsPosCommon


@tagged("post_install", "-at_install")
class TestBonusVisitTiers(LoyaltyPointsPosCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Tier = cls.env["loyalty.points.tier"]
        cls.bronze = Tier.create({"name": "Bronze", "sequence": 1, "min_turnover": 0})
        cls.silver = Tier.create({"name": "Silver", "sequence": 2, "min_turnover": 250})
        # "3 visits in 12 months" makes a Gold member, whatever the turnover
        cls.gold = Tier.create(
            {"name": "Gold", "sequence": 3, "min_visits": 3, "earn_multiplier": 2}
        )

    def test_visit_tier_reached_and_lost(self):
        account = self.Account._get_or_create(self.anna, self.company)
        self._sync([(self.product_b, 1)], customer=self.anna)
        self._sync([(self.product_b, 1)], customer=self.anna)
        self.assertRecordValues(account, [{"tier_id": self.bronze.id, "visit_count": 2}])
        order = self._sync([(self.product_b, 1)], customer=self.anna)  # the 3rd visit
        self.assertRecordValues(
            account, [{"tier_id": self.gold.id, "visit_count": 3, "turnover": 150}]
        )
        self.assertEqual(order.loyalty_points_tier_id, self.gold)
        order = self._sync([(self.product_b, 1)], customer=self.anna)  # earns as Gold
        self.assertEqual(order.loyalty_points_earned, 10)
        # a refund is no visit, and the order it refunds in full is no longer one
        self._refund(order, {order.lines: 1})
        self.assertRecordValues(account, [{"tier_id": self.gold.id, "visit_count": 3}])
        # the window slides past the visits: Gold is lost
        with freeze_time(self.pos_session.start_at + timedelta(days=370)):
            self._run_cron(self.Account._cron_recompute_tiers)
        self.assertRecordValues(account, [{"tier_id": self.bronze.id, "visit_count": 0}])
        self.assertLedgerConsistent(account)

    def test_visits_and_turnover_together(self):
        self.gold.min_turnover = 500  # 3 visits AND 500 of turnover
        account = self.Account._get_or_create(self.boris, self.company)
        for _i in range(3):
            self._sync([(self.product_a, 1)], customer=self.boris)
        self.assertRecordValues(account, [{"tier_id": self.silver.id, "visit_count": 3}])
        self._sync([(self.product_a, 2)], customer=self.boris)
        self.assertRecordValues(
            account, [{"tier_id": self.gold.id, "visit_count": 4, "turnover": 500}]
        )

    def test_turnover_only_tiers_skip_the_visit_count(self):
        self.gold.unlink()
        account = self.Account._get_or_create(self.anna, self.company)
        self._sync([(self.product_a, 3)], customer=self.anna)
        self.assertRecordValues(account, [{"tier_id": self.silver.id, "visit_count": 0}])

    def test_the_account_shows_the_visits_of_the_window_always(self):
        """No tier asks for visits: the sync does not count them, the account
        form still shows the window's visits (issue 24, 10)."""
        self.gold.unlink()
        account = self.Account._get_or_create(self.anna, self.company)
        for _i in range(4):
            self._sync([(self.product_b, 1)], customer=self.anna)
        self.assertEqual(account.visit_count, 0)
        self.assertEqual(account.with_user(self.cashier).window_visit_count, 4)
        with freeze_time(fields.Date.today() + relativedelta(months=13)):
            account.invalidate_recordset(["window_visit_count"])
            self.assertEqual(account.window_visit_count, 0)

    def test_bad_visit_tiers_refused(self):
        Tier = self.env["loyalty.points.tier"]
        with self.assertRaises(ValidationError):
            Tier.create({"name": "Minus", "min_turnover": 10, "min_visits": -1})
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            Tier.create({"name": "Twin", "min_visits": 3})
        Tier.create({"name": "Platinum", "min_visits": 5})  # same turnover, more visits
