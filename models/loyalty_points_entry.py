from collections import defaultdict
from datetime import date

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import POINTS_DIGITS, plan_consumption, round_points
from ..tools.fifo import lot_order_key

KINDS = [
    ("earn", "Earned"),
    ("redeem", "Redeemed"),
    ("expire", "Expired"),
    ("adjust", "Adjustment"),
    ("reversal", "Reversal"),
    ("bonus", "Bonus"),
]
BONUS_TYPES = [
    ("welcome", "Welcome"),
    ("birthday", "Birthday"),
    ("referral", "Referral"),
]


class LoyaltyPointsEntry(models.Model):
    _name = "loyalty.points.entry"
    _description = "Loyalty Points Journal Entry"
    _order = "date desc, id desc"
    _check_company_auto = True

    account_id = fields.Many2one(
        "loyalty.points.account",
        required=True,
        index=True,
        readonly=True,
        ondelete="restrict",
        check_company=True,
    )
    partner_id = fields.Many2one(
        related="account_id.partner_id",
        string="Customer",
        store=True,
        index=True,
        precompute=True,
    )
    # company_id and kind are not indexed: neither selects a small part of the
    # journal (see init() and docs/performance.md, "The expiry job").
    company_id = fields.Many2one(related="account_id.company_id", store=True, precompute=True)
    date = fields.Datetime(required=True, readonly=True, index=True, default=fields.Datetime.now)
    kind = fields.Selection(KINDS, required=True, readonly=True)
    points = fields.Float(digits=POINTS_DIGITS, required=True, readonly=True)
    remaining = fields.Float(
        digits=POINTS_DIGITS,
        readonly=True,
        default=0.0,
        help="Points of this lot not yet redeemed, expired or reversed.",
    )
    expiry_date = fields.Date(readonly=True, help="The lot expires after this day.")
    available_date = fields.Date(
        readonly=True,
        help="The lot's points can be spent from this day; before it they are pending "
        "(the return window of the sale that earned them).",
    )
    pending = fields.Boolean(
        readonly=True,
        default=False,
        help="The lot's points are pending: they count in the account's pending points, "
        "not in its balance, until the release job frees them on their available date.",
    )
    bonus_type = fields.Selection(BONUS_TYPES, readonly=True, help="What a bonus was given for.")
    program_id = fields.Many2one(
        "loyalty.points.program", readonly=True, index="btree_not_null", ondelete="restrict"
    )
    pos_order_id = fields.Many2one(
        "pos.order",
        string="POS Order",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    reversed_entry_id = fields.Many2one(
        "loyalty.points.entry",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    reversal_entry_ids = fields.One2many(
        "loyalty.points.entry", "reversed_entry_id", string="Reversed By", readonly=True
    )
    note = fields.Char(readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Responsible", readonly=True, default=lambda self: self.env.user
    )
    idempotency_key = fields.Char(readonly=True, copy=False)
    debit_allocation_ids = fields.One2many(
        "loyalty.points.allocation", "debit_entry_id", string="Points Taken From"
    )
    credit_allocation_ids = fields.One2many(
        "loyalty.points.allocation", "credit_entry_id", string="Points Used By"
    )

    move_id = fields.Many2one(
        "account.move",
        string="Journal Entry",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        groups="account.group_account_readonly",
        help="The accounting entry that booked these points in the liability.",
    )

    _sql_constraints = [
        ("idempotency_key_uniq", "UNIQUE(idempotency_key)", "This entry is already booked."),
        ("points_not_zero", "CHECK(points <> 0)", "An entry must move some points."),
        (
            "remaining_range",
            "CHECK((points > 0 AND remaining >= 0 AND remaining <= points) "
            "OR (points < 0 AND remaining = 0))",
            "The remaining points of a lot must lie between zero and its points.",
        ),
        (
            "kind_sign",
            "CHECK((kind NOT IN ('earn', 'bonus') OR points > 0) "
            "AND (kind NOT IN ('redeem', 'expire') OR points < 0))",
            "Earned points and bonuses are positive, redeemed and expired points negative.",
        ),
        (
            "pending_lot",
            "CHECK(NOT pending OR (points > 0 AND available_date IS NOT NULL))",
            "Only a lot with an available date can be pending.",
        ),
        (
            "bonus_type_kind",
            "CHECK((kind = 'bonus') = (bonus_type IS NOT NULL))",
            "A bonus says what it was given for, and only a bonus does.",
        ),
    ]

    def init(self):
        # The expiry job and the "expiring soon" figures only look at open lots.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS loyalty_points_entry_open_lot_idx
                ON loyalty_points_entry (expiry_date, account_id)
             WHERE remaining > 0
            """
        )
        # Indexes of earlier versions that no query needs (Odoo keeps an
        # index when its field stops asking for it). Every new entry and
        # every lot's change of ``remaining`` paid for them.
        self.env.cr.execute(
            """
            DROP INDEX IF EXISTS loyalty_points_entry__kind_index,
                                 loyalty_points_entry__company_id_index
            """
        )
        # The release job only looks at pending lots.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS loyalty_points_entry_pending_lot_idx
                ON loyalty_points_entry (available_date, account_id)
             WHERE pending
            """
        )

    @api.depends("kind", "points", "account_id")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for entry in self:
            entry.display_name = self.env._(
                "%(kind)s %(points)+g (%(partner)s)",
                kind=kinds.get(entry.kind, ""),
                points=entry.points,
                partner=entry.partner_id.display_name or "",
            )

    @api.model_create_multi
    def create(self, vals_list):
        """Book entries: lock their accounts, allocate negative entries over the
        open lots (first expiring first), let new lots pay back an overdrawn
        balance first, and update the stored balances, in this transaction."""
        self.check_access("create")  # before any lock: nobody but the ledger (sudo) books
        accounts = self.env["loyalty.points.account"].browse(
            {vals["account_id"] for vals in vals_list}
        )
        # callers that locked the accounts already say so (the POS booking)
        (
            accounts - accounts.browse(self.env.context.get("loyalty_points_locked", ()))
        )._lock_for_update()
        today = fields.Date.context_today(self)
        for vals in vals_list:
            vals["points"] = round_points(vals.get("points", 0.0))
            vals["remaining"] = max(vals["points"], 0.0)
            self._prepare_pending_vals(vals, today)
        entries = super().create(vals_list)
        entries._book()
        return entries

    @api.model
    def _prepare_pending_vals(self, vals, today):
        """A lot whose ``available_date`` is after ``today`` is pending (the
        ledger decides, whatever ``vals`` say), and never expires before it can
        be spent; only lots have an available date."""
        available = fields.Date.to_date(vals.get("available_date")) if vals["points"] > 0 else None
        vals["available_date"] = available or False
        vals["pending"] = bool(available and available > today)
        expiry = fields.Date.to_date(vals.get("expiry_date"))
        if vals["pending"] and expiry and expiry < available:
            vals["expiry_date"] = available

    def write(self, vals):
        if self:
            raise UserError(
                self.env._(
                    "Journal entries cannot be changed. Book a reversal or an adjustment instead."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._(
                "Journal entries cannot be deleted. Book a reversal or an adjustment instead."
            )
        )

    def _book(self):
        """Allocations, lots' ``remaining``, balances and pending points of
        freshly created entries.

        Entries are booked in id order, account by account. Queries do not grow
        with the size of the journal: open lots are read once per account, and
        only when a debit needs them; uncovered debits only when the account
        is overdrawn. A new lot pays an overdrawn balance back first, pending
        or not (that part is not pending: it settles a debt); what is left of a
        pending lot counts in the pending points, not in the balance.
        """
        allocations = []
        remaining = {}
        balance_deltas = defaultdict(float)
        pending_deltas = defaultdict(float)
        for account, entries in self.sorted("id").grouped("account_id").items():
            batch_ids = entries.ids
            # debits not (fully) covered by lots: [entry id, uncovered points]
            debts = account._uncovered_debits(batch_ids) if account.balance < 0 else []
            batch_lots = {}
            open_lots = None  # {lot id: [expiry date, remaining, pending]}, on demand
            for entry in entries:
                if entry.points > 0:
                    left = self._pay_debts(debts, entry.id, entry.points, allocations)
                    remaining[entry.id] = left
                    if entry.pending:
                        pending_deltas[account.id] += left
                        balance_deltas[account.id] += entry.points - left
                    else:
                        balance_deltas[account.id] += entry.points
                    if left:
                        batch_lots[entry.id] = [entry.expiry_date, left, entry.pending]
                        if open_lots is not None:
                            open_lots[entry.id] = batch_lots[entry.id]
                    continue
                if open_lots is None:
                    open_lots = {**account._open_lots(batch_ids), **batch_lots}
                plan, shortfall = entry._plan_debit(open_lots)
                for lot_id, taken in plan:
                    allocations.append((entry.id, lot_id, taken))
                    lot = open_lots[lot_id]
                    lot[1] = round_points(lot[1] - taken)
                    remaining[lot_id] = lot[1]
                    (pending_deltas if lot[2] else balance_deltas)[account.id] -= taken
                if shortfall:
                    debts.append([entry.id, shortfall])
                    balance_deltas[account.id] -= shortfall
        self._create_allocations(allocations)
        self._set_remaining(remaining)
        self.env["loyalty.points.account"]._add_to_balance(balance_deltas, pending_deltas)

    @api.model
    def _pay_debts(self, debts, lot_id, points, allocations):
        """Let ``points`` of lot ``lot_id`` pay ``debts`` ([[debit id, uncovered
        points]], oldest first, updated in place) back: the allocations go to
        ``allocations`` ([(debit id, lot id, points)]). Returns what is left."""
        left = points
        for debt in debts:
            taken = min(debt[1], left)
            if taken > 0:
                allocations.append((debt[0], lot_id, taken))
                debt[1] = round_points(debt[1] - taken)
                left = round_points(left - taken)
        return left

    @api.model
    def _create_allocations(self, allocations):
        """Create the allocations [(debit id, lot id, points)]."""
        if allocations:
            self.env["loyalty.points.allocation"].sudo().create(
                [
                    {"debit_entry_id": debit, "credit_entry_id": credit, "points": points}
                    for debit, credit, points in allocations
                ]
            )

    # ------------------------------------------------------------------
    # the ledger's API: keys and reversals

    @api.model
    def _idempotency_key(self, *parts):
        """The idempotency key of an entry: its parts joined by colons, e.g.
        ``earn:<order id>:<program id>``. Parts are what nobody can change after
        the fact (record ids, never a client's uuid). The expiry job's SQL
        builds the same form (``expire:<account id>:<first lot id>``)."""
        return ":".join(str(part) for part in parts)

    def _reversible_points(self):
        """{entry: points of it not reversed yet} (> 0), from the journal."""
        done = defaultdict(float)
        for reversal in self.reversal_entry_ids:
            done[reversal.reversed_entry_id] += abs(reversal.points)
        return {entry: round_points(abs(entry.points) - done[entry]) for entry in self}

    def _prepare_reversal_vals(self, points, key, **vals):
        """Values of the entries that reverse ``points`` (> 0) of these entries,
        in order, never more than is left of each to reverse.

        A lot (positive entry) is reversed by one negative ``reversal``, taken
        first from the lot itself. A debit (a redeem) is reversed by giving the
        points back: one positive ``reversal`` per lot it was taken from, with
        that lot's expiry (a give-back never extends a lot's life), the
        latest-expiring first; points it took from no lot (an overdraft) come
        back with the company's default validity.

        :param key: tuple, the first parts of the idempotency keys (the event,
            e.g. ``("reversal", refund order id)``); the entry (and the lot)
            ids complete them.
        :param vals: more values for every entry (note, pos_order_id, ...)
        """
        left = round_points(points)
        vals_list = []
        rooms = self._reversible_points()
        for entry in self:
            back = min(rooms[entry], left)
            if back <= 0:
                continue
            left = round_points(left - back)
            common = {
                "account_id": entry.account_id.id,
                "kind": "reversal",
                "reversed_entry_id": entry.id,
                "program_id": entry.program_id.id,
                **vals,
            }
            if entry.points > 0:
                vals_list.append(
                    {
                        **common,
                        "points": -back,
                        "idempotency_key": self._idempotency_key(*key, entry.id),
                    }
                )
                continue
            for lot_id, expiry, part in entry._giveback_parts(back):
                vals_list.append(
                    {
                        **common,
                        "points": part,
                        "expiry_date": expiry,
                        "idempotency_key": self._idempotency_key(*key, entry.id, lot_id),
                    }
                )
        return vals_list

    def _giveback_parts(self, points):
        """[(lot id or 0, expiry date, points)]: how ``points`` more of this debit
        come back. The lots it took are given back the latest-expiring first,
        after what earlier give-backs returned; what no lot covered comes back
        last, with the company's default validity."""
        self.ensure_one()
        taken = defaultdict(float)
        for allocation in self.debit_allocation_ids:
            taken[allocation.credit_entry_id] += allocation.points
        lots = sorted(taken, key=lambda lot: (lot.expiry_date or date.max, lot.id), reverse=True)
        uncovered = round_points(-self.points - sum(taken.values()))
        sources = [(lot.id, lot.expiry_date, taken[lot]) for lot in lots]
        if uncovered > 0:
            day = fields.Date.context_today(self)
            sources.append((0, self.company_id._loyalty_points_default_expiry(day), uncovered))
        skip = sum(reversal.points for reversal in self.reversal_entry_ids)
        parts = []
        left = points
        for lot_id, expiry, available in sources:
            skipped = min(skip, available)
            skip = round_points(skip - skipped)
            part = min(round_points(available - skipped), left)
            if part > 0:
                parts.append((lot_id, expiry, part))
                left = round_points(left - part)
        return parts

    def _plan_debit(self, open_lots):
        """Plan which lots this negative entry takes its points from.

        A reversal takes first from the lot it reverses (pending or not: a
        refund within the return window cancels pending points). Then every
        debit takes from the lots that are not pending, first expiring first;
        a reversal, which cancels earnings, then takes from pending lots
        rather than overdraw the account. Redeems, expiries and adjustments
        never touch pending points.
        ``open_lots`` is {lot id: [expiry date, remaining, pending]}.
        Hook: override to change the consumption order.
        """
        self.ensure_one()
        points = -self.points
        plan = []
        reversed_lot = self.reversed_entry_id.id
        if reversed_lot in open_lots and open_lots[reversed_lot][1] > 0:
            taken = min(open_lots[reversed_lot][1], points)
            plan.append((reversed_lot, taken))
            points = round_points(points - taken)
        taken_first = plan[0][1] if plan else 0.0
        lots = [
            (lot_id, expiry, left - (taken_first if lot_id == reversed_lot else 0.0), pending)
            for lot_id, (expiry, left, pending) in open_lots.items()
        ]
        more, shortfall = plan_consumption([lot[:3] for lot in lots if not lot[3]], points)
        if shortfall > 0 and self.kind == "reversal":
            extra, shortfall = plan_consumption([lot[:3] for lot in lots if lot[3]], shortfall)
            more += extra
        return plan + more, round_points(shortfall)

    def _set_remaining(self, remaining):
        """Store the ``remaining`` of lots ({entry id: points}), bypassing write():
        this bookkeeping is the only change a posted entry ever gets."""
        if not remaining:
            return
        self.flush_model(["remaining"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE loyalty_points_entry AS entry
                   SET remaining = lot.remaining
                  FROM (SELECT unnest(%(ids)s) AS id,
                               unnest(%(remaining)s::numeric[]) AS remaining) AS lot
                 WHERE entry.id = lot.id AND entry.remaining IS DISTINCT FROM lot.remaining
                """,
                ids=list(remaining),
                remaining=list(remaining.values()),
            )
        )
        self.browse(remaining).invalidate_recordset(["remaining"])

    @api.model
    def _cron_expire_points(self, batch_size=10000):
        """Expire the lots past their expiry date, about ``batch_size`` a run.
        Pending lots wait for their release (they never expire before it).

        The batch is the accounts of the first ``batch_size`` due lots (read
        from the partial index of open lots); all their due lots expire.

        Set-based SQL under the accounts' row locks, one statement: each
        account gets one ``expire`` entry for all its due lots (idempotency
        key ``expire:<account id>:<first lot id>``), allocated to each of
        them, so the points expired stay visible lot by lot; the lots'
        ``remaining`` drop to zero and the balances follow, all in this
        transaction. A lot expires once, so the key is unique by
        construction, and a re-run the same day (new due lots, e.g. points
        given back with a past expiry) books a new entry. The cron framework
        commits between batches and runs the job again while work remains,
        so a killed run leaves whole batches only, and a re-run finds
        nothing twice.

        :return: the number of due lots left, counted up to ten batches (an
            exact figure once fewer are left)
        """
        today = fields.Date.context_today(self)
        self.env.flush_all()
        cr = self.env.cr
        due_lots = self._expiry_due_lots_sql(today)
        account_ids = self._due_batch_account_ids(due_lots, SQL("expiry_date"), batch_size)
        done = 0
        if account_ids:
            accounts = self.env["loyalty.points.account"].browse(account_ids)
            accounts._lock_for_update()
            # One expire entry per account, its id drawn up front (nextval in
            # a materialized CTE): entries, allocations and lots are then
            # joined on integers.
            cr.execute(
                SQL(
                    """
                    WITH due AS MATERIALIZED (
                        SELECT id, account_id, partner_id, company_id, remaining
                          FROM loyalty_points_entry AS lot
                         WHERE account_id = ANY(%(accounts)s) AND %(due)s
                    ), expiry AS MATERIALIZED (
                        SELECT nextval('loyalty_points_entry_id_seq') AS id,
                               account_id, partner_id, company_id,
                               SUM(remaining) AS points, MIN(id) AS first_lot_id
                          FROM due
                         GROUP BY account_id, partner_id, company_id
                    ), expired AS (
                        INSERT INTO loyalty_points_entry
                            (id, account_id, partner_id, company_id, date, kind, points,
                             remaining, pending, note, user_id, idempotency_key,
                             create_uid, create_date, write_uid, write_date)
                        SELECT id, account_id, partner_id, company_id, %(now)s,
                               'expire', -points, 0, FALSE, %(note)s, %(uid)s,
                               %(key)s || account_id || ':' || first_lot_id,
                               %(uid)s, %(now)s, %(uid)s, %(now)s
                          FROM expiry
                        ON CONFLICT (idempotency_key) DO NOTHING
                        RETURNING id, account_id, points
                    ), booked AS (
                        SELECT expired.id AS expire_id, due.id AS lot_id, due.remaining
                          FROM due JOIN expired ON expired.account_id = due.account_id
                    ), allocated AS (
                        INSERT INTO loyalty_points_allocation
                            (debit_entry_id, credit_entry_id, points)
                        SELECT expire_id, lot_id, remaining FROM booked
                    ), closed AS (
                        UPDATE loyalty_points_entry AS lot SET remaining = 0
                         WHERE lot.id = ANY(ARRAY(SELECT lot_id FROM booked))
                    ), balances AS (
                        UPDATE loyalty_points_account AS account
                           SET balance = account.balance + expired.points,
                               write_uid = %(uid)s, write_date = %(now)s
                          FROM expired
                         WHERE account.id = expired.account_id
                           AND account.id = ANY(%(accounts)s)
                    )
                    SELECT COUNT(*) FROM booked
                    """,
                    accounts=account_ids,
                    due=due_lots,
                    now=fields.Datetime.now(),
                    note=self.env._("Points expired"),
                    key=self._idempotency_key("expire", ""),
                    uid=self.env.uid,
                )
            )
            done = cr.fetchone()[0]
            self.invalidate_model()
            self.env["loyalty.points.allocation"].invalidate_model()
            accounts.invalidate_recordset()
        return self._notify_due_left(due_lots, batch_size, done)

    @api.model
    def _due_batch_account_ids(self, due, order, batch_size):
        """The ids of the accounts of the first ``batch_size`` lots that match
        ``due`` (an SQL condition on ``lot``), in ``order`` (an SQL column of
        ``lot``, then the account): the batch of a ledger job."""
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT account_id FROM (
                    SELECT account_id FROM loyalty_points_entry AS lot
                     WHERE %(due)s
                     ORDER BY %(order)s, account_id LIMIT %(limit)s
                ) AS due
                """,
                due=due,
                order=order,
                limit=batch_size,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _notify_due_left(self, due, batch_size, done):
        """Tell the cron ``done`` and how many lots matching ``due`` are left,
        counted up to ten batches: an exact figure near the end, "at least
        that much" before, without scanning every lot each batch. Returns
        that figure."""
        self.env.cr.execute(
            SQL(
                """
                SELECT COUNT(*) FROM (
                    SELECT 1 FROM loyalty_points_entry AS lot WHERE %(due)s LIMIT %(cap)s
                ) AS due
                """,
                due=due,
                cap=10 * batch_size,
            )
        )
        left = self.env.cr.fetchone()[0]
        self.env["ir.cron"]._notify_progress(done=done, remaining=left)
        return left

    @api.model
    def _expiry_due_lots_sql(self, today):
        """SQL condition on ``lot`` (loyalty_points_entry): the lot is due to
        expire on ``today`` (pending lots wait for their release). Every
        query of the expiry job selects its lots with it; ``remaining > 0`` is
        the predicate of the partial index of open lots
        (``loyalty_points_entry_open_lot_idx``)."""
        return SQL("lot.remaining > 0 AND lot.expiry_date < %s AND lot.pending IS NOT TRUE", today)

    @api.model
    def _cron_release_points(self, batch_size=10000):
        """Release the pending lots whose available date has come, about
        ``batch_size`` a run: their points move from the accounts' pending
        points to their balances.

        The batch is the accounts of the first ``batch_size`` due lots; all
        their due lots are released, in one statement under the accounts' row
        locks. An overdrawn account's released lots pay its debt back first,
        as any new lot does. The cron framework commits between batches and
        runs the job again while work remains; a killed run leaves whole
        batches, and a re-run finds nothing twice (a released lot is no longer
        pending).

        :return: the number of due pending lots left, counted up to ten batches
        """
        today = fields.Date.context_today(self)
        self.env.flush_all()
        cr = self.env.cr
        due_lots = SQL("lot.pending AND lot.available_date <= %s", today)
        accounts = self.env["loyalty.points.account"].browse(
            self._due_batch_account_ids(due_lots, SQL("available_date"), batch_size)
        )
        done = 0
        if accounts:
            accounts._lock_for_update()
            overdrawn = accounts.filtered(lambda account: account.balance < 0)
            cr.execute(
                SQL(
                    """
                    WITH released AS (
                        UPDATE loyalty_points_entry AS lot SET pending = FALSE
                         WHERE lot.account_id = ANY(%(accounts)s) AND %(due)s
                     RETURNING lot.id, lot.account_id, lot.remaining, lot.expiry_date
                    ), moved AS (
                        UPDATE loyalty_points_account AS account
                           SET balance = account.balance + totals.points,
                               pending_points = COALESCE(account.pending_points, 0) - totals.points,
                               write_uid = %(uid)s, write_date = NOW() AT TIME ZONE 'UTC'
                          FROM (SELECT account_id, SUM(remaining) AS points
                                  FROM released GROUP BY account_id) AS totals
                         WHERE account.id = totals.account_id
                    )
                    SELECT id, account_id, remaining, expiry_date FROM released
                    """,
                    accounts=accounts.ids,
                    due=due_lots,
                    uid=self.env.uid,
                )
            )
            released = cr.fetchall()
            done = len(released)
            self.browse(row[0] for row in released).invalidate_recordset(["pending"])
            accounts.invalidate_recordset()
            if overdrawn:
                self._pay_back_with_released(overdrawn, released)
        return self._notify_due_left(due_lots, batch_size, done)

    @api.model
    def _pay_back_with_released(self, accounts, released):
        """Let the lots just released ([(lot id, account id, remaining, expiry
        date)]) pay back the uncovered debits of the overdrawn ``accounts``,
        first expiring first. Balances do not move: the points were added to
        them on release; only the allocations and the lots' ``remaining`` do."""
        lots = defaultdict(list)
        for lot_id, account_id, left, expiry in released:
            if left > 0:
                lots[account_id].append((lot_id, expiry, float(left)))
        allocations = []
        remaining = {}
        for account in accounts:
            debts = account._uncovered_debits()
            for lot_id, _expiry, left in sorted(lots[account.id], key=lot_order_key):
                remaining[lot_id] = self._pay_debts(debts, lot_id, left, allocations)
        self._create_allocations(allocations)
        self._set_remaining(remaining)
