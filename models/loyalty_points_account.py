from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import POINTS_DIGITS, check_protected_fields


class LoyaltyPointsAccount(models.Model):
    _name = "loyalty.points.account"
    _description = "Loyalty Points Account"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _rec_name = "partner_id"
    _check_company_auto = True
    # Fields only the ledger writes (tools.guard.check_protected_fields).
    _loyalty_points_protected_fields = (
        "partner_id",
        "company_id",
        "balance",
        "pending_points",
        "tier_id",
        "turnover",
        "visit_count",
        "tier_checked_date",
        "previous_pricelist_id",
        "card_number",
        "expiry_warned_date",
    )

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        readonly=True,
        ondelete="restrict",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    balance = fields.Float(
        digits=POINTS_DIGITS,
        readonly=True,
        default=0.0,
        help="Points the customer can spend (pending points not included).",
    )
    pending_points = fields.Float(
        digits=POINTS_DIGITS,
        readonly=True,
        default=0.0,
        help="Points earned within the return window: spendable from their available "
        "date. A refund within the window cancels them.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    entry_ids = fields.One2many("loyalty.points.entry", "account_id", string="Journal")
    entry_count = fields.Integer(compute="_compute_entry_count")
    expiring_points = fields.Float(
        digits=POINTS_DIGITS,
        compute="_compute_expiring",
        help="Points that expire within the company's warning period.",
    )
    next_expiry_date = fields.Date(compute="_compute_expiring")

    next_available_date = fields.Date(
        compute="_compute_next_available_date",
        help="The day the next pending points become spendable.",
    )

    tier_id = fields.Many2one(
        "loyalty.points.tier",
        readonly=True,
        index=True,
        check_company=True,
    )
    turnover = fields.Monetary(
        currency_field="currency_id",
        readonly=True,
        help="Paid POS orders net of refunds within the company's tier window.",
    )
    visit_count = fields.Integer(
        string="Visits Counted for Tiers",
        readonly=True,
        help="Paid POS orders within the company's tier window (refunds, and orders "
        "refunded in full, are not visits); counted when some tier asks for visits.",
    )
    window_visit_count = fields.Integer(
        string="Visits",
        compute="_compute_window_visit_count",
        help="Paid POS orders within the company's tier window (refunds, and orders "
        "refunded in full, are not visits).",
    )
    tier_checked_date = fields.Date(readonly=True, copy=False)
    previous_pricelist_id = fields.Many2one(
        "product.pricelist",
        readonly=True,
        help="The pricelist chosen for the customer before a tier's discount card replaced it.",
    )

    card_ids = fields.One2many("loyalty.points.card", "account_id", string="Cards")
    card_number = fields.Char(
        compute="_compute_card_number",
        store=True,
        index=True,
        readonly=True,
        copy=False,
        help="The number of the customer's active loyalty card. Blocked cards "
        "stay in the account's card history and never select a customer again.",
    )

    expiry_warned_date = fields.Date(
        string="Expiry Warned Until",
        readonly=True,
        copy=False,
        help="The customer was warned about the points expiring up to this day: "
        "the expiry warning announces only lots expiring later.",
    )

    _sql_constraints = [
        (
            "partner_company_uniq",
            "UNIQUE(partner_id, company_id)",
            "A customer has one loyalty account per company.",
        ),
    ]

    def _compute_entry_count(self):
        counts = dict(
            self.env["loyalty.points.entry"]._read_group(
                [("account_id", "in", self.ids)], ["account_id"], ["__count"]
            )
        )
        for account in self:
            account.entry_count = counts.get(account, 0)

    def _compute_window_visit_count(self):
        # counted for every account, whether a tier asks for visits or not
        visits = self._compute_visits()
        for account in self:
            account.window_visit_count = visits.get(account.id, 0)

    def _compute_expiring(self):
        today = fields.Date.context_today(self)
        self.expiring_points = 0.0
        self.next_expiry_date = False
        for company, accounts in self.grouped("company_id").items():
            limit = fields.Date.add(today, days=company.loyalty_points_warning_days)
            groups = self.env["loyalty.points.entry"]._read_group(
                [
                    ("account_id", "in", accounts.ids),
                    ("remaining", ">", 0),
                    ("expiry_date", "!=", False),
                    ("expiry_date", "<=", limit),
                ],
                ["account_id"],
                ["remaining:sum", "expiry_date:min"],
            )
            for account, points, first_date in groups:
                account.expiring_points = points
                account.next_expiry_date = first_date

    def _compute_next_available_date(self):
        groups = self.env["loyalty.points.entry"]._read_group(
            [("account_id", "in", self.ids), ("pending", "=", True), ("remaining", ">", 0)],
            ["account_id"],
            ["available_date:min"],
        )
        dates = dict(groups)
        for account in self:
            account.next_available_date = dates.get(account, False)

    def _loyalty_points_first_expiry(self):
        """{account: (day, points)}: the first day within its company's expiry
        warning window on which spendable points of the account expire, and
        how many (pending points are not spendable yet: they do not count).
        What the till shows, so the cashier can tell the customer to use them."""
        today = fields.Date.context_today(self)
        first = {}
        for company, accounts in self.grouped("company_id").items():
            if not company.loyalty_points_warning_days:
                continue
            groups = self.env["loyalty.points.entry"]._read_group(
                [
                    ("account_id", "in", accounts.ids),
                    ("remaining", ">", 0),
                    ("pending", "=", False),
                    ("expiry_date", "!=", False),
                    (
                        "expiry_date",
                        "<=",
                        fields.Date.add(today, days=company.loyalty_points_warning_days),
                    ),
                ],
                ["account_id", "expiry_date:day"],
                ["remaining:sum"],
                order="expiry_date:day",
            )
            for account, day, points in groups:
                first.setdefault(account, (day, points))
        return first

    @api.depends("card_ids.state", "card_ids.number")
    def _compute_card_number(self):
        for account in self:
            active = account.card_ids.filtered(lambda card: card.state == "active")
            account.card_number = active[:1].number or False

    def write(self, vals):
        self.check_access("write")
        check_protected_fields(self, [vals])
        return super().write(vals)

    def _loyalty_points_protected_error(self, fields):
        if "card_number" in fields:
            return UserError(
                self.env._(
                    "A loyalty card number cannot be written directly: issue, block "
                    "or replace the card instead."
                )
            )
        return UserError(
            self.env._(
                "The customer, the company, the balance, the tier and the turnover of a "
                "loyalty account are kept by the ledger: book journal entries instead."
            )
        )

    def action_open_entries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_points.loyalty_points_entry_action"
        )
        action["domain"] = [("account_id", "=", self.id)]
        action["context"] = {"default_account_id": self.id}
        return action

    def action_adjust(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Adjust Points"),
            "res_model": "loyalty.points.adjust",
            "view_mode": "form",
            "target": "new",
            "context": {"default_account_id": self.id},
        }

    @api.model
    def _get_or_create(self, partners, company):
        """The accounts of the commercial partners of ``partners`` in ``company``.

        Missing accounts are inserted with ON CONFLICT DO NOTHING, so two
        transactions creating the same account never both succeed: the second
        waits for the first and then gets a serialization failure, which Odoo
        retries.
        """
        commercial = partners.commercial_partner_id
        if not commercial:
            return self.browse()
        accounts = self.sudo().search(
            [("partner_id", "in", commercial.ids), ("company_id", "=", company.id)]
        )
        missing = commercial - accounts.partner_id
        if missing:
            self.env.flush_all()
            self.env.cr.execute(
                SQL(
                    """
                    INSERT INTO loyalty_points_account
                        (partner_id, company_id, balance, pending_points, create_uid,
                         create_date, write_uid, write_date)
                    SELECT partner, %(company)s, 0, 0, %(uid)s, NOW() AT TIME ZONE 'UTC',
                           %(uid)s, NOW() AT TIME ZONE 'UTC'
                      FROM unnest(%(partners)s) AS partner
                    ON CONFLICT (partner_id, company_id) DO NOTHING
                    RETURNING id
                    """,
                    company=company.id,
                    uid=self.env.uid,
                    partners=missing.ids,
                )
            )
            accounts |= self.sudo().browse(row[0] for row in self.env.cr.fetchall())
        return accounts.with_env(self.env)

    @api.model
    def _get_locked(self, partner, company):
        """The account of ``partner``'s commercial partner in ``company``,
        created if missing, locked (see :meth:`_lock_for_update`), with its
        balance, tier and turnover read under the lock: one query when it
        exists, as the POS sync needs it on every order."""
        commercial = partner.commercial_partner_id
        for _attempt in range(2):
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE loyalty_points_account
                       SET write_date = NOW() AT TIME ZONE 'UTC', write_uid = %(uid)s
                     WHERE partner_id = %(partner)s AND company_id = %(company)s
                 RETURNING id, balance, pending_points, tier_id, turnover, partner_id,
                           company_id
                    """,
                    partner=commercial.id,
                    company=company.id,
                    uid=self.env.uid,
                )
            )
            row = self.env.cr.fetchone()
            if row:
                account = self.browse(row[0])
                names = (
                    "balance",
                    "pending_points",
                    "tier_id",
                    "turnover",
                    "partner_id",
                    "company_id",
                )
                account.invalidate_recordset([*names, "write_date"])
                for name, value in zip(names, row[1:], strict=True):
                    if name in ("balance", "pending_points", "turnover"):
                        value = float(value or 0.0)
                    self.env.cache.update(account, self._fields[name], [value])
                return account
            self._get_or_create(commercial, company)
        raise RuntimeError("the loyalty account could not be created")

    def _lock_for_update(self):
        """Lock the rows of these accounts (in id order, so two transactions
        never deadlock) and read their balance under the lock.

        The row is always updated, even when the booking nets to zero: under
        REPEATABLE READ a concurrent booking of the same account then fails
        with a serialization error (Odoo retries it) instead of reading stale
        journal figures from its snapshot.
        """
        if not self:
            return
        self.env.cr.execute(
            SQL(
                """
                UPDATE loyalty_points_account AS account
                   SET write_date = NOW() AT TIME ZONE 'UTC', write_uid = %(uid)s
                  FROM (SELECT id FROM loyalty_points_account
                         WHERE id IN %(ids)s ORDER BY id FOR NO KEY UPDATE) AS locked
                 WHERE account.id = locked.id
             RETURNING account.id, account.balance
                """,
                ids=tuple(self.ids),
                uid=self.env.uid,
            )
        )
        self._set_cached_balances(self.env.cr.fetchall())

    def _set_cached_balances(self, rows):
        """Put the balances just read from the database ([(id, balance)]) in the cache."""
        accounts = self.browse(row[0] for row in rows)
        accounts.invalidate_recordset(["balance", "write_date", "write_uid"])
        self.env.cache.update(accounts, self._fields["balance"], [float(row[1]) for row in rows])

    def _add_to_balance(self, deltas, pending_deltas=None):
        """Add ``deltas`` and ``pending_deltas`` ({account id: points}) to the
        stored balances and pending points, in SQL."""
        pending_deltas = pending_deltas or {}
        ids = [
            account_id
            for account_id in {*deltas, *pending_deltas}
            if deltas.get(account_id) or pending_deltas.get(account_id)
        ]
        if not ids:
            return
        self.env.cr.execute(
            SQL(
                "%s RETURNING account.id, account.balance, account.pending_points",
                self._add_to_balance_sql(
                    SQL(
                        """
                        SELECT unnest(%(ids)s) AS id,
                               unnest(%(points)s::numeric[]) AS points,
                               unnest(%(pending)s::numeric[]) AS pending
                        """,
                        ids=ids,
                        points=[deltas.get(account_id, 0.0) for account_id in ids],
                        pending=[pending_deltas.get(account_id, 0.0) for account_id in ids],
                    )
                ),
            )
        )
        rows = self.env.cr.fetchall()
        self._set_cached_balances([row[:2] for row in rows])
        self.env.cache.update(
            self.browse(row[0] for row in rows),
            self._fields["pending_points"],
            [float(row[2]) for row in rows],
        )

    @api.model
    def _add_to_balance_sql(self, deltas):
        """The one statement that changes stored balances: it adds ``deltas``
        (an SQL query of rows ``id, points, pending``) to the balances and
        pending points of those accounts. The bookings of ``_book`` and the
        expiry and release jobs run it, the jobs inside their own statement."""
        return SQL(
            """
            UPDATE loyalty_points_account AS account
               SET balance = account.balance + delta.points,
                   pending_points = COALESCE(account.pending_points, 0) + delta.pending,
                   write_uid = %(uid)s,
                   write_date = NOW() AT TIME ZONE 'UTC'
              FROM (%(deltas)s) AS delta
             WHERE account.id = delta.id
            """,
            uid=self.env.uid,
            deltas=deltas,
        )

    def _open_lots(self, exclude_ids=()):
        """{lot id: [expiry date, remaining, pending]} of the open lots of this account."""
        self.ensure_one()
        self.env["loyalty.points.entry"].flush_model(["remaining", "pending"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id, expiry_date, remaining, pending IS TRUE
                  FROM loyalty_points_entry
                 WHERE account_id = %(account)s AND remaining > 0
                   AND NOT id = ANY(%(exclude)s)
                """,
                account=self.id,
                exclude=list(exclude_ids),
            )
        )
        return {
            lot_id: [expiry_date, float(left), pending]
            for lot_id, expiry_date, left, pending in self.env.cr.fetchall()
        }

    def _uncovered_debits(self, exclude_ids=()):
        """[[debit id, uncovered points]] of this account, oldest first: the
        negative entries that no lot covered when they were booked."""
        self.ensure_one()
        self.env["loyalty.points.entry"].flush_model(["account_id", "points"])
        self.env["loyalty.points.allocation"].flush_model(["debit_entry_id", "points"])
        self.env.cr.execute(
            SQL(
                """
                SELECT debit.id, -debit.points - COALESCE(SUM(alloc.points), 0)
                  FROM loyalty_points_entry AS debit
             LEFT JOIN loyalty_points_allocation AS alloc
                    ON alloc.debit_entry_id = debit.id
                 WHERE debit.account_id = %(account)s AND debit.points < 0
                   AND NOT debit.id = ANY(%(exclude)s)
              GROUP BY debit.id
                HAVING -debit.points - COALESCE(SUM(alloc.points), 0) > 0
              ORDER BY debit.id
                """,
                account=self.id,
                exclude=list(exclude_ids),
            )
        )
        return [[debit_id, float(left)] for debit_id, left in self.env.cr.fetchall()]
