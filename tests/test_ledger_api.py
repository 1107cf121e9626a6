from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from .common import LoyaltyPointsCommon


@tagged("post_install", "-at_install")
class TestLedgerApi(LoyaltyPointsCommon):
    """The ledger books: entries come only from its builders and ``_post``,
    keys only from its closed list of events, and its invariant is one query."""

    def test_entries_are_created_by_the_ledger_only(self):
        Entry = self.env["loyalty.points.entry"]
        vals = {"account_id": self.account.id, "kind": "adjust", "points": 5, "note": "x"}
        with self.assertRaises(AccessError):
            Entry.sudo().create([vals])
        self.assertFalse(self.account.entry_ids)
        entry = Entry._post(Entry._prepare_adjust_vals(self.account, 5, "Goodwill"))
        self.assertRecordValues(entry, [{"kind": "adjust", "points": 5, "note": "Goodwill"}])
        self.assertEqual(self.account.balance, 5)

    def test_keys_come_from_a_closed_list_of_events(self):
        Entry = self.env["loyalty.points.entry"]
        self.assertEqual(Entry._key("welcome", 7), "welcome:7")
        self.assertEqual(Entry._key("referral", 7, "new"), "referral:7:new")
        with self.assertRaises(ValueError):
            Entry._key("gift", 7)
        with self.assertRaises(ValueError):
            Entry._key_sql("gift")

    def test_the_sql_key_is_the_python_key(self):
        Entry = self.env["loyalty.points.entry"]
        self.env.cr.execute(SQL("SELECT %s", Entry._key_sql("expire", SQL("12"), SQL("34"))))
        self.assertEqual(self.env.cr.fetchone()[0], Entry._key("expire", 12, 34))

    def test_reversal_builders_never_reverse_more_than_is_left(self):
        Entry = self.env["loyalty.points.entry"]
        lot = self._book(self.account, "earn", 50, expiry_days=30)
        first = Entry._post(lot._prepare_reversal_vals(30, self.env["pos.order"]))
        self.assertRecordValues(first, [{"kind": "reversal", "points": -30}])
        # the same event again books nothing twice: its key is taken
        self.assertEqual(lot._prepare_reversal_vals(100, self.env["pos.order"])[0]["points"], -20)
        self.assertEqual(self.account.balance, 20)
        self.assertLedgerConsistent(self.account)

    def test_the_invariant_finds_what_breaks_it(self):
        lot = self._book(self.account, "earn", 100, expiry_days=30)
        redeem = self._book(self.account, "redeem", -40)
        Entry = self.env["loyalty.points.entry"]
        self.assertEqual(Entry._ledger_problems(self.account.ids), [])
        self.assertEqual(Entry._ledger_problems(), [])  # the whole ledger holds too
        self.env.flush_all()
        # a balance changed behind the ledger's back
        self.env.cr.execute(
            "UPDATE loyalty_points_account SET balance = 61 WHERE id = %s", [self.account.id]
        )
        # a lot whose remaining no longer matches its allocations
        self.env.cr.execute(
            "UPDATE loyalty_points_entry SET remaining = 70 WHERE id = %s", [lot.id]
        )
        # an allocation that takes more than the redeem moved (a lot spent twice)
        self.env.cr.execute(
            "UPDATE loyalty_points_allocation SET points = 50 WHERE debit_entry_id = %s",
            [redeem.id],
        )
        problems = Entry._ledger_problems(self.account.ids)
        self.assertEqual(
            sorted({problem["check"] for problem in problems}),
            ["lots", "overspent", "remaining", "sum"],
        )
        self.assertTrue(all(problem["account_id"] == self.account.id for problem in problems))
        self.assertEqual(Entry._ledger_problems(self.other_account.ids), [])

    def test_managers_check_the_ledger_from_the_settings(self):
        admin = new_test_user(
            self.env,
            login="lp_settings_admin",
            groups="base.group_system,point_of_sale.group_pos_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self._book(self.account, "earn", 100, expiry_days=30)
        settings = self.env["res.config.settings"].with_user(admin).create({})
        result = settings.action_loyalty_points_check_ledger()
        self.assertEqual(result["params"]["type"], "success")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE loyalty_points_account SET balance = 1 WHERE id = %s", [self.account.id]
        )
        self.env.invalidate_all()
        result = settings.action_loyalty_points_check_ledger()
        self.assertEqual(result["params"]["type"], "warning")
        self.assertIn(self.customer.name, result["params"]["message"])

    def test_only_point_of_sale_managers_check_the_ledger(self):
        admin = new_test_user(
            self.env,
            login="lp_settings_only",
            groups="base.group_system",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        settings = self.env["res.config.settings"].with_user(admin).create({})
        with self.assertRaises(AccessError):
            settings.action_loyalty_points_check_ledger()
