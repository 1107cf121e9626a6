from collections import defaultdict
from datetime import date

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, create_index

from ..tools import POINTS_DIGITS, is_ledger, ledger_context, plan_consumption, round_points

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
# The events that book entries, and the form of their idempotency keys: a
# closed list, the one place keys come from (``_key``, and ``_key_sql`` for
# set-based SQL). ``<source>`` is the document that asked (``_source_ref``):
# a POS order's id, or another document's prefix and id.
KEY_EVENTS = {
    "earn": "earn:<source>:<program>",  # the lot a program earned on a sale
    # points paid; a document that pays again once its points came back (a
    # points payment reposted) names the redeem given back before it
    "redeem": "redeem:<source>[:<earlier redeem>]",
    "reward": "reward:<source>:<line>",  # points spent on a reward taken on a line
    "giveback": "giveback:<source>:<redeem>:<lot or 0>",  # a points payment refunded
    "reversal": "reversal:<source>:<lot>",  # earned points of refunded lines
    "return": "return:<source>:<program>",  # goods returned without their receipt
    "welcome": "welcome:<account>",
    "referral": "referral:<account>:new|referrer",  # <account>: the new customer's
    "birthday": "birthday:<account>:<year>",
    "unbonus": "unbonus:<source>:<bonus>",  # a bonus taken back by a refund
    "expire": "expire:<account>:<first lot>",  # the expiry job, in SQL
    # an opening lot switched in (wizard loyalty.points.import, in SQL):
    # <import>: the file's digest, or "odoo-card"; <line>: its row, or the card
    "import": "import:<import>:<line>",
}
# The documents that ask the ledger: {model: (entry field, key prefix)}.
SOURCES = {
    "pos.order": ("pos_order_id", ""),
    "account.move": ("invoice_id", "inv"),
    "account.payment": ("payment_id", "pay"),
}
# A document that belongs to another one links its entries to that one too:
# {model: {entry field: the document's field}} (a points payment: its invoice).
SOURCE_LINKS = {"account.payment": {"invoice_id": "loyalty_points_invoice_id"}}


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
    # journal (see migrations/18.0.1.3.0 and docs/performance.md, "The expiry job").
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
    invoice_id = fields.Many2one(
        "account.move",
        string="Invoice",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="The customer invoice or credit note the entry was booked for.",
    )
    payment_id = fields.Many2one(
        "account.payment",
        string="Points Payment",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="The payment with points (or its refund) of an invoice that booked the entry.",
    )
    reversed_entry_id = fields.Many2one(
        "loyalty.points.entry",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    reward_id = fields.Many2one(
        "loyalty.points.reward",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="The reward these points were spent on (or given back from).",
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

    deferred_amount = fields.Float(
        readonly=True,
        copy=False,
        groups="account.group_account_readonly,account.group_account_manager",
        help="Deferred revenue method: what the liability took for these points when "
        "the job posted them (the part of the sale's price allocated to them, or their "
        "stand-alone selling price); negative on a refund's reversal of them.",
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
        # Partial indexes (earlier versions' indexes are dropped by
        # migrations/18.0.1.3.0). The expiry job and the "expiring soon"
        # figures only look at open lots, the release job at pending ones.
        create_index(
            self.env.cr,
            "loyalty_points_entry_open_lot_idx",
            self._table,
            ["expiry_date", "account_id"],
            where="remaining > 0",
        )
        create_index(
            self.env.cr,
            "loyalty_points_entry_pending_lot_idx",
            self._table,
            ["available_date", "account_id"],
            where="pending",
        )

    @api.depends("kind", "points", "account_id")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for entry in self:
            points = entry.company_id._loyalty_points_format(entry.points)
            signed = f"+{points}" if entry.points > 0 else points
            entry.display_name = self.env._(
                "%(kind)s %(points)s (%(partner)s)",
                kind=kinds.get(entry.kind, ""),
                points=signed,
                partner=entry.partner_id.display_name or "",
            )

    @api.model_create_multi
    def create(self, vals_list):
        """Book entries: lock their accounts, allocate negative entries over the
        open lots (first expiring first), let new lots pay back an overdrawn
        balance first, and update the stored balances, in this transaction.
        Only the ledger creates entries (``_post``), from the values its
        ``_prepare_*_vals`` build."""
        self.check_access("create")  # before any lock: nobody but the ledger (sudo) books
        if not is_ledger(self.env.context):
            raise AccessError(
                self.env._("Journal entries are booked by the ledger only, never created directly.")
            )
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

    # ------------------------------------------------------------------
    # the booking API: documents say what happened, the ledger books it
    #
    # A document (a POS order, a job, a wizard) asks for entries with the
    # ``_prepare_*_vals`` builders below and books them all at once with
    # ``_post``: the values, keys, reversals and give-backs are built here only.

    @api.model
    def _key(self, event, *parts):
        """The idempotency key of an entry booked for ``event`` (one of
        ``KEY_EVENTS``): the event and ``parts`` joined by colons. Parts are
        what nobody can change after the fact (record ids, never a client's
        uuid)."""
        if event not in KEY_EVENTS:
            raise ValueError(f"unknown ledger event {event!r}")
        return ":".join((event, *(str(part) for part in parts)))

    @api.model
    def _key_sql(self, event, *parts):
        """The same key as :meth:`_key`, as an SQL expression of ``parts`` (SQL)."""
        if event not in KEY_EVENTS:
            raise ValueError(f"unknown ledger event {event!r}")
        return SQL("(%s || %s)", f"{event}:", SQL(" || ':' || ").join(parts))

    @api.model
    def _source_ref(self, source):
        """How ``source`` (a document of ``SOURCES``) appears in keys (0: none)."""
        return f"{SOURCES[source._name][1]}{source.id}" if source else "0"

    def _source(self):
        """The document that asked the ledger for this entry (a document of
        ``SOURCES``), or None."""
        self.ensure_one()
        return next((self[field] for field, _prefix in SOURCES.values() if self[field]), None)

    @api.model
    def _source_vals(self, source):
        """The entry field that links an entry to ``source``, if any (first),
        and those that link it to the document ``source`` belongs to."""
        if not source:
            return {}
        vals = {SOURCES[source._name][0]: source.id}
        for field, link in SOURCE_LINKS.get(source._name, {}).items():
            vals[field] = source[link].id
        return vals

    @api.model
    def _post(self, vals_list, date=None, locked=None):
        """Book the entries of ``vals_list`` (from the builders below), dated
        ``date`` (default: now), in this transaction: the one way entries
        are created. ``locked``: accounts the caller has locked already.

        :return: the entries
        """
        if not vals_list:
            return self.browse()
        if date:
            for vals in vals_list:
                vals.setdefault("date", date)
        ledger = self.sudo().with_context(
            **ledger_context(), loyalty_points_locked=tuple(locked.ids if locked else ())
        )
        return ledger.create(vals_list).with_env(self.env)

    # ------------------------------------------------------------------
    # bookkeeping: allocations, lots and balances of new entries

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
                    if left != entry.points:  # a new lot starts with all its points
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
        self._store_allocations(allocations, remaining)
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

    def _reversible_points(self):
        """{entry: points of it not reversed yet} (> 0), from the journal."""
        done = defaultdict(float)
        for reversal in self.reversal_entry_ids:
            done[reversal.reversed_entry_id] += abs(reversal.points)
        return {entry: round_points(abs(entry.points) - done[entry]) for entry in self}

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

    @api.model
    def _store_allocations(self, allocations, remaining):
        """Insert the allocations [(debit id, lot id, points)] and store the
        ``remaining`` of the lots they change ({entry id: points}), in one
        statement, bypassing write(): this bookkeeping is the only change a
        posted entry ever gets."""
        if not allocations and not remaining:
            return
        self.flush_model(["remaining"])
        self.env.cr.execute(
            SQL(
                """
                WITH allocated AS (
                    INSERT INTO loyalty_points_allocation (debit_entry_id, credit_entry_id, points)
                    SELECT * FROM unnest(%(debits)s::int[], %(credits)s::int[],
                                         %(points)s::numeric[])
                )
                UPDATE loyalty_points_entry AS entry
                   SET remaining = lot.remaining
                  FROM (SELECT unnest(%(ids)s::int[]) AS id,
                               unnest(%(remaining)s::numeric[]) AS remaining) AS lot
                 WHERE entry.id = lot.id AND entry.remaining IS DISTINCT FROM lot.remaining
                """,
                debits=[debit for debit, _credit, _points in allocations],
                credits=[credit for _debit, credit, _points in allocations],
                points=[points for _debit, _credit, points in allocations],
                ids=list(remaining),
                remaining=list(remaining.values()),
            )
        )
        if allocations:
            self.env["loyalty.points.allocation"].invalidate_model()
            self.browse({row[0] for row in allocations}).invalidate_recordset(
                ["debit_allocation_ids"]
            )
            self.browse({row[1] for row in allocations}).invalidate_recordset(
                ["credit_allocation_ids"]
            )
        self.browse(remaining).invalidate_recordset(["remaining"])
