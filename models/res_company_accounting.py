from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..tools.revenue import standalone_price

# Changed by accounting managers only (the deferred revenue method).
REVENUE_METHOD_FIELDS = (
    "loyalty_points_accounting_method",
    "loyalty_points_expected_redemption",
    "loyalty_points_deferral_account_id",
    "loyalty_points_revenue_adjustment_account_id",
)


class ResCompany(models.Model):
    """Points in the books: outstanding points are a liability of the company.

    With the option on, the job ``loyalty_points.ir_cron_post_liability``
    posts the points journal to accounting (points issued: issue account
    against the liability; expired: liability against breakage income), the
    points payment methods settle against the liability at session closing,
    and a change of the point value revalues the points already in the books.

    Two methods (``loyalty_points_accounting_method``): ``cost`` values points
    at the point value; ``deferred_revenue`` (IFRS 15 / ASC 606) defers the
    part of each sale's price allocated to its points and releases it as they
    are redeemed, out of those expected to be redeemed (see docs/accounting.md).
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

    loyalty_points_accounting_method = fields.Selection(
        [("cost", "Cost"), ("deferred_revenue", "Deferred Revenue (IFRS 15)")],
        string="Points Revenue Method",
        default="cost",
        required=True,
        help="Cost: points issued are charged at their value. Deferred revenue (IFRS 15, "
        "ASC 606): part of each sale's price is deferred for the points it earned, by "
        "relative stand-alone selling prices, and released as revenue as points are "
        "redeemed, out of those expected to be redeemed.",
    )
    loyalty_points_expected_redemption = fields.Float(
        string="Expected Redemption (%)",
        default=100.0,
        digits=(16, 2),
        help="Deferred revenue method: the percent of the points issued that customers "
        "are expected to redeem (the rest is breakage). It sets the stand-alone selling "
        "price of the points issued; changing it re-measures the revenue released so "
        "far at the next posting (a cumulative catch-up).",
    )
    loyalty_points_deferral_account_id = fields.Many2one(
        "account.account",
        string="Deferred Loyalty Revenue Account",
        check_company=True,
        help="Deferred revenue method: the revenue deduction (contra-revenue) charged "
        "with the part of a sale's price deferred for its points.",
    )
    loyalty_points_revenue_adjustment_account_id = fields.Many2one(
        "account.account",
        string="Loyalty Revenue Adjustment Account",
        check_company=True,
        help="Deferred revenue method: the difference between the face value of the "
        "points paid (booked by the session closing) and the revenue released, the "
        "catch-up of a changed estimate, and re-measurements.",
    )
    loyalty_points_estimate_ids = fields.One2many(
        "loyalty.points.redemption.estimate",
        "company_id",
        string="Expected Redemption History",
        groups="account.group_account_readonly,account.group_account_manager",
    )

    @api.constrains(
        "loyalty_points_liability_accounting",
        "loyalty_points_liability_account_id",
        "loyalty_points_accounting_method",
        "loyalty_points_deferral_account_id",
        "loyalty_points_revenue_adjustment_account_id",
    )
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
            revenue = (
                company.loyalty_points_deferral_account_id,
                company.loyalty_points_revenue_adjustment_account_id,
            )
            if company.loyalty_points_accounting_method == "deferred_revenue" and any(
                not account or account == company.loyalty_points_liability_account_id
                for account in revenue
            ):
                raise UserError(
                    self.env._(
                        "The deferred revenue method needs a deferred loyalty revenue "
                        "account and a revenue adjustment account, other than the "
                        "liability, in %(company)s.",
                        company=company.name,
                    )
                )

    @api.constrains("loyalty_points_expected_redemption")
    def _check_loyalty_points_expected_redemption(self):
        for company in self:
            if not 0 < company.loyalty_points_expected_redemption <= 100:
                raise ValidationError(
                    self.env._(
                        "The expected redemption of %(company)s must be more than 0 %% and "
                        "at most 100 %% of the points issued (it is %(percent)s %%).",
                        company=company.name,
                        percent=company.loyalty_points_expected_redemption,
                    )
                )

    def write(self, vals):
        self._loyalty_points_check_revenue_rights(vals)
        revalue = {}
        if "loyalty_points_value" in vals:
            revalue = {
                company: company.loyalty_points_value
                for company in self
                if company.loyalty_points_liability_accounting
                and company.loyalty_points_value != vals["loyalty_points_value"]
                and company.loyalty_points_accounting_method == "cost"
                and vals.get("loyalty_points_accounting_method", "cost") == "cost"
            }
        opening = self.env["res.company"]
        method = vals.get("loyalty_points_accounting_method")
        switching = {
            company: company.loyalty_points_accounting_method
            for company in self
            if method
            and company.loyalty_points_liability_accounting
            and company.loyalty_points_accounting_method != method
        }
        estimates = {
            company: company.loyalty_points_expected_redemption
            for company in self
            if (
                "loyalty_points_expected_redemption" in vals
                and company.loyalty_points_expected_redemption
                != vals["loyalty_points_expected_redemption"]
            )
            or (method == "deferred_revenue" and company.loyalty_points_accounting_method != method)
        }
        if (
            "loyalty_points_liability_accounting" in vals
            and not vals["loyalty_points_liability_accounting"]
        ):
            self.filtered("loyalty_points_liability_accounting")._loyalty_points_check_not_posted()
        if vals.get("loyalty_points_liability_accounting"):
            opening = self.filtered(lambda c: not c.loyalty_points_liability_accounting)
            opening._loyalty_points_check_no_open_session()
            # accounts and journal first: the option needs them
            self._loyalty_points_setup_accounting(method)
        if switching:
            companies = self.browse([company.id for company in switching])
            companies._loyalty_points_check_no_open_session(method_change=True)
            companies._loyalty_points_setup_accounting(method)
        res = super().write(vals)
        if "loyalty_points_liability_account_id" in vals:
            self.filtered("loyalty_points_liability_accounting")._loyalty_points_setup_accounting()
        for company, old_rate in estimates.items():
            company._loyalty_points_record_estimate(old_rate)
        for company in opening:
            company._loyalty_points_open_liability()
        for company in switching:
            company._loyalty_points_remeasure()
        for company, old_value in revalue.items():
            company._loyalty_points_revalue(old_value)
        return res

    def _loyalty_points_check_revenue_rights(self, vals):
        """The revenue method and its estimate are the accountant's: only
        accounting managers change them (the settings show them to no one else)."""
        if self.env.su or self.env.user.has_group("account.group_account_manager"):
            return
        for name in set(REVENUE_METHOD_FIELDS) & set(vals):
            field = self._fields[name]
            for company in self:
                new = field.convert_to_cache(vals[name], company)
                if new != field.convert_to_cache(company[name], company):
                    raise AccessError(
                        self.env._(
                            "Only accounting managers can change the points revenue method "
                            "and its expected redemption (%(field)s).",
                            field=field._description_string(self.env),
                        )
                    )

    def _loyalty_points_record_estimate(self, previous):
        """Keep the history of the expected redemption: who set what, when."""
        self.ensure_one()
        self.env["loyalty.points.redemption.estimate"].sudo().create(
            {
                "company_id": self.id,
                "expected_redemption": self.loyalty_points_expected_redemption,
                "previous_redemption": previous,
                "user_id": self.env.user.id,
            }
        )

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

    def _loyalty_points_check_no_open_session(self, method_change=False):
        """The option (and a change of method) starts with all POS sessions
        closed: the points paid in an open session would otherwise be settled
        twice (once by the opening move, once by the session closing)."""
        sessions = (
            self.env["pos.session"]
            .sudo()
            .search([("company_id", "in", self.ids), ("state", "!=", "closed")], limit=1)
        )
        if sessions and method_change:
            raise UserError(
                self.env._(
                    "Close the POS session %(session)s before changing the points revenue "
                    "method.",
                    session=sessions.name,
                )
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

    def _loyalty_points_setup_accounting(self, method=None):
        """Give each company its points accounts and journal (created on first
        use, as superuser) for its revenue method (or ``method``), and point its
        points payment methods at the liability account."""
        for company in self:
            sudo_company = company.sudo()
            vals = {}
            specs = company._loyalty_points_account_specs(
                method or company.loyalty_points_accounting_method
            )
            for field, account_type, name, prefix in specs:
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

    def _loyalty_points_account_specs(self, method="cost"):
        """(company field, account type, name, code of a similar account), for
        the revenue ``method``."""
        specs = [
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
        if method == "deferred_revenue":
            specs += [
                (
                    "loyalty_points_deferral_account_id",
                    "income",
                    self.env._("Deferred Loyalty Revenue"),
                    "400000",
                ),
                (
                    "loyalty_points_revenue_adjustment_account_id",
                    "income",
                    self.env._("Loyalty Revenue Adjustment"),
                    "400000",
                ),
            ]
        return specs

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
        if self.loyalty_points_accounting_method == "deferred_revenue":
            return self._loyalty_points_open_revenue_pool(
                "opening",
                "deferral",
                self.env._("Loyalty points outstanding when deferred revenue accounting started"),
            )
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
        return self._loyalty_points_move_unposted(lines, label, "opening")

    def _loyalty_points_move_unposted(self, lines, label, posting):
        """Post today's move of ``lines`` and record it on every entry of the
        company not yet in the books (an opening or a re-measurement covers
        them all), bypassing write() as ``_set_move`` does."""
        Entry = self.env["loyalty.points.entry"]
        move = Entry._loyalty_points_create_move(
            self, fields.Date.context_today(self), lines, label, posting
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

    def _loyalty_points_open_revenue_pool(self, posting, role, label, book=0.0):
        """Deferred revenue method from now on: the points outstanding (the
        open lots) make one opening pool, at their stand-alone selling price;
        one journal entry takes the liability from ``book`` to it (``role``
        faces it) and is recorded on every entry not yet in the books."""
        self.ensure_one()
        Entry = self.env["loyalty.points.entry"]
        Entry.flush_model(["points", "move_id", "company_id"])
        last_id, lots, unposted = self.env.execute_query(
            SQL(
                """
                SELECT MAX(id), COALESCE(SUM(remaining) FILTER (WHERE points > 0), 0),
                       COUNT(*) FILTER (WHERE move_id IS NULL)
                  FROM loyalty_points_entry WHERE company_id = %(company)s
                """,
                company=self.id,
            )
        )[0]
        currency = self.currency_id
        rate = self.loyalty_points_expected_redemption
        deferred = currency.round(
            standalone_price(float(lots), self.loyalty_points_value, rate / 100.0)
        )
        amount = currency.round(deferred - book)
        if not last_id or (not unposted and currency.is_zero(amount) and not lots):
            return self.env["account.move"]
        label = self.env._(
            "%(label)s: %(points)s points at %(percent)s %% expected redemption",
            label=label,
            points=self._loyalty_points_format(float(lots)),
            percent=rate,
        )
        lines = Entry._loyalty_points_move_lines(self, {role: amount}, label)
        move = self._loyalty_points_move_unposted(lines, label, posting)
        self.env["loyalty.points.revenue.pool"].sudo().create(
            {
                "company_id": self.id,
                "kind": "opening",
                "date": move.date,
                "move_id": move.id,
                "entry_id_max": last_id,
                "issued_points": float(lots),
                "point_value": self.loyalty_points_value,
                "issue_redemption": rate,
                "expected_redemption": rate,
                "deferred_amount": deferred,
                "liability_amount": deferred,
            }
        )
        return move

    def _loyalty_points_remeasure(self):
        """The revenue method changed while points are in the books: one journal
        entry re-measures the liability under the new method (against the
        revenue adjustment account; the deferred revenue method makes an
        opening pool of the points outstanding, the cost method closes the
        pools and values the points outstanding at the point value)."""
        self.ensure_one()
        posted = (
            self.env["account.move"]
            .sudo()
            .search_count(
                [("company_id", "=", self.id), ("loyalty_points_posting", "!=", False)], limit=1
            )
        )
        pools = self.env["loyalty.points.revenue.pool"].sudo()
        pools = pools.search([("company_id", "=", self.id), ("state", "=", "open")])
        pools.write({"state": "closed"})
        if not posted:
            return self.env["account.move"]
        book = self._loyalty_points_liability_book()
        if self.loyalty_points_accounting_method == "deferred_revenue":
            return self._loyalty_points_open_revenue_pool(
                "remeasurement",
                "revenue_adjustment",
                self.env._("Points liability re-measured for the deferred revenue method"),
                book=book,
            )
        Entry = self.env["loyalty.points.entry"]
        Entry.flush_model(["points", "move_id", "company_id"])
        outstanding = self.env.execute_query(
            SQL(
                "SELECT COALESCE(SUM(points), 0) FROM loyalty_points_entry"
                " WHERE company_id = %(company)s",
                company=self.id,
            )
        )[0][0]
        currency = self.currency_id
        amount = currency.round(
            currency.round(float(outstanding) * self.loyalty_points_value) - book
        )
        label = self.env._(
            "Points liability re-measured for the cost method: %(points)s points at %(value)s",
            points=float(outstanding),
            value=self.loyalty_points_value,
        )
        lines = Entry._loyalty_points_move_lines(self, {"revenue_adjustment": amount}, label)
        return self._loyalty_points_move_unposted(lines, label, "remeasurement")

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
            points=self._loyalty_points_format(points),
            old=self._loyalty_points_value_format(old_value),
            new=self._loyalty_points_value_format(self.loyalty_points_value),
        )
        Entry = self.env["loyalty.points.entry"]
        lines = Entry._loyalty_points_move_lines(self, {"issue": amount}, label)
        return Entry._loyalty_points_create_move(
            self, fields.Date.context_today(self), lines, label, "revaluation"
        )

    # ------------------------------------------------------------------
    # reconciliation

    def _loyalty_points_reconcile(self):
        """Check, per company, that the liability account holds what its method
        calls for; explain any difference.

        Cost method: the outstanding points at the point value.

        :return: {company: {"method", "balance", "expected", "difference",
            "causes"}} where ``balance`` is the liability's credit balance,
            ``expected`` the outstanding points x the point value, and
            ``causes`` a list of {"cause", "amount", "points", "count",
            "move_ids"}: entries not yet posted (``unposted``), points payments
            of sessions not yet closed (``open_session``), journal items put on
            the account by hand (``manual``), and what is left (``other``:
            rounding, a point value changed between a sale and its session
            closing).

        Deferred revenue method (see ``_loyalty_points_reconcile_deferred``):
        ``expected`` is what the pools hold (deferred less released).
        """
        self.env["loyalty.points.entry"].flush_model()
        self.env["account.move.line"].flush_model()
        self.env["account.move"].flush_model()
        result = {}
        for company in self:
            if company.loyalty_points_accounting_method == "deferred_revenue":
                result[company] = company._loyalty_points_reconcile_deferred()
                continue
            currency = company.currency_id
            value = company.loyalty_points_value
            balance = company._loyalty_points_liability_balance()
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
            causes += company._loyalty_points_manual_causes()
            expected = currency.round(outstanding * value)
            difference = currency.round(expected - balance)
            other = currency.round(difference - sum(cause["amount"] for cause in causes))
            if not currency.is_zero(other):
                causes.append(
                    {"cause": "other", "count": 0, "points": 0.0, "amount": other, "move_ids": []}
                )
            result[company] = {
                "method": "cost",
                "balance": currency.round(balance),
                "expected": expected,
                "difference": difference,
                "causes": causes,
            }
        return result

    def _loyalty_points_reconcile_deferred(self):
        """The reconciliation under the deferred revenue method: the liability
        holds, per pool, the revenue deferred less the revenue released
        (``loyalty.points.revenue.pool._loyalty_points_figures``, with today's
        estimate). Differences: the catch-up the next posting books
        (``catch_up``: points paid in sessions closed since, expiries, refunds
        or a new estimate), journal items put on the account by hand
        (``manual``). Points not in the books yet (not posted, or paid in an
        open session) move the liability when they are, and are listed under
        ``pending``.

        :return: as ``_loyalty_points_reconcile``, plus ``deferred``,
            ``released``, ``pools`` (their count), ``expected_redemption`` and
            ``pending``: {"unposted" | "open_session": {"count", "points"}}
        """
        self.ensure_one()
        currency = self.currency_id
        figures = self.env["loyalty.points.revenue.pool"]._loyalty_points_figures(self)
        balance = currency.round(self._loyalty_points_liability_balance())
        expected = currency.round(sum(figure["liability"] for figure in figures.values()))
        causes = self._loyalty_points_manual_causes()
        difference = currency.round(expected - balance)
        catch_up = currency.round(difference - sum(cause["amount"] for cause in causes))
        if not currency.is_zero(catch_up):
            causes.insert(
                0,
                {
                    "cause": "catch_up",
                    "count": 0,
                    "points": 0.0,
                    "amount": catch_up,
                    "move_ids": [],
                },
            )
        Entry = self.env["loyalty.points.entry"]
        pending = {
            "open_session" if pos else "unposted": {"count": count, "points": float(points)}
            for pos, count, points in self.env.execute_query(
                SQL(
                    """
                    SELECT %(pos_settled)s AS pos, COUNT(*), SUM(entry.points)
                      FROM loyalty_points_entry AS entry
                      LEFT JOIN loyalty_points_entry AS reversed
                        ON reversed.id = entry.reversed_entry_id
                     WHERE entry.company_id = %(company)s AND entry.move_id IS NULL
                     GROUP BY 1
                    """,
                    pos_settled=Entry._loyalty_points_pos_settled_sql("entry", "reversed"),
                    company=self.id,
                )
            )
        }
        return {
            "method": "deferred_revenue",
            "balance": balance,
            "expected": expected,
            "difference": difference,
            "causes": causes,
            "deferred": currency.round(sum(figure["deferred"] for figure in figures.values())),
            "released": currency.round(sum(figure["released"] for figure in figures.values())),
            "pools": len(figures),
            "expected_redemption": self.loyalty_points_expected_redemption,
            "pending": pending,
        }

    def _loyalty_points_liability_balance(self):
        """The credit balance of the company's liability account (posted items)."""
        self.ensure_one()
        self.env["account.move.line"].flush_model(["account_id", "debit", "credit", "parent_state"])
        return self.env.execute_query(
            SQL(
                """
                SELECT COALESCE(SUM(line.credit - line.debit), 0)
                  FROM account_move_line AS line
                 WHERE line.account_id = %(account)s AND line.company_id = %(company)s
                   AND line.parent_state = 'posted'
                """,
                account=self.loyalty_points_liability_account_id.id or 0,
                company=self.id,
            )
        )[0][0]

    def _loyalty_points_manual_causes(self):
        """The ``manual`` cause of the reconciliation: journal items put on the
        liability account by hand (neither a points posting nor a journal entry
        that settled points), per move; [] when there is none."""
        self.ensure_one()
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
                account=self.loyalty_points_liability_account_id.id or 0,
                company=self.id,
            )
        )
        if not manual:
            return []
        return [
            {
                "cause": "manual",
                "count": len(manual),
                "points": 0.0,
                "amount": -self.currency_id.round(sum(amount for _move, amount in manual)),
                "move_ids": [move for move, _amount in manual],
            }
        ]

    def _loyalty_points_liability_book(self):
        """What the points movements put on the liability account: its balance
        without the items entered by hand (the deferred revenue method's
        postings bring it to what the pools call for)."""
        self.ensure_one()
        self.env["account.move"].flush_model(["loyalty_points_posting"])
        self.env["loyalty.points.entry"].flush_model(["move_id"])
        manual = sum(cause["amount"] for cause in self._loyalty_points_manual_causes())
        return self.currency_id.round(self._loyalty_points_liability_balance() + manual)

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
