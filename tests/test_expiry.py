from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import LoyaltyPointsCommon


@tagged("post_install", "-at_install")
class TestExpiry(LoyaltyPointsCommon):
    def _expire_all(self, batch_size=1000):
        self._run_cron(self.env["loyalty.points.entry"]._cron_expire_points, batch_size=batch_size)

    def _expire_entries(self, account):
        return (
            self.env["loyalty.points.entry"]
            .sudo()
            .search([("account_id", "=", account.id), ("kind", "=", "expire")])
        )

    def test_expiry_of_a_partly_consumed_lot(self):
        soon = self._book(self.account, "earn", 100, expiry_days=3)
        later = self._book(self.account, "earn", 40, expiry_days=60)
        self._book(self.account, "redeem", -30)
        with freeze_time(self.today + timedelta(days=4)):
            self._expire_all()
        expired = self._expire_entries(self.account)
        self.assertRecordValues(expired, [{"points": -70, "remaining": 0}])
        self.assertRecordValues(
            expired.debit_allocation_ids, [{"credit_entry_id": soon.id, "points": 70}]
        )
        self.assertEqual((soon.remaining, later.remaining), (0, 40))
        self.assertEqual(self.account.balance, 40)
        self.assertLedgerConsistent(self.account)

    def test_lot_is_valid_through_its_expiry_day(self):
        lot = self._book(self.account, "earn", 10, expiry_days=3)
        with freeze_time(self.today + timedelta(days=3)):
            self._expire_all()
        self.assertEqual(lot.remaining, 10)
        self.assertFalse(self._expire_entries(self.account))

    def test_second_run_changes_nothing(self):
        self._book(self.account, "earn", 100, expiry_days=1)
        self._book(self.account, "adjust", 5, note="never expires")
        with freeze_time(self.today + timedelta(days=2)):
            self._expire_all()
            self._expire_all()
        self.assertEqual(len(self._expire_entries(self.account)), 1)
        self.assertEqual(self.account.balance, 5)
        self.assertLedgerConsistent(self.account)

    def test_interrupted_run_then_rerun_gives_the_same_state(self):
        customers = self.env["res.partner"].create([{"name": f"Customer {i}"} for i in range(5)])
        accounts = self.env["loyalty.points.account"]._get_or_create(customers, self.company)
        for account in accounts:
            self._book(account, "earn", 10, expiry_days=1)
            self._book(account, "earn", 20, expiry_days=1)
            self._book(account, "earn", 5, expiry_days=30)
        with freeze_time(self.today + timedelta(days=2)):
            Entry = self.env["loyalty.points.entry"]
            left = Entry._cron_expire_points(batch_size=2)  # one batch committed
            self.assertEqual(left, 8)  # the two due lots of one account expired
            self._run_killed_batch(Entry._cron_expire_points, batch_size=2)
            self._expire_all(batch_size=2)
        for account in accounts:
            self.assertEqual(account.balance, 5)
            self.assertEqual(sorted(self._expire_entries(account).mapped("points")), [-20, -10])
        self.assertLedgerConsistent(accounts)

    def test_progress_is_reported_to_the_cron(self):
        customers = self.env["res.partner"].create([{"name": f"Client {i}"} for i in range(3)])
        accounts = self.env["loyalty.points.account"]._get_or_create(customers, self.company)
        for account in accounts:
            self._book(account, "earn", 10, expiry_days=1)
        cron = self.env.ref("loyalty_points.ir_cron_expire_points")
        cron, progress = cron._add_progress()
        with freeze_time(self.today + timedelta(days=2)):
            cron.env["loyalty.points.entry"]._cron_expire_points(batch_size=2)
        self.assertRecordValues(progress, [{"done": 2, "remaining": 1}])
