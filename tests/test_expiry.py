from datetime import timedelta

from freezegun import freeze_time
from lxml import html

from odoo.exceptions import AccessError
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
            # one entry for both due lots of the account, whatever the batches
            expired = self._expire_entries(account)
            self.assertEqual(expired.mapped("points"), [-30])
            self.assertEqual(sorted(expired.debit_allocation_ids.mapped("points")), [10, 20])
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

    def test_one_entry_per_account_allocated_to_each_due_lot(self):
        first = self._book(self.account, "earn", 100, expiry_days=2)
        second = self._book(self.account, "earn", 40, expiry_days=3)
        third = self._book(self.account, "bonus", 15, expiry_days=1, bonus_type="welcome")
        later = self._book(self.account, "earn", 60, expiry_days=30)
        self._book(self.account, "redeem", -25)  # first expiring first: 15 + 10 of the first
        self._book(self.account, "redeem", -30)  # 30 of the first
        lots = third | first | second
        self.assertEqual(lots.mapped("remaining"), [0, 60, 40])
        with freeze_time(self.today + timedelta(days=4)):
            self._expire_all()
        expired = self._expire_entries(self.account)
        self.assertRecordValues(
            expired,
            [
                {
                    "points": -100,
                    "remaining": 0,
                    "idempotency_key": f"expire:{self.account.id}:{first.id}",
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                }
            ],
        )
        # the expired points show per lot: one allocation for each open due lot
        self.assertEqual(
            {(a.credit_entry_id, a.points) for a in expired.debit_allocation_ids},
            {(first, 60), (second, 40)},
        )
        self.assertEqual(
            sorted(expired.debit_allocation_ids.mapped("credit_expiry_date")),
            [first.expiry_date, second.expiry_date],
        )
        self.assertEqual((lots | later).mapped("remaining"), [0, 0, 0, 60])
        self.assertEqual(self.account.balance, 60)
        self.assertLedgerConsistent(self.account)

    def test_lots_of_several_accounts_in_one_batch(self):
        customers = self.env["res.partner"].create([{"name": f"Member {i}"} for i in range(3)])
        accounts = self.env["loyalty.points.account"]._get_or_create(customers, self.company)
        lots = {}
        for points, account in enumerate(accounts, start=1):
            lots[account] = self._book(account, "earn", points, expiry_days=1) | self._book(
                account, "earn", 10 * points, expiry_days=2
            )
            self._book(account, "earn", 100, expiry_days=90)
        cron = self.env.ref("loyalty_points.ir_cron_expire_points")
        cron, progress = cron._add_progress()
        day = self.today + timedelta(days=3)
        with freeze_time(day):
            Entry = cron.env["loyalty.points.entry"]
            due = Entry.search_count([("remaining", ">", 0), ("expiry_date", "<", day)])
            self.assertGreaterEqual(due, 6)  # ours, and the demo's if any
            left = Entry._cron_expire_points(batch_size=100)
        self.assertEqual(left, 0)
        self.assertRecordValues(progress, [{"done": due, "remaining": 0}])  # lots, not entries
        for points, account in enumerate(accounts, start=1):
            expired = self._expire_entries(account)
            self.assertEqual(expired.mapped("points"), [-11 * points])
            # allocated to this account's own lots only
            self.assertEqual(expired.debit_allocation_ids.credit_entry_id, lots[account])
            self.assertEqual(account.balance, 100)
        self.assertLedgerConsistent(accounts)

    def test_a_rerun_the_same_day_expires_points_given_back_since(self):
        lot = self._book(self.account, "earn", 100, expiry_days=3)
        redeem = self._book(self.account, "redeem", -30)
        with freeze_time(self.today + timedelta(days=4)):
            self._expire_all()
            self.assertEqual(self.account.balance, 0)
            # a refund gives the 30 points back, with their lot's expiry: past
            Entry = self.env["loyalty.points.entry"]
            giveback = Entry._post(
                redeem._prepare_reversal_vals(30, self.env["pos.order"], event="giveback")
            )
            self.assertRecordValues(
                giveback, [{"points": 30, "remaining": 30, "expiry_date": lot.expiry_date}]
            )
            self._expire_all()
            self._expire_all()  # nothing left to find
        expired = self._expire_entries(self.account)
        self.assertEqual(sorted(expired.mapped("points")), [-70, -30])
        self.assertEqual(len(set(expired.mapped("idempotency_key"))), 2)
        self.assertEqual(expired.debit_allocation_ids.mapped("credit_entry_id"), lot | giveback)
        self.assertEqual(self.account.balance, 0)
        self.assertLedgerConsistent(self.account)

    def test_an_overdrawn_account(self):
        # overdrawn by 50, then a lot that pays the debt back first
        self._book(self.account, "redeem", -50)
        lot = self._book(self.account, "earn", 80, expiry_days=1)
        self.assertEqual((lot.remaining, self.account.balance), (30, 30))
        # still overdrawn: no open lot, nothing to expire
        self._book(self.other_account, "redeem", -20)
        with freeze_time(self.today + timedelta(days=2)):
            self._expire_all()
        self.assertRecordValues(self._expire_entries(self.account), [{"points": -30}])
        self.assertEqual((lot.remaining, self.account.balance), (0, 0))
        # the lot's allocations: 50 to the debt, 30 to the expiry
        self.assertEqual(sorted(lot.credit_allocation_ids.mapped("points")), [30, 50])
        self.assertFalse(self._expire_entries(self.other_account))
        self.assertEqual(self.other_account.balance, -20)
        self.assertLedgerConsistent(self.account | self.other_account)

    def test_a_killed_batch_changes_nothing(self):
        lots = self._book(self.account, "earn", 10, expiry_days=1) | self._book(
            self.account, "earn", 20, expiry_days=2
        )
        with freeze_time(self.today + timedelta(days=3)):
            Entry = self.env["loyalty.points.entry"]
            self._run_killed_batch(Entry._cron_expire_points)
            self.assertFalse(self._expire_entries(self.account))
            self.assertEqual(lots.mapped("remaining"), [10, 20])
            self.assertEqual(self.account.balance, 30)
            self.assertFalse(lots.credit_allocation_ids)
            self._expire_all()
        self.assertEqual(self._expire_entries(self.account).mapped("points"), [-30])
        self.assertLedgerConsistent(self.account)

    def test_statement_aging_and_rollforward_after_expiry(self):
        program = self.env["loyalty.points.program"].create(
            {"name": "5 % back", "scope": "all", "earn_mode": "percent", "earn_rate": 5.0}
        )
        first = self._book(self.account, "earn", 100, expiry_days=1, program_id=program.id)
        second = self._book(self.account, "adjust", 40, expiry_days=2, note="gift")
        self._book(self.account, "earn", 25, expiry_days=200, program_id=program.id)
        self._book(self.account, "redeem", -10)
        day = self.today + timedelta(days=3)
        with freeze_time(day):
            self._expire_all()
            # the statement: one line for the expiry, with the lots' expiry dates
            values = self.env["report.loyalty_points.report_customer_statement"].with_context(
                tz="UTC"
            )
            values = values._get_report_values(
                self.account.ids, {"date_from": str(day), "date_to": str(day)}
            )
            statement = values["statements"][self.account.id]
            self.assertEqual((statement["opening"], statement["closing"]), (155, 25))
            self.assertEqual(
                [(line["entry"].kind, line["entry"].points) for line in statement["lines"]],
                [("expire", -130)],
            )
            self.assertEqual(
                statement["lines"][0]["expired_after"], [first.expiry_date, second.expiry_date]
            )
            content, _type = self.env["ir.actions.report"]._render_qweb_html(
                "loyalty_points.action_report_customer_statement",
                self.account.ids,
                data={"date_from": str(day), "date_to": str(day)},
            )
            lots_note = html.fromstring(content).find_class("o_statement_expired_lots")
            self.assertEqual(len(lots_note), 1)
            self.assertEqual(lots_note[0].text_content().count(","), 1)  # two days
            # the aging: only the lot that is still open
            Aging = self.env["loyalty.points.aging.report"]
            aging = Aging.search([("account_id", "=", self.account.id)])
            self.assertEqual(aging.mapped("points"), [25])
            buckets = Aging._get_buckets(self.company, day)
            self.assertEqual(sum(row[0] for row in buckets.values()), self._open_points())
            # the roll-forward: expired per company, and per program through the lots
            Rollforward = self.env["loyalty.points.rollforward"].with_context(tz="UTC")
            figures = Rollforward._get_figures(self.company, day, day)
            self.assertEqual(figures[self.company.id, False]["expired"], -130)
            by_program = Rollforward._get_figures(self.company, day, day, by_program=True)
            self.assertEqual(by_program[self.company.id, program.id]["expired"], -90)
            self.assertEqual(by_program[self.company.id, False]["expired"], -40)
        self.assertLedgerConsistent(self.account)

    def _open_points(self):
        self.env["loyalty.points.entry"].flush_model()
        self.env.cr.execute(
            "SELECT COALESCE(SUM(remaining), 0) FROM loyalty_points_entry"
            " WHERE remaining > 0 AND company_id = %s",
            [self.company.id],
        )
        return float(self.env.cr.fetchone()[0])

    def test_allocations_stay_within_the_companies_of_the_user(self):
        # allocations carry no company of their own: the rule reads the debit's
        other_company = self.env["res.company"].create({"name": "Other Shop"})
        other_account = self.env["loyalty.points.account"]._get_or_create(
            self.other_customer, other_company
        )
        for account in (self.account, other_account):
            self._book(account, "earn", 50, expiry_days=1)
        with freeze_time(self.today + timedelta(days=2)):
            self._expire_all()
        mine = self._expire_entries(self.account).debit_allocation_ids
        theirs = self._expire_entries(other_account).debit_allocation_ids
        self.assertEqual((len(mine), len(theirs)), (1, 1))
        self.assertEqual(theirs.company_id, other_company)
        Allocation = self.env["loyalty.points.allocation"].with_user(self.manager)
        visible = Allocation.search([("id", "in", (mine | theirs).ids)])
        self.assertEqual(visible, mine.with_user(self.manager))
        self.assertEqual(
            Allocation.search([("company_id", "=", self.company.id), ("id", "in", mine.ids)]),
            visible,
        )
        with self.assertRaises(AccessError):
            theirs.with_user(self.manager).read(["points"])
