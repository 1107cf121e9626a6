from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class ResCompany(models.Model):
    """Points in the books: outstanding points are a liability of the company.

    With the option on, the job ``loyalty_points.ir_cron_post_liability``
    posts the points journal to accounting (points issued: issue account
    against the liability; expired: liability against breakage income), the
    points payment methods settle against the liability at session closing,
    and a change of the point value revalues the points already in the books.
    """

    _inherit = "res.company"

    loyalty_points_liability_accounting = fields.Boolean(
        string="Points Liability Accounting",
        help="Outstanding points are booked as a liability: issued points are "
        "charged to the issue account, redeemed points settle the liability at "
        "session closing, expired points are breakage income.",
    )
    loyalty_points_liability_account_id = fields.Many2one(
        "account.account",
        string="Points Liability Account",
        check_company=True,
        help="What the company owes its customers in points (a contract liability "
        "or a provision).",
    )
    loyalty_points_issue_account_id = fields.Many2one(
        "account.account",
        string="Points Issue Account",
        check_company=True,
        help="Charged when points are issued: an expense, or a revenue deduction " "under IFRS 15.",
    )
    loyalty_points_breakage_account_id = fields.Many2one(
        "account.account",
        string="Points Breakage Account",
        check_company=True,
        help="Income booked when points expire unused.",
    )
    loyalty_points_accounting_journal_id = fields.Many2one(
        "account.journal",
        string="Points Accounting Journal",
        check_company=True,
        domain=[("type", "=", "general")],
        help="The general journal of the points entries.",
    )
    loyalty_points_accounting_period = fields.Selection(
        [("day", "Day"), ("month", "Month")],
        string="Points Posting Period",
        default="day",
        required=True,
        help="One journal entry of points movements per company and period.",
    )

    @api.constrains("loyalty_points_liability_accounting", "loyalty_points_liability_account_id")
    def _check_loyalty_points_accounting(self):
        for company in self.filtered("loyalty_points_liability_accounting"):
            accounts = (
                company.loyalty_points_liability_account_id
                | company.loyalty_points_issue_account_id
                | company.loyalty_points_breakage_account_id
            )
            if len(accounts) < 3 or not company.loyalty_points_accounting_journal_id:
                raise UserError(
                    self.env._(
                        "Points liability accounting needs three different accounts "
                        "(liability, issue, breakage) and a journal in %(company)s.",
                        company=company.name,
                    )
                )

    def write(self, vals):
        revalue = {}
        if "loyalty_points_value" in vals:
            revalue = {
                company: company.loyalty_points_value
                for company in self
                if company.loyalty_points_liability_accounting
                and company.loyalty_points_value != vals["loyalty_points_value"]
            }
        opening = self.env["res.company"]
        if (
            "loyalty_points_liability_accounting" in vals
            and not vals["loyalty_points_liability_accounting"]
        ):
            self.filtered("loyalty_points_liability_accounting")._loyalty_points_check_not_posted()
        if vals.get("loyalty_points_liability_accounting"):
            opening = self.filtered(lambda c: not c.loyalty_points_liability_accounting)
            opening._loyalty_points_check_no_open_session()
            # accounts and journal first: the option needs them
            self._loyalty_points_setup_accounting()
        res = super().write(vals)
        if "loyalty_points_liability_account_id" in vals:
            self.filtered("loyalty_points_liability_accounting")._loyalty_points_setup_accounting()
        for company in opening:
            company._loyalty_points_open_liability()
        for company, old_value in revalue.items():
            company._loyalty_points_revalue(old_value)
        return res

    def _loyalty_points_check_not_posted(self):
        """The option cannot be switched off once points are in the books: the
        liability account would stop following the journal (and the points
        payment methods keep settling against it)."""
        posted = (
            self.env["account.move"]
            .sudo()
            .search(
                [("company_id", "in", self.ids), ("loyalty_points_posting", "!=", False)],
                limit=1,
            )
        )
        if posted:
            raise UserError(
                self.env._(
                    "Points liability accounting cannot be switched off in %(company)s: "
                    "points are already in its books (%(move)s). Keep it on, or have "
                    "your accountant reverse those entries first.",
                    company=posted.company_id.name,
                    move=posted.display_name,
                )
            )

    def _loyalty_points_check_no_open_session(self):
        """The option starts with all POS sessions closed: the points paid in an
        open session would otherwise be settled twice (once by the opening
        move, once by the session closing)."""
        sessions = (
            self.env["pos.session"]
            .sudo()
            .search([("company_id", "in", self.ids), ("state", "!=", "closed")], limit=1)
        )
        if sessions:
            raise UserError(
                self.env._(
                    "Close the POS session %(session)s before switching points liability "
                    "accounting on.",
                    session=sessions.name,
                )
            )

    # ------------------------------------------------------------------
    # setup

    def _loyalty_points_setup_accounting(self):
        """Give each company its points accounts and journal (created on first
        use, as superuser), and point its points payment methods at the
        liability account."""
        for company in self:
            sudo_company = company.sudo()
            vals = {}
            for field, account_type, name, prefix in company._loyalty_points_account_specs():
                if not sudo_company[field]:
                    vals[field] = company._loyalty_points_create_account(account_type, name, prefix)
            if not sudo_company.loyalty_points_accounting_journal_id:
                vals["loyalty_points_accounting_journal_id"] = (
                    company._loyalty_points_create_journal()
                )
            if vals:
                sudo_company.write(vals)
            methods = (
                self.env["pos.payment.method"]
                .sudo()
                .search([("company_id", "=", company.id), ("is_loyalty_points", "=", True)])
            )
            liability = sudo_company.loyalty_points_liability_account_id
            methods.filtered(lambda m, acc=liability: m.outstanding_account_id != acc).write(
                {"outstanding_account_id": liability.id}
            )

    def _loyalty_points_account_specs(self):
        """(company field, account type, name, code of a similar account)."""
        return [
            (
                "loyalty_points_liability_account_id",
                "liability_current",
                self.env._("Loyalty Points Liability"),
                "289000",
            ),
            (
                "loyalty_points_issue_account_id",
                "expense",
                self.env._("Loyalty Points Issued"),
                "699000",
            ),
            (
                "loyalty_points_breakage_account_id",
                "income_other",
                self.env._("Loyalty Points Breakage"),
                "799000",
            ),
        ]

    def _loyalty_points_create_account(self, account_type, name, prefix):
        self.ensure_one()
        Account = self.env["account.account"].sudo().with_company(self)
        similar = Account.search(
            [*Account._check_company_domain(self), ("account_type", "=", account_type)],
            order="code desc",
            limit=1,
        )
        return Account.create(
            {
                "name": name,
                "code": Account._search_new_account_code(similar.code or prefix),
                "account_type": account_type,
                "reconcile": False,
                "company_ids": [fields.Command.link(self.id)],
            }
        ).id

    def _loyalty_points_create_journal(self):
        self.ensure_one()
        Journal = self.env["account.journal"].sudo().with_context(active_test=False)
        used = set(
            Journal.search(
                [*Journal._check_company_domain(self), ("code", "=like", "LPL%")]
            ).mapped("code")
        )
        code = next(c for c in ("LPLB", *(f"LPL{n}" for n in range(1, 100))) if c not in used)
        return (
            Journal.with_company(self)
            .create(
                {
                    "name": self.env._("Loyalty Points Liability"),
                    "type": "general",
                    "code": code,
                    "company_id": self.id,
                    "sequence": 91,
                }
            )
            .id
        )

    def _loyalty_points_open_liability(self):
        """Book the points outstanding when the option is switched on: one
        opening move, recorded on every entry not yet in the books."""
        self.ensure_one()
        Entry = self.env["loyalty.points.entry"]
        Entry.flush_model(["points", "move_id", "company_id"])
        points = self.env.execute_query(
            SQL(
                "SELECT COALESCE(SUM(points), 0), COUNT(*) FROM loyalty_points_entry"
                " WHERE company_id = %(company)s AND move_id IS NULL",
                company=self.id,
            )
        )[0]
        if not points[1]:
            return self.env["account.move"]
        label = self.env._(
            "Loyalty points outstanding when liability accounting started: %(points)s points",
            points=points[0],
        )
        amount = self.currency_id.round(points[0] * self.loyalty_points_value)
        lines = Entry._loyalty_points_move_lines(self, {"issue": amount}, label)
        move = Entry._loyalty_points_create_move(
            self, fields.Date.context_today(self), lines, label, "opening"
        )
        self.env.execute_query(
            SQL(
                "UPDATE loyalty_points_entry SET move_id = %(move)s"
                " WHERE company_id = %(company)s AND move_id IS NULL",
                move=move.id,
                company=self.id,
            )
        )
        Entry.invalidate_model(["move_id"])
        return move

    # ------------------------------------------------------------------
    # revaluation

    def _loyalty_points_posted_points(self):
        """Points of this company already in the liability account: the sum of
        the entries that a journal entry posted."""
        self.ensure_one()
        self.env["loyalty.points.entry"].flush_model(["points", "move_id", "company_id"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT COALESCE(SUM(points), 0) FROM loyalty_points_entry
                 WHERE company_id = %(company)s AND move_id IS NOT NULL
                """,
                company=self.id,
            )
        )
        return rows[0][0]

    def _loyalty_points_revalue(self, old_value):
        """Post one move for (new value - old value) x the points in the books."""
        self.ensure_one()
        points = self._loyalty_points_posted_points()
        currency = self.currency_id
        amount = currency.round(points * self.loyalty_points_value) - currency.round(
            points * old_value
        )
        if currency.is_zero(amount):
            return self.env["account.move"]
        label = self.env._(
            "Points revaluation: %(points)s points from %(old)s to %(new)s a point",
            points=points,
            old=old_value,
            new=self.loyalty_points_value,
        )
        Entry = self.env["loyalty.points.entry"]
        lines = Entry._loyalty_points_move_lines(self, {"issue": amount}, label)
        return Entry._loyalty_points_create_move(
            self, fields.Date.context_today(self), lines, label, "revaluation"
        )

    # ------------------------------------------------------------------
    # reconciliation

    def _loyalty_points_reconcile(self):
        """Check, per company, that the liability account holds the outstanding
        points at the point value; explain any difference.

        :return: {company: {"balance", "expected", "difference", "causes"}}
            where ``balance`` is the liability's credit balance, ``expected``
            the outstanding points x the point value, and ``causes`` a list of
            {"cause", "amount", "points", "count", "move_ids"}: entries not yet
            posted (``unposted``), points payments of sessions not yet closed
            (``open_session``), journal items put on the account by hand
            (``manual``), and what is left (``other``: rounding, a point value
            changed between a sale and its session closing).
        """
        self.env["loyalty.points.entry"].flush_model()
        self.env["account.move.line"].flush_model()
        self.env["account.move"].flush_model()
        result = {}
        for company in self:
            currency = company.currency_id
            value = company.loyalty_points_value
            liability = company.loyalty_points_liability_account_id
            balance = self.env.execute_query(
                SQL(
                    """
                    SELECT COALESCE(SUM(line.credit - line.debit), 0)
                      FROM account_move_line AS line
                     WHERE line.account_id = %(account)s AND line.company_id = %(company)s
                       AND line.parent_state = 'posted'
                    """,
                    account=liability.id or 0,
                    company=company.id,
                )
            )[0][0]
            Entry = self.env["loyalty.points.entry"]
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT %(pos_settled)s AS pos, COUNT(*), SUM(entry.points),
                           SUM(ROUND((entry.points * %(value)s)::numeric, %(digits)s))
                      FROM loyalty_points_entry AS entry
                      LEFT JOIN loyalty_points_entry AS reversed
                        ON reversed.id = entry.reversed_entry_id
                     WHERE entry.company_id = %(company)s AND entry.move_id IS NULL
                     GROUP BY 1
                    """,
                    pos_settled=Entry._loyalty_points_pos_settled_sql("entry", "reversed"),
                    value=value,
                    digits=currency.decimal_places,
                    company=company.id,
                )
            )
            outstanding = self.env.execute_query(
                SQL(
                    "SELECT COALESCE(SUM(points), 0) FROM loyalty_points_entry"
                    " WHERE company_id = %(company)s",
                    company=company.id,
                )
            )[0][0]
            causes = [
                {
                    "cause": "open_session" if pos else "unposted",
                    "count": count,
                    "points": points,
                    "amount": currency.round(amount),
                    "move_ids": [],
                }
                for pos, count, points, amount in rows
            ]
            manual = self.env.execute_query(
                SQL(
                    """
                    SELECT line.move_id, SUM(line.credit - line.debit)
                      FROM account_move_line AS line
                      JOIN account_move AS move ON move.id = line.move_id
                     WHERE line.account_id = %(account)s AND line.company_id = %(company)s
                       AND line.parent_state = 'posted'
                       AND move.loyalty_points_posting IS NULL
                       AND NOT EXISTS (SELECT 1 FROM loyalty_points_entry AS entry
                                        WHERE entry.move_id = line.move_id)
                     GROUP BY line.move_id
                    """,
                    account=liability.id or 0,
                    company=company.id,
                )
            )
            if manual:
                causes.append(
                    {
                        "cause": "manual",
                        "count": len(manual),
                        "points": 0.0,
                        "amount": -currency.round(sum(amount for _move, amount in manual)),
                        "move_ids": [move for move, _amount in manual],
                    }
                )
            expected = currency.round(outstanding * value)
            difference = currency.round(expected - balance)
            other = currency.round(difference - sum(cause["amount"] for cause in causes))
            if not currency.is_zero(other):
                causes.append(
                    {"cause": "other", "count": 0, "points": 0.0, "amount": other, "move_ids": []}
                )
            result[company] = {
                "balance": currency.round(balance),
                "expected": expected,
                "difference": difference,
                "causes": causes,
            }
        return result

    def _loyalty_points_period_end(self, day):
        """The date of the journal entry of the points movements of ``day``."""
        self.ensure_one()
        if self.loyalty_points_accounting_period == "month":
            return day + relativedelta(day=31)
        return day

    def _loyalty_points_first_open_date(self):
        """The first date after the lock dates (Odoo's) of the points journal:
        movements of a locked period go into the first open one."""
        self.ensure_one()
        lock = self._get_user_fiscal_lock_date(self.loyalty_points_accounting_journal_id)
        return lock + timedelta(days=1)
