import re
from datetime import date, timedelta

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from ..tools import ledger_context
from .common import LoyaltyPointsCase

ENTRY_ROW = 'class="o_loyalty_points_entry"'
BALANCE_RE = re.compile(r'class="o_loyalty_points_balance"[^>]*>([\d.,]+)<')


@tagged("post_install", "-at_install")
class TestPortal(HttpCase, LoyaltyPointsCase):
    """/my/loyalty: a portal customer sees their own accounts, and only them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write(
            {
                "loyalty_points_validity_days": 365,
                "loyalty_points_rounding": 1.0,
                "loyalty_points_warning_days": 7,
            }
        )
        cls.today = date.today()
        Tier = cls.env["loyalty.points.tier"]
        Tier.search([("company_id", "=", cls.company.id)]).unlink()
        cls.bronze, cls.gold = Tier.create(
            [
                {"name": "Bronze", "min_turnover": 0.0},
                {"name": "Gold", "min_turnover": 1000.0},
            ]
        )
        # the account belongs to the commercial partner of the portal user
        cls.salon = cls.env["res.partner"].create({"name": "Petrova Salon", "is_company": True})
        cls.portal_user = new_test_user(
            cls.env,
            login="lp_portal",
            groups="base.group_portal",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.portal_user.partner_id.parent_id = cls.salon
        cls.other_customer = cls.env["res.partner"].create({"name": "Boris Ivanov"})
        Account = cls.env["loyalty.points.account"]
        cls.account = Account._get_or_create(cls.salon, cls.company)
        cls.other_account = Account._get_or_create(cls.other_customer, cls.company)
        cls._book(cls.account, "earn", 300, 5)
        cls._book(cls.account, "earn", 45, 40, note="Welcome to the club")
        cls._book(cls.other_account, "earn", 777, 10, note="Boris secret note")
        cls.account.with_context(**ledger_context()).write(
            {"turnover": 400.0, "tier_id": cls.bronze.id}
        )
        cls.account.action_issue_card("PP-000123")

    def _page(self, url="/my/loyalty"):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("/web/login", response.url, "the portal user is logged in")
        return response.text

    def _call_kw(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def test_page_shows_own_account(self):
        self.authenticate("lp_portal", "lp_portal")
        page = self._page()
        self.assertEqual(BALANCE_RE.findall(page), ["345"])
        self.assertIn("Bronze", page)
        # the turnover still needed for the next tier
        self.assertRegex(page, r"(?s)o_loyalty_points_next_tier.*600\.00.*Gold")
        # the card number and its barcode (not 13 digits: Code 128)
        self.assertIn("PP-000123", page)
        self.assertIn("/report/barcode/?barcode_type=Code128&amp;value=PP-000123", page)
        # points expiring soon: within the company's warning window (7 days)
        # only; the lot of 40 days is "later"
        expiring = page[page.index("o_loyalty_points_expiring") : page.index("Points journal")]
        first = self.today + timedelta(days=5)
        second = self.today + timedelta(days=40)
        self.assertIn(first.strftime("%m/%d/%Y"), expiring)
        self.assertNotIn(second.strftime("%m/%d/%Y"), expiring)
        self.assertIn(">300<", expiring)
        self.assertRegex(
            expiring, r"(?s)o_loyalty_points_expiring_later.*?>45<.*?more points expire later"
        )
        # the journal: kind label and note
        self.assertEqual(page.count(ENTRY_ROW), 2)
        self.assertIn("Earned", page)
        self.assertIn("Welcome to the club", page)
        # nothing of the other customer
        self.assertNotIn("777", page)
        self.assertNotIn("Boris", page)

    def test_expiring_soon_without_a_warning_window_looks_90_days_ahead(self):
        self.company.loyalty_points_warning_days = 0
        self._book(self.account, "earn", 12, 200)
        self.authenticate("lp_portal", "lp_portal")
        page = self._page()
        expiring = page[page.index("o_loyalty_points_expiring") : page.index("Points journal")]
        for days in (5, 40):
            self.assertIn((self.today + timedelta(days=days)).strftime("%m/%d/%Y"), expiring)
        self.assertNotIn((self.today + timedelta(days=200)).strftime("%m/%d/%Y"), expiring)
        self.assertRegex(
            expiring, r"(?s)o_loyalty_points_expiring_later.*?>12<.*?more points expire later"
        )

    def test_expiring_lots_beyond_those_shown_count_as_later(self):
        """Only the first days are listed: the points of the days after them
        still show, as points that expire later."""
        self.company.loyalty_points_warning_days = 0
        for days in range(10, 16):  # six more days within the window
            self._book(self.account, "earn", 1, days)
        self.authenticate("lp_portal", "lp_portal")
        page = self._page()
        expiring = page[page.index("o_loyalty_points_expiring") : page.index("Points journal")]
        # listed: 5, 10, 11, 12, 13 days; later: 14 and 15 days (1 each) and 40 days (45)
        self.assertIn((self.today + timedelta(days=13)).strftime("%m/%d/%Y"), expiring)
        self.assertNotIn((self.today + timedelta(days=14)).strftime("%m/%d/%Y"), expiring)
        self.assertRegex(
            expiring, r"(?s)o_loyalty_points_expiring_later.*?>47<.*?more points expire later"
        )

    def test_ean13_card_barcode_and_highest_tier(self):
        self.account.action_block_card()
        self.account.action_issue_card("4006381333931")
        self.account.with_context(**ledger_context()).write(
            {"turnover": 5000.0, "tier_id": self.gold.id}
        )
        self.authenticate("lp_portal", "lp_portal")
        page = self._page()
        self.assertIn("/report/barcode/?barcode_type=EAN13&amp;value=4006381333931", page)
        self.assertNotIn("PP-000123", page)
        self.assertNotIn("o_loyalty_points_next_tier", page)
        self.assertIn("highest tier", page)

    def test_home_tile_and_counter(self):
        self.authenticate("lp_portal", "lp_portal")
        home = self._page("/my")
        self.assertIn('href="/my/loyalty"', home)
        self.assertIn('data-placeholder_count="loyalty_points_count"', home)
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["loyalty_points_count"]})
        self.assertEqual(counters["loyalty_points_count"], 1)

    def test_paging(self):
        self.env["loyalty.points.entry"]._post(
            [
                {"account_id": self.account.id, "kind": "adjust", "points": 1, "note": f"n{i}"}
                for i in range(23)
            ]
        )
        self.authenticate("lp_portal", "lp_portal")
        first = self._page()
        self.assertEqual(first.count(ENTRY_ROW), 20)
        self.assertIn("/my/loyalty/page/2", first)
        second = self._page("/my/loyalty/page/2")
        self.assertEqual(second.count(ENTRY_ROW), 5)
        # the oldest entries on the last page, newest first on the first one
        self.assertIn("Welcome to the club", second)
        self.assertNotIn("Welcome to the club", first)
        self.assertIn(">n22<", first)
        self.assertEqual(BALANCE_RE.findall(second), ["368"])

    def test_companies_of_the_user_only(self):
        Account = self.env["loyalty.points.account"]
        second = self.env["res.company"].create({"name": "Second Shop Ltd"})
        foreign = self.env["res.company"].create({"name": "Foreign Shop Ltd"})
        self.portal_user.write({"company_ids": [Command.link(second.id)]})
        self._book(Account._get_or_create(self.salon, second), "adjust", 12, note="second")
        self._book(Account._get_or_create(self.salon, foreign), "adjust", 99, note="foreign")
        self.authenticate("lp_portal", "lp_portal")
        page = self._page()
        self.assertEqual(sorted(BALANCE_RE.findall(page)), ["12", "345"])
        self.assertIn("Second Shop Ltd", page)
        self.assertNotIn("Foreign Shop Ltd", page)
        self.assertNotIn("foreign", page)

    def test_no_account(self):
        new_test_user(self.env, login="lp_portal_new", groups="base.group_portal")
        self.authenticate("lp_portal_new", "lp_portal_new")
        page = self._page()
        self.assertIn("o_loyalty_points_no_account", page)
        self.assertNotIn("o_loyalty_points_balance", page)
        self.assertNotIn("777", page)

    def test_rpc_reads_only_own_data(self):
        self.authenticate("lp_portal", "lp_portal")
        accounts = self._call_kw(
            "loyalty.points.account", "search_read", [[]], {"fields": ["balance"]}
        )
        self.assertEqual([a["id"] for a in accounts], self.account.ids)
        entries = self._call_kw("loyalty.points.entry", "search_read", [[]], {"fields": ["points"]})
        self.assertEqual(sorted(e["points"] for e in entries), [45.0, 300.0])
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self._call_kw("loyalty.points.account", "read", [self.other_account.ids, ["balance"]])
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self._call_kw(
                "loyalty.points.entry", "read", [self.other_account.entry_ids.ids, ["note"]]
            )
        # tiers of the user's company are readable (their names are on the page)
        tiers = self._call_kw("loyalty.points.tier", "search_read", [[]], {"fields": ["name"]})
        self.assertEqual({t["name"] for t in tiers}, {"Bronze", "Gold"})

    def test_rpc_cannot_book_or_change(self):
        self.authenticate("lp_portal", "lp_portal")
        own_entry = self.account.entry_ids[:1]
        attempts = [
            (
                "loyalty.points.entry",
                "create",
                [[{"account_id": self.account.id, "kind": "adjust", "points": 1000}]],
            ),
            ("loyalty.points.entry", "write", [own_entry.ids, {"remaining": 9999}]),
            ("loyalty.points.entry", "unlink", [own_entry.ids]),
            ("loyalty.points.account", "write", [self.account.ids, {"turnover": 99999}]),
            ("loyalty.points.account", "create", [[{"partner_id": self.salon.id}]]),
            ("loyalty.points.tier", "write", [self.bronze.ids, {"min_turnover": 1}]),
        ]
        for model, method, args in attempts:
            with self.subTest(model=model, method=method):
                with self.assertRaisesRegex(JsonRpcException, "AccessError|UserError"):
                    self._call_kw(model, method, args)
        self.account.invalidate_recordset()
        self.assertEqual(self.account.balance, 345.0)
        self.assertEqual(self.account.turnover, 400.0)
        self.assertEqual(len(self.account.entry_ids), 2)
        self.assertEqual(self.bronze.min_turnover, 0.0)
        self.assertLedgerConsistent(self.account | self.other_account)

    def test_pending_points_and_their_day(self):
        available = self.today + timedelta(days=10)
        self._book(self.account, "earn", 12, 400, available_date=available)
        self.authenticate("lp_portal", "lp_portal")
        page = self._page()
        self.assertEqual(BALANCE_RE.findall(page), ["345"])  # not spendable yet
        pending = page[page.index("o_loyalty_points_pending") :]
        self.assertRegex(pending, r"(?s)^.*?>12<.*?pending points")
        self.assertIn(available.strftime("%m/%d/%Y"), pending[:400])
