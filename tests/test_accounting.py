from datetime import timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import LoyaltyPointsPosCommon


@tagged("post_install", "-at_install")
class TestAccounting(LoyaltyPointsPosCommon):
    """Points in the books: the worked example of docs/accounting.md through
    real POS orders, session closings, the posting job and a revaluation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program_lipstick = cls.env["loyalty.points.program"].create(
            {
                "name": "Lipstick, 10 days",
                "scope": "product_category",
                "product_category_ids": [Command.link(cls.categ_lipstick.id)],
                "earn_mode": "percent",
                "earn_rate": 10.0,
                "validity_days": 10,
            }
        )
        cls.company.loyalty_points_liability_accounting = True
        cls.liability = cls.company.loyalty_points_liability_account_id
        cls.issue = cls.company.loyalty_points_issue_account_id
        cls.breakage = cls.company.loyalty_points_breakage_account_id
        cls.accountant = new_test_user(
            cls.env,
            login="lp_accountant",
            groups="base.group_user,base.group_system,account.group_account_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    # ------------------------------------------------------------------
    # helpers

    def _close_session(self, session=None):
        session = session or self.pos_session
        cash = sum(
            session.order_ids.payment_ids.filtered(
                lambda p: p.payment_method_id == self.cash_pm1
            ).mapped("amount")
        )
        session.post_closing_cash_details(cash)
        session.close_session_from_ui()
        self.assertEqual(session.state, "closed")

    def _post(self, days=1, **kwargs):
        today = fields.Date.context_today(self.env.user) + timedelta(days=days)
        self._run_cron(self.env["loyalty.points.entry"]._cron_post_liability, today=today, **kwargs)

    def _lines(self, moves):
        """{(account, 'debit' | 'credit'): amount} of the points accounts."""
        result = {}
        for line in moves.line_ids.filtered(
            lambda line: line.account_id in self.liability | self.issue | self.breakage
        ):
            for side in ("debit", "credit"):
                if line[side]:
                    key = (line.account_id.name, side)
                    result[key] = result.get(key, 0.0) + line[side]
        return result

    def _points_moves(self, kind="posting"):
        return self.env["account.move"].search(
            [("company_id", "=", self.company.id), ("loyalty_points_posting", "=", kind)],
            order="date, id",
        )

    def _reconcile(self):
        return self.company._loyalty_points_reconcile()[self.company]

    # ------------------------------------------------------------------
    # tests

    def test_setup_creates_accounts_and_journal(self):
        self.assertRecordValues(
            self.liability | self.issue | self.breakage,
            [
                {"account_type": "liability_current"},
                {"account_type": "expense"},
                {"account_type": "income_other"},
            ],
        )
        self.assertEqual(self.company.loyalty_points_accounting_journal_id.type, "general")
        # the points method now settles against the liability
        self.assertEqual(self.points_pm.outstanding_account_id, self.liability)
        self._close_session()
        self.points_pm.outstanding_account_id = self.outstanding_bank
        self.assertEqual(self.points_pm.outstanding_account_id, self.liability)

    def test_worked_example(self):
        # earn 220: 200 on shampoo (365 days) and 20 on lipstick (10 days)
        sale = self._sync(
            [(self.product_a, 20), (self.product_b, 4)],
            customer=self.anna,
            payments=[(self.cash_pm1, 2200)],
        )
        self.assertEqual(sale.loyalty_points_earned, 220)
        self._close_session()
        earn_entries = sale.loyalty_points_entry_ids
        self.assertFalse(earn_entries.move_id, "the job posts earned points, not the closing")
        # expire 20 after 11 days
        with freeze_time(fields.Datetime.now() + timedelta(days=11)):
            self._worked_example_day_12(sale, earn_entries)

    def _worked_example_day_12(self, sale, earn_entries):
        self._run_cron(self.env["loyalty.points.entry"]._cron_expire_points)
        self.assertEqual(self._balance(self.anna), 200)
        # redeem 100 and refund 5 shampoos of the sale, in a new session
        session = self.open_new_session()
        payment = self._sync(
            [(self.product_a, 1)], customer=self.anna, payments=[(self.points_pm, 100)]
        )
        self.assertEqual(payment.loyalty_points_redeemed, 100)
        refund = self._refund(
            sale, {sale.lines.filtered(lambda line: line.product_id == self.product_a): 5}
        )
        self.assertEqual(refund.loyalty_points_earned, -50)
        self.assertEqual(self._balance(self.anna), 50)
        # before closing: the redemption is in an open session
        check = self._reconcile()
        causes = {cause["cause"]: cause for cause in check["causes"]}
        self.assertEqual(causes["open_session"]["points"], -100)
        self.assertEqual(causes["unposted"]["points"], 150)
        self.assertEqual(check["balance"], 0)
        self.assertEqual(check["expected"], 50)
        self._close_session(session)
        redeem = payment.loyalty_points_entry_ids
        self.assertTrue(redeem.move_id)
        self.assertEqual(self._lines(redeem.move_id), {(self.liability.name, "debit"): 100.0})
        # the job: one move a day
        self._post(days=1)
        moves = self._points_moves()
        self.assertEqual(len(moves), 2)
        self.assertEqual(moves.mapped("state"), ["posted", "posted"])
        today = fields.Date.context_today(self.env.user)
        self.assertEqual(moves.mapped("date"), [today - timedelta(days=11), today])
        self.assertEqual(
            self._lines(moves[0]),
            {(self.issue.name, "debit"): 220.0, (self.liability.name, "credit"): 220.0},
        )
        self.assertEqual(
            self._lines(moves[1]),
            {
                (self.liability.name, "debit"): 70.0,
                (self.breakage.name, "credit"): 20.0,
                (self.issue.name, "credit"): 50.0,
            },
        )
        entries = self._account(self.anna).entry_ids
        self.assertTrue(all(entries.mapped("move_id")))
        self.assertEqual(earn_entries.move_id, moves[0])
        self.assertEqual(refund.loyalty_points_entry_ids.move_id, moves[1])
        check = self._reconcile()
        self.assertEqual((check["balance"], check["expected"], check["causes"]), (50, 50, []))
        # a re-run posts nothing
        self._post(days=1)
        self.assertEqual(self._points_moves(), moves)
        # revaluation: 1.00 -> 1.50 a point, 50 points in the books
        self.company.loyalty_points_value = 1.5
        reval = self._points_moves("revaluation")
        self.assertEqual(len(reval), 1)
        self.assertIn("50", reval.ref)
        self.assertEqual(
            self._lines(reval),
            {(self.issue.name, "debit"): 25.0, (self.liability.name, "credit"): 25.0},
        )
        check = self._reconcile()
        self.assertEqual((check["balance"], check["expected"], check["causes"]), (75, 75, []))

    def test_reconcile_lists_manual_moves_and_unposted_days(self):
        self._sync([(self.product_a, 3)], customer=self.anna, payments=[(self.cash_pm1, 300)])
        self._close_session()
        check = self._reconcile()
        self.assertEqual(check["difference"], 30)
        self.assertEqual(
            [(c["cause"], c["points"], c["amount"]) for c in check["causes"]],
            [("unposted", 30, 30)],
        )
        self._post()
        manual = self.env["account.move"].create(
            {
                "journal_id": self.company.loyalty_points_accounting_journal_id.id,
                "line_ids": [
                    Command.create({"account_id": self.liability.id, "debit": 7.0}),
                    Command.create({"account_id": self.issue.id, "credit": 7.0}),
                ],
            }
        )
        manual.action_post()
        check = self._reconcile()
        self.assertEqual((check["balance"], check["expected"], check["difference"]), (23, 30, 7))
        self.assertEqual(
            [(c["cause"], c["amount"], c["move_ids"]) for c in check["causes"]],
            [("manual", 7, manual.ids)],
        )

    def test_killed_job_posts_every_entry_once(self):
        for partner in (self.anna, self.boris):
            self._sync([(self.product_a, 1)], customer=partner, payments=[(self.cash_pm1, 100)])
        self._opening(self.anna, (5, False), (7, False))
        self._close_session()
        Entry = self.env["loyalty.points.entry"]
        today = fields.Date.context_today(self.env.user) + timedelta(days=1)
        self._run_killed_batch(Entry._cron_post_liability, batch_size=1, today=today)
        entries = Entry.search([("company_id", "=", self.company.id)])
        self.assertFalse(entries.move_id)
        self.assertFalse(self._points_moves())
        self._post(batch_size=1)
        self.assertTrue(all(entries.mapped("move_id")))
        moves = self._points_moves()
        self.assertEqual(len(moves), 1, "one move for the day")
        self.assertEqual(
            self._lines(moves),
            {(self.issue.name, "debit"): 32.0, (self.liability.name, "credit"): 32.0},
        )
        self._post()
        self.assertEqual(self._points_moves(), moves)

    def test_today_waits_and_locked_period_moves_forward(self):
        self._sync([(self.product_a, 1)], customer=self.anna, payments=[(self.cash_pm1, 100)])
        self._close_session()
        self._post(days=0)
        self.assertFalse(self._points_moves(), "today is not complete yet")
        today = fields.Date.context_today(self.env.user)
        self.company.sudo().fiscalyear_lock_date = today + timedelta(days=2)
        self._post(days=5)
        self.assertEqual(self._points_moves().date, today + timedelta(days=3))

    def test_monthly_period(self):
        self.company.loyalty_points_accounting_period = "month"
        self._sync([(self.product_a, 1)], customer=self.anna, payments=[(self.cash_pm1, 100)])
        self._close_session()
        self._post(days=0)
        self.assertFalse(self._points_moves())
        self._post(days=62)
        today = fields.Date.context_today(self.env.user)
        self.assertEqual(self._points_moves().date, fields.Date.end_of(today, "month"))

    def test_cashier_cannot_post_nor_see_accounting(self):
        self._sync([(self.product_a, 1)], customer=self.anna, payments=[(self.cash_pm1, 100)])
        self._close_session()
        self._post()
        entry = self._account(self.anna).entry_ids.with_user(self.cashier)
        with self.assertRaises(AccessError):
            entry.read(["move_id"])
        with self.assertRaises(UserError):
            entry.write({"move_id": False})
        moves = self._points_moves()
        self.assertTrue(moves)
        Move = self.env["account.move"].with_user(self.cashier)
        self.assertFalse(Move.search([("id", "in", moves.ids)]))
        with self.assertRaises(AccessError):
            moves.with_user(self.cashier).read(["name"])
        with self.assertRaises(AccessError):
            moves.line_ids.with_user(self.cashier).read(["balance"])
        Settings = self.env["res.config.settings"]
        with self.assertRaises(AccessError):
            Settings.with_user(self.cashier).create({}).action_loyalty_points_reconcile()
        settings = Settings.create({}).with_user(self.cashier)
        for action in ("action_loyalty_points_reconcile", "action_loyalty_points_post_liability"):
            with self.assertRaises(AccessError):
                getattr(settings, action)()
        # the accountant may
        result = Settings.with_user(self.accountant).create({}).action_loyalty_points_reconcile()
        self.assertEqual(result["params"]["type"], "success")

    def test_cannot_switch_on_with_an_open_session(self):
        self.company.loyalty_points_liability_accounting = False
        with self.assertRaises(UserError):
            self.company.loyalty_points_liability_accounting = True

    def test_other_company_posts_in_its_own_currency(self):
        other = self.setup_other_company(name="Shop 2", currency_id=self.env.ref("base.EUR").id)[
            "company"
        ]
        self.assertNotEqual(other.currency_id, self.company.currency_id)
        other.write({"loyalty_points_liability_accounting": True, "loyalty_points_value": 0.5})
        self.assertNotEqual(other.loyalty_points_liability_account_id, self.liability)
        account = self.Account.sudo()._get_or_create(self.boris, other)
        self.env["loyalty.points.entry"]._post(
            [{"account_id": account.id, "kind": "adjust", "points": 33, "note": "opening"}]
        )
        self._sync([(self.product_a, 1)], customer=self.anna, payments=[(self.cash_pm1, 100)])
        self._close_session()
        self._post()
        move = self.env["account.move"].search(
            [("company_id", "=", other.id), ("loyalty_points_posting", "=", "posting")]
        )
        self.assertEqual(move.currency_id, other.currency_id)
        self.assertEqual(move.journal_id, other.loyalty_points_accounting_journal_id)
        line = move.line_ids.filtered(
            lambda line: line.account_id == other.loyalty_points_liability_account_id
        )
        self.assertEqual(line.credit, 16.5)
        self.assertEqual(len(self._points_moves()), 1)
        for company, expected in ((other, 16.5), (self.company, 10.0)):
            check = company._loyalty_points_reconcile()[company]
            self.assertEqual((check["balance"], check["expected"]), (expected, expected))

    def test_cannot_switch_off_once_points_are_in_the_books(self):
        self._close_session()
        self.company.loyalty_points_liability_accounting = False  # nothing posted yet
        self._opening(self.anna, (40, False))
        self.company.loyalty_points_liability_accounting = True  # books the opening
        with self.assertRaises(UserError):
            self.company.loyalty_points_liability_accounting = False
        self.assertTrue(self.company.loyalty_points_liability_accounting)

    def test_switching_on_books_the_outstanding_points(self):
        self._close_session()
        self.company.loyalty_points_liability_accounting = False
        lots = self._opening(self.anna, (40, False))
        self.company.loyalty_points_liability_accounting = True
        opening = self._points_moves("opening")
        self.assertEqual(len(opening), 1)
        self.assertEqual(
            self._lines(opening),
            {(self.issue.name, "debit"): 40.0, (self.liability.name, "credit"): 40.0},
        )
        self.assertEqual(lots.move_id, opening)
        self._post()
        self.assertFalse(self._points_moves(), "the opening entries are not posted again")
        check = self._reconcile()
        self.assertEqual((check["balance"], check["expected"], check["causes"]), (40, 40, []))
