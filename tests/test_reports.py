from datetime import date, timedelta

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from ..tools import aging_bucket
from .common import LoyaltyPointsCommon

JAN = (date(2026, 1, 1), date(2026, 1, 31))
FEB = (date(2026, 2, 1), date(2026, 2, 28))


class LoyaltyPointsReportCommon(LoyaltyPointsCommon):
    """Two companies, every entry kind, over December, January and February."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # two new companies: the demo data has its own journal
        cls.company_a = cls.env["res.company"].create(
            {"name": "First Shop", "loyalty_points_value": 0.5}
        )
        cls.company_b = cls.env["res.company"].create(
            {"name": "Second Shop", "loyalty_points_value": 2.0}
        )
        cls.manager.write(
            {"company_ids": [Command.link(cls.company_a.id), Command.link(cls.company_b.id)]}
        )
        cls.program = cls.env["loyalty.points.program"].create(
            {
                "name": "5 % back",
                "scope": "all",
                "earn_mode": "percent",
                "earn_rate": 5.0,
                "company_id": cls.company_a.id,
            }
        )
        Account = cls.env["loyalty.points.account"]
        cls.account_a = Account._get_or_create(cls.customer, cls.company_a)
        cls.account_b = Account._get_or_create(cls.other_customer, cls.company_b)
        cls.companies = cls.company_a | cls.company_b
        cls.manager_env = cls.env(
            user=cls.manager, context={"allowed_company_ids": cls.companies.ids, "tz": "UTC"}
        )
        A, B = cls.account_a, cls.account_b
        book = cls._book_on
        # December: the opening balance of January
        earn_dec = book(A, "earn", 100, "2025-12-10", program_id=cls.program.id)
        book(A, "adjust", 20, "2025-12-31 23:59:59")
        # January
        earn_jan = book(A, "earn", 50, "2026-01-05", program_id=cls.program.id)
        book(A, "redeem", -30, "2026-01-10")
        book(A, "adjust", 10, "2026-01-12", note="gift")
        book(A, "adjust", -5, "2026-01-13", note="correction")
        book(A, "reversal", -20, "2026-01-20", reversed_entry_id=earn_jan.id)
        book(A, "expire", -15, "2026-01-31 23:59:59")
        book(B, "earn", 80, "2026-01-03")
        book(B, "adjust", 3, "2026-01-04", note="gift")
        # February
        redeem_feb = book(A, "redeem", -40, "2026-02-02")
        book(A, "reversal", 12, "2026-02-03", reversed_entry_id=redeem_feb.id)
        book(A, "earn", 200, "2026-02-10", program_id=cls.program.id)
        book(A, "expire", -7, "2026-02-28 12:00:00")
        book(B, "redeem", -10, "2026-02-01 00:00:00")
        book(B, "expire", -5, "2026-02-15")
        book(B, "reversal", -4, "2026-02-20")
        cls.earn_dec = earn_dec
        cls.Rollforward = cls.env["loyalty.points.rollforward"].with_context(tz="UTC")

    @classmethod
    def _book_on(cls, account, kind, points, when, **vals):
        if len(when) == 10:
            when += " 10:00:00"
        return cls._book(account, kind, points, date=when, **vals)


@tagged("post_install", "-at_install")
class TestRollforward(LoyaltyPointsReportCommon):
    def test_every_kind_over_two_periods_and_two_companies(self):
        companies = self.companies
        jan = self.Rollforward._get_figures(companies, *JAN)
        feb = self.Rollforward._get_figures(companies, *FEB)
        a, b = self.company_a.id, self.company_b.id
        expected_jan_a = {
            "opening": 120,
            "issued": 50,
            "redeemed": -30,
            "expired": -15,
            "adjusted": 5,
            "reversed": -20,
            "closing": 110,
        }
        self.assertEqual({k: jan[a, False][k] for k in expected_jan_a}, expected_jan_a)
        expected_jan_b = {
            "opening": 0,
            "issued": 80,
            "redeemed": 0,
            "expired": 0,
            "adjusted": 3,
            "reversed": 0,
            "closing": 83,
        }
        self.assertEqual({k: jan[b, False][k] for k in expected_jan_b}, expected_jan_b)
        expected_feb_a = {
            "opening": 110,
            "issued": 200,
            "redeemed": -40,
            "expired": -7,
            "adjusted": 0,
            "reversed": 12,
            "closing": 275,
        }
        self.assertEqual({k: feb[a, False][k] for k in expected_feb_a}, expected_feb_a)
        expected_feb_b = {
            "opening": 83,
            "issued": 0,
            "redeemed": -10,
            "expired": -5,
            "adjusted": 0,
            "reversed": -4,
            "closing": 64,
        }
        self.assertEqual({k: feb[b, False][k] for k in expected_feb_b}, expected_feb_b)
        # values: points x the company's point value
        self.assertEqual(feb[a, False]["closing_value"], 275 * 0.5)
        self.assertEqual(feb[b, False]["issued_value"], 0)
        self.assertEqual(feb[b, False]["redeemed_value"], -20)
        # rates of the points issued in the period
        self.assertEqual(feb[a, False]["redemption_rate"], 20.0)  # 40 of 200
        self.assertEqual(feb[a, False]["breakage_rate"], 3.5)  # 7 of 200
        self.assertEqual(feb[b, False]["redemption_rate"], 0.0)  # nothing issued
        # the two periods chain, and the whole span ties out with them
        both = self.Rollforward._get_figures(companies, JAN[0], FEB[1])
        for company in (a, b):
            self.assertEqual(jan[company, False]["closing"], feb[company, False]["opening"])
            self.assertEqual(both[company, False]["closing"], feb[company, False]["closing"])

    def test_closing_is_the_sum_of_the_balances(self):
        companies = self.companies
        today = date.today()
        figures = self.Rollforward._get_figures(companies, date(2025, 1, 1), today)
        Account = self.env["loyalty.points.account"].sudo()
        for company in companies:
            balances = sum(Account.search([("company_id", "=", company.id)]).mapped("balance"))
            self.assertAlmostEqual(figures[company.id, False]["closing"], balances, places=2)
        self.assertLedgerConsistent(self.account_a | self.account_b)

    def test_per_program_lines_add_up_to_the_company(self):
        companies = self.companies
        per_program = self.Rollforward._get_figures(companies, *FEB, by_program=True)
        totals = self.Rollforward._get_figures(companies, *FEB)
        for company in companies:
            lines = [row for key, row in per_program.items() if key[0] == company.id]
            for column in ("opening", "issued", "redeemed", "expired", "reversed", "closing"):
                self.assertAlmostEqual(
                    sum(row[column] for row in lines), totals[company.id, False][column], places=2
                )
            for row in lines:
                self.assertAlmostEqual(
                    row["closing"],
                    row["opening"]
                    + sum(
                        row[c] for c in ("issued", "redeemed", "expired", "adjusted", "reversed")
                    ),
                    places=2,
                )
        # the February redemption of 40 points consumed the program's lots
        program_row = per_program[self.company_a.id, self.program.id]
        self.assertEqual(program_row["issued"], 200)
        self.assertLess(program_row["redeemed"], 0)

    def test_period_days_are_in_the_user_time_zone(self):
        # 2026-01-31 23:59:59 UTC is February 1st in Sofia
        sofia = self.Rollforward.with_context(tz="Europe/Sofia")
        feb = sofia._get_figures(self.company_a, *FEB)
        self.assertEqual(feb[self.company_a.id, False]["expired"], -7 - 15)

    def test_wizard_opens_the_lines_and_drills_down(self):
        wizard = self.manager_env["loyalty.points.rollforward"].create(
            {
                "company_ids": [Command.set(self.companies.ids)],
                "date_from": FEB[0],
                "date_to": FEB[1],
            }
        )
        action = wizard.action_open_report()
        lines = self.manager_env["loyalty.points.rollforward.line"].search(action["domain"])
        self.assertRecordValues(
            lines.sorted(lambda line: line.company_id == self.company_b),
            [
                {
                    "company_id": self.company_a.id,
                    "opening": 110,
                    "closing": 275,
                    "closing_value": 137.5,
                },
                {
                    "company_id": self.company_b.id,
                    "opening": 83,
                    "closing": 64,
                    "closing_value": 128,
                },
            ],
        )
        line = lines.filtered(lambda line: line.company_id == self.company_a)
        drill = line.action_open_entries()
        entries = self.manager_env["loyalty.points.entry"].search(drill["domain"])
        self.assertEqual(sorted(entries.mapped("points")), [-40, -7, 12, 200])
        # the title in the user's date format, not ISO
        self.assertEqual(action["name"], "Points Roll-Forward 02/01/2026 - 02/28/2026")

    def test_per_program_the_line_of_no_program_says_what_it_holds(self):
        wizard = self.manager_env["loyalty.points.rollforward"].create(
            {
                "company_ids": [Command.set(self.company_a.ids)],
                "date_from": FEB[0],
                "date_to": FEB[1],
                "by_program": True,
            }
        )
        action = wizard.action_open_report()
        self.assertTrue(action["context"]["loyalty_points_by_program"])
        self.assertFalse(action["context"]["loyalty_points_several_companies"])
        lines = self.manager_env["loyalty.points.rollforward.line"].search(action["domain"])
        self.assertEqual(
            sorted(lines.mapped("program_label")), ["5 % back", "Bonuses and adjustments"]
        )
        other = lines.filtered(lambda line: not line.program_id)
        self.assertEqual(
            other.action_open_entries()["name"], "Entries of First Shop Bonuses and adjustments"
        )
        html = (
            self.manager_env["ir.actions.report"]
            ._render_qweb_html(
                "loyalty_points.action_report_rollforward",
                self.company_a.ids,
                data={"date_from": "2026-02-01", "date_to": "2026-02-28"},
            )[0]
            .decode()
        )
        self.assertIn("Bonuses and adjustments", html)
        self.assertNotIn("No program", html)

    def test_a_period_ending_before_it_starts_is_refused(self):
        with self.assertRaises(ValidationError):
            self.Rollforward.with_user(self.manager).create(
                {"date_from": FEB[1], "date_to": FEB[0]}
            )

    def test_a_cashier_cannot_open_the_reports(self):
        for model in (
            "loyalty.points.rollforward",
            "loyalty.points.rollforward.line",
            "loyalty.points.aging.report",
            "loyalty.points.member.report",
            "loyalty.points.program.report",
            "loyalty.points.tier.move",
        ):
            with self.assertRaises(AccessError, msg=model):
                self.env[model].with_user(self.cashier).search([])
        with self.assertRaises(AccessError):
            self.Rollforward.with_user(self.cashier)._get_figures(self.company, *JAN)
        with self.assertRaises(AccessError):
            self.Rollforward.with_user(self.cashier).create({"date_from": JAN[0]})
        with self.assertRaises(AccessError):
            self.env["loyalty.points.aging.report"].with_user(self.cashier)._get_buckets(
                self.company, date.today()
            )

    def test_a_manager_cannot_read_another_company(self):
        outsider = new_test_user(
            self.env,
            login="lp_manager_a_only",
            groups="base.group_user,point_of_sale.group_pos_manager",
            company_id=self.company_a.id,
            company_ids=[Command.set(self.company_a.ids)],
        )
        with self.assertRaises(AccessError):
            self.Rollforward.with_user(outsider)._get_figures(self.company_b, *JAN)


@tagged("post_install", "-at_install")
class TestAging(LoyaltyPointsCommon):
    def test_bucket_rule(self):
        today = date(2026, 3, 1)
        days = {-1: "30", 0: "30", 30: "30", 31: "60", 60: "60", 61: "90", 90: "90", 91: "later"}
        for offset, bucket in days.items():
            self.assertEqual(aging_bucket(today + timedelta(days=offset), today), bucket, offset)
        self.assertEqual(aging_bucket(None, today), "never")

    def test_buckets_around_their_boundaries(self):
        company = self.env["res.company"].create({"name": "Aging Shop"})
        self.manager.write({"company_ids": [Command.link(company.id)]})
        Account = self.env["loyalty.points.account"]
        self.account = Account._get_or_create(self.customer, company)
        self.other_account = Account._get_or_create(self.other_customer, company)
        self.company = company
        offsets = (0, 30, 31, 60, 61, 90, 91)
        lots = {
            offset: self._book(self.account, "earn", 100 + offset, expiry_days=offset)
            for offset in offsets
        }
        never = self._book(self.other_account, "adjust", 7, note="forever")
        self._book(self.account, "redeem", -50)  # consumes the lot of day 0 partly
        expected = {0: "30", 30: "30", 31: "60", 60: "60", 61: "90", 90: "90", 91: "later"}
        Aging = self.env(user=self.manager, context={"allowed_company_ids": company.ids})[
            "loyalty.points.aging.report"
        ]
        rows = Aging.search([("company_id", "=", self.company.id)])
        by_lot = {row.lot_id.id: row for row in rows}
        for offset, lot in lots.items():
            self.assertEqual(by_lot[lot.id].bucket, expected[offset], offset)
            self.assertEqual(by_lot[lot.id].days_left, offset)
        self.assertEqual(by_lot[never.id].bucket, "never")
        self.assertEqual(by_lot[lots[0].id].points, 50)
        self.assertEqual(by_lot[lots[0].id].value, 50 * self.company.loyalty_points_value)
        # the same rule at a reference date: one day later every lot moves
        buckets = Aging._get_buckets(self.company, self.today + timedelta(days=1))
        points = {bucket: figures[0] for (company, bucket), figures in buckets.items()}
        self.assertEqual(
            points,
            {"30": 50 + 130 + 131, "60": 160 + 161, "90": 190 + 191, "never": 7},
        )
        self.assertEqual(buckets[self.company.id, "30"][2], 1)  # one customer behind
        # the customers behind each bucket
        groups = Aging._read_group(
            [("company_id", "=", self.company.id)], ["bucket", "partner_id"], ["points:sum"]
        )
        self.assertIn(("never", self.other_customer, 7), groups)
