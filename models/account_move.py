from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_round

from ..tools import (
    POINTS_DIGITS,
    check_protected_fields,
    ledger_context,
    match_credits,
    never_block,
    refund_reversal,
    round_points,
    smallest_payment,
)
from .loyalty_points_entry_accounting import POSTINGS

# Customer documents that sell (and so earn once paid), and those that credit them.
SALE_TYPES = ("out_invoice", "out_receipt")
CREDIT_TYPES = ("out_refund",)
PAID_STATES = ("in_payment", "paid")
# The loyalty figures of a booked document.
FIGURES = (
    "loyalty_points_booked",
    "loyalty_points_account_id",
    "loyalty_points_date",
    "loyalty_points_amount",
    "loyalty_points_refunded",
)


class AccountMove(models.Model):
    """A paid customer invoice asks the ledger for its points, like a paid
    POS order: once, when it is paid (``_invoice_paid_hook``), with the same
    programs, tiers, exclusions, pending days and bonuses; a posted credit
    note takes back what its invoice earned, line by line; a cancelled
    invoice takes back all it earned. The ledger (``loyalty.points.entry``)
    builds the entries; paying with points is ``account.payment``'s."""

    _inherit = "account.move"
    # Fields only the ledger writes (tools.guard.check_protected_fields).
    _loyalty_points_protected_fields = ("loyalty_points_entry_ids", "loyalty_points_base", *FIGURES)

    loyalty_points_posting = fields.Selection(
        POSTINGS,
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Set on the journal entries that book the loyalty points liability.",
    )

    loyalty_points_entry_ids = fields.One2many(
        "loyalty.points.entry", "invoice_id", string="Loyalty Entries", readonly=True
    )
    loyalty_points_booked = fields.Boolean(
        string="Loyalty Booked",
        readonly=True,
        copy=False,
        help="The server booked the loyalty points of this paid invoice (or credit note): "
        "it never does it twice.",
    )
    loyalty_points_account_id = fields.Many2one(
        "loyalty.points.account",
        string="Loyalty Account",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The account the invoice was booked to: its turnover counts there.",
    )
    loyalty_points_date = fields.Date(
        string="Loyalty Date",
        readonly=True,
        copy=False,
        help="The day the invoice counts for loyalty: the day it was paid (a credit "
        "note: posted).",
    )
    loyalty_points_amount = fields.Float(
        string="Loyalty Turnover",
        digits=(16, 2),
        readonly=True,
        copy=False,
        help="What the invoice adds to the customer's turnover, in the company currency "
        "(taxes included, like a POS order; negative for a credit note).",
    )
    loyalty_points_refunded = fields.Boolean(
        string="Fully Credited",
        readonly=True,
        copy=False,
        help="Credit notes (or its cancellation) took back all of this invoice: it is no visit.",
    )
    loyalty_points_base = fields.Float(
        string="Loyalty Earning Base",
        readonly=True,
        copy=False,
        help="What the customer paid for the invoice by other means than points, untaxed, "
        "in the company currency, as its booking valued it: what its points were earned "
        "on, and the price the deferred revenue method shares between the goods and the "
        "points.",
    )
    loyalty_points_earned = fields.Float(
        string="Points Earned",
        digits=POINTS_DIGITS,
        compute="_compute_loyalty_points",
        help="Points the invoice earned once paid (negative on a credit note: points "
        "taken back). An invoice of a POS order shows the order's.",
    )
    loyalty_points_paid = fields.Float(
        string="Paid with Points",
        digits=POINTS_DIGITS,
        compute="_compute_loyalty_points",
        help="Points spent on this invoice (negative on a credit note: points given back).",
    )
    loyalty_points_balance = fields.Float(
        string="Customer's Points",
        digits=POINTS_DIGITS,
        compute="_compute_loyalty_points",
        help="The customer's spendable points today, in the invoice's company.",
    )
    loyalty_points_tier_id = fields.Many2one(
        "loyalty.points.tier",
        string="Customer's Tier",
        compute="_compute_loyalty_points",
    )
    loyalty_points_summary = fields.Boolean(
        string="Show Loyalty Points",
        compute="_compute_loyalty_points",
        help="The invoice shows its loyalty block (customer invoices and credit notes of "
        "loyalty members, when the company shows it).",
    )

    @api.depends("move_type", "state", "partner_id", "company_id")
    def _compute_loyalty_points(self):
        moves = self.sudo()
        documents = moves.filtered(
            lambda m: m.move_type in SALE_TYPES + CREDIT_TYPES and m.partner_id
        )
        accounts = {
            (account.partner_id, account.company_id): account
            for account in self.env["loyalty.points.account"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", documents.partner_id.commercial_partner_id.ids),
                    ("company_id", "in", documents.company_id.ids),
                ]
            )
        }
        for move, sudo_move in zip(self, moves, strict=True):
            account = accounts.get(
                (sudo_move.partner_id.commercial_partner_id, sudo_move.company_id)
            )
            earned, paid = sudo_move._loyalty_points_figures() if account else (0.0, 0.0)
            move.loyalty_points_earned = earned
            move.loyalty_points_paid = paid
            # the customer's balance and tier only where the block shows them
            summary = bool(
                account
                and sudo_move in documents
                and sudo_move.state == "posted"
                and sudo_move.company_id.loyalty_points_invoice_summary
            )
            move.loyalty_points_summary = summary
            move.loyalty_points_balance = account.balance if summary else 0.0
            move.loyalty_points_tier_id = account.tier_id if summary else False

    def _loyalty_points_figures(self):
        """(points earned, points paid with) of this document, from the journal
        (an invoice of POS orders: the orders')."""
        self.ensure_one()
        if self.pos_order_ids:
            return (
                sum(self.pos_order_ids.mapped("loyalty_points_earned")),
                sum(self.pos_order_ids.mapped("loyalty_points_redeemed")),
            )
        earned = paid = 0.0
        for entry in self.loyalty_points_entry_ids:
            if entry.payment_id:
                paid -= entry.points
            elif entry.kind in ("earn", "reversal") and entry.reversed_entry_id.kind != "bonus":
                earned += entry.points
        return round_points(earned), round_points(paid)

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_fields(self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_fields(self, [vals])
        return super().write(vals)

    def _post(self, soft=True):
        self._loyalty_points_check_booked_amounts()
        posted = super()._post(soft)
        posted._loyalty_points_on_post()
        return posted

    def _loyalty_points_check_booked_amounts(self):
        """A document is booked once: reset to draft and posted again, it keeps
        what its points were booked on. The lines of an invoice that earned
        sell for no less, a credit note that took points back credits no
        more (the difference would never be booked); a change goes through a
        credit note or a new invoice. A document whose points were all taken
        back (cancelled, fully credited) is free."""
        for move in self.sudo().filtered(
            lambda m: m.loyalty_points_booked
            and m.loyalty_points_account_id
            and not m.loyalty_points_refunded
        ):
            currency = move.company_id.currency_id
            if move.move_type in SALE_TYPES:
                changed = any(
                    currency.compare_amounts(
                        line._loyalty_points_amount_company(), line.loyalty_points_amount
                    )
                    < 0
                    for line in move.invoice_line_ids
                    if line.loyalty_points_amount > 0
                )
            else:
                changed = (
                    currency.compare_amounts(
                        abs(move.amount_total_signed), abs(move.loyalty_points_amount)
                    )
                    > 0
                )
            if changed:
                raise UserError(
                    self.env._(
                        "%(document)s has booked its loyalty points: it cannot be posted "
                        "again for less (an invoice) or for more (a credit note) than they "
                        "were booked on. Post it as it was, and issue a credit note or a new "
                        "invoice for the difference.",
                        document=move.display_name,
                    )
                )

    def button_draft(self):
        # points payments whose journal entry leaves the books give their points back
        payments = self.filtered(lambda m: m.state == "posted").origin_payment_id
        payments = payments.filtered("loyalty_points_invoice_id")
        payments._loyalty_points_check_undo()
        res = super().button_draft()
        payments._loyalty_points_unbook()
        return res

    def button_cancel(self):
        booked = self.filtered(lambda m: m.loyalty_points_booked and m.move_type in SALE_TYPES)
        res = super().button_cancel()
        booked._loyalty_points_book_cancel()
        return res

    def _invoice_paid_hook(self):
        res = super()._invoice_paid_hook()
        self._loyalty_points_book_paid()
        return res

    # ------------------------------------------------------------------
    # what triggers a booking

    def _loyalty_points_on_post(self):
        """Posted journal entries of points payments book their points (not the
        payments of a POS session closing in a flagged journal: the till booked
        theirs); posted credit notes take back what their invoice earned."""
        payments = self.origin_payment_id.filtered("is_loyalty_points")
        payments._loyalty_points_book()
        self.filtered(
            lambda m: m.move_type in CREDIT_TYPES and m.reversed_entry_id.loyalty_points_booked
        )._loyalty_points_book_credit_note()

    def _loyalty_points_book_paid(self):
        """Book the points of these customer invoices that are paid, once each
        (claimed), when their company's invoices earn. A loyalty problem never
        blocks the payment: see ``never_block``."""
        invoices = self.filtered(
            lambda m: m.company_id.loyalty_points_invoice_earning
            and m.move_type in SALE_TYPES
            and not m.loyalty_points_booked
            and m.state == "posted"
            and m.payment_state in PAID_STATES
        )
        if not invoices:
            return
        # Odoo's pending work first, as this user: the booking's savepoint
        # then has nothing of it to flush
        self.env.flush_all()
        for invoice in invoices:
            facts = invoice._loyalty_points_claim_sale()
            if facts is None or not invoice.partner_id or facts["sold_at_pos"]:
                continue  # booked already, or claimed: a POS order earned for it
            if invoice._loyalty_points_settled_at_pos():
                continue
            ledger = invoice.sudo().with_context(**ledger_context())
            with never_block(self.env.cr, f"booking of invoice {invoice.name}") as outcome:
                ledger._loyalty_points_book_invoice(facts)
            if outcome.failed:
                invoice._loyalty_points_notify_failed(outcome.error)

    def _loyalty_points_notify_failed(self, error):
        """The points of this document could not be booked: the payment (or the
        credit note) stands, a manager books them by hand."""
        self.ensure_one()
        self.env["loyalty.points.account"]._loyalty_points_alert(
            self,
            self.company_id,
            self.env._("Loyalty points not booked"),
            self.env._(
                "The loyalty points of %(document)s could not be booked (%(error)s). "
                "The document is recorded; book the points by hand.",
                document=self.name,
                error=error,
            ),
        )

    def _loyalty_points_claim(self, returning=None):
        """Mark this document as booked, atomically: None if it already was (a
        second payment hook, an invoice paid again after a reset to draft),
        else the row of ``returning`` (SQL of ``move``) read in the same
        statement."""
        self.ensure_one()
        rows = self.env.execute_query(
            SQL(
                """
                UPDATE account_move AS move SET loyalty_points_booked = TRUE
                 WHERE move.id = %s AND move.loyalty_points_booked IS NOT TRUE
             RETURNING %s
                """,
                self.id,
                returning or SQL("move.id"),
            )
        )
        # booked now, by this call or an earlier one
        self.env.cache.update(self, self._fields["loyalty_points_booked"], [True])
        return rows[0] if rows else None

    def _loyalty_points_claim_sale(self):
        """Claim this paid invoice (see :meth:`_loyalty_points_claim`) and read,
        in the same statement, what its booking needs: whether it invoices POS
        orders (``sold_at_pos``), the points its points payments spent
        (``paid_points``) and its posted credit notes not booked yet
        (``credit_notes``). None if it was booked already."""
        self.env["loyalty.points.entry"].flush_model(["invoice_id", "payment_id", "points"])
        row = self._loyalty_points_claim(
            SQL(
                """
                EXISTS(SELECT 1 FROM pos_order WHERE pos_order.account_move = move.id),
                (SELECT COALESCE(SUM(entry.points), 0) FROM loyalty_points_entry AS entry
                  WHERE entry.invoice_id = move.id AND entry.payment_id IS NOT NULL),
                ARRAY(SELECT note.id FROM account_move AS note
                       WHERE note.reversed_entry_id = move.id
                         AND note.move_type IN %s AND note.state = 'posted'
                         AND note.loyalty_points_booked IS NOT TRUE
                    ORDER BY note.id)
                """,
                CREDIT_TYPES,
            )
        )
        if row is None:
            return None
        sold_at_pos, spent, note_ids = row
        return {
            "sold_at_pos": sold_at_pos,
            "paid_points": -float(spent),
            "credit_notes": self.browse(note_ids),
        }

    def _loyalty_points_settled_at_pos(self):
        """Whether this invoice bills sales orders that a POS order settled
        (``pos_sale``): the POS order earned for them. Invoices of POS orders
        themselves are found by :meth:`_loyalty_points_claim_sale`."""
        self.ensure_one()
        lines = self.sudo().invoice_line_ids
        if "sale_line_ids" not in lines._fields:
            return False
        orders = lines.sale_line_ids.order_id
        return bool("pos_order_line_ids" in orders._fields and orders.pos_order_line_ids)

    # ------------------------------------------------------------------
    # booking a paid invoice

    def _loyalty_points_book_invoice(self, facts):
        """Ask the ledger for the points of this paid invoice and book them (as
        the ledger): earn (what the customer paid by other means than points,
        untaxed), the first-sale bonuses, and the credit notes posted before it
        was paid (their lines are not earned on); then the tier, the lines'
        and the invoice's loyalty figures and the SMS.

        :param facts: what the claim read (:meth:`_loyalty_points_claim_sale`)

        The account is locked before anything is read for the booking."""
        self.ensure_one()
        company = self.company_id
        today = fields.Date.context_today(self)
        Account = self.env["loyalty.points.account"]
        account = Account._get_locked(self.partner_id, company)
        credit_notes = facts["credit_notes"]
        lines = self._loyalty_points_sale_lines()
        early = match_credits(
            [(line, line.product_id.id, amount) for line, amount in lines.items() if amount > 0],
            credit_notes._loyalty_points_credits(),
        )
        total = abs(self.amount_total_signed)
        credited = sum(abs(note.amount_total_signed) for note in credit_notes)
        sale_amount = company.currency_id.round(max(total - credited, 0.0))
        available = company._loyalty_points_available_date(today)
        earn_vals, line_values, base = self._loyalty_points_earn_vals(
            account, company, today, lines, early, total, facts["paid_points"]
        )
        vals_list = [
            *earn_vals,
            *account._sale_bonus_vals(self, self.partner_id, today, sale_amount, available),
        ]
        entries = self.env["loyalty.points.entry"]._post(vals_list, locked=account)
        # the tier first: it counts this sale on top of those already written
        account._add_sale_to_tier(today, sale_amount)
        figures = {self: (account, today, company.currency_id.round(total), False)}
        for note in credit_notes:
            amount = -company.currency_id.round(abs(note.amount_total_signed))
            figures[note] = (account, today, amount, False)
        self._loyalty_points_set_figures(figures, line_values, bases={self: base})
        earned = sum(entries.filtered(lambda e: e.kind == "earn").mapped("points"))
        if earned > 0:
            account._notify_points_earned(self, earned)
        return entries

    def _loyalty_points_sale_lines(self):
        """{product line: untaxed amount in the company currency} of this document."""
        return {
            line: line._loyalty_points_amount_company()
            for line in self.invoice_line_ids
            if line.display_type == "product"
        }

    def _loyalty_points_credits(self):
        """[(product id, untaxed amount in the company currency)] of the product
        lines of these credit notes."""
        return [
            (line.product_id.id, line._loyalty_points_amount_company())
            for note in self
            for line in note.invoice_line_ids
            if line.display_type == "product" and line._loyalty_points_amount_company() > 0
        ]

    def _loyalty_points_paid_points(self):
        """Points spent on this invoice by its points payments (net of what they
        gave back), from the journal."""
        self.ensure_one()
        groups = (
            self.env["loyalty.points.entry"]
            .sudo()
            ._read_group(
                [("invoice_id", "=", self.id), ("payment_id", "!=", False)], [], ["points:sum"]
            )
        )
        return -(groups[0][0] or 0.0)

    def _loyalty_points_payment_limits(self, account):
        """What a points payment on this invoice may be, in the company currency:
        ``balance`` (the points ``account`` can spend) and ``balance_value``,
        ``share_value`` (the company's maximum share of the invoice, less what
        points paid of it already), ``min_amount`` (the value of a hundredth of
        a point) and ``max_amount`` (the most it may be, the invoice's residual
        included)."""
        self.ensure_one()
        company = self.company_id
        currency = company.currency_id
        value = company.loyalty_points_value
        balance = max(account.balance, 0.0) if account else 0.0
        share = abs(self.amount_total_signed) * company.loyalty_points_max_redeem_share / 100.0
        paid = self._loyalty_points_paid_points() * value
        limits = {
            "balance": balance,
            "balance_value": float_round(
                balance * value, precision_rounding=currency.rounding, rounding_method="DOWN"
            ),
            "share_value": float_round(
                max(share - paid, 0.0), precision_rounding=currency.rounding, rounding_method="DOWN"
            ),
            "min_amount": smallest_payment(value, currency.rounding),
        }
        limits["max_amount"] = min(
            limits["balance_value"], limits["share_value"], abs(self.amount_residual_signed)
        )
        return limits

    def _loyalty_points_refundable_redeems(self):
        """The redeems of the points payments of the invoice this credit note
        credits: a refund of the credit note gives them back."""
        self.ensure_one()
        return (
            self.env["loyalty.points.entry"]
            .sudo()
            .search(
                [
                    ("invoice_id", "=", self.reversed_entry_id.id or 0),
                    ("payment_id", "!=", False),
                    ("kind", "=", "redeem"),
                ],
                order="id",
            )
        )

    def _loyalty_points_earn_vals(self, account, company, day, lines, early, total, paid_points):
        """One lot per program that earns on this invoice, and each line's
        record: the earning base (the untaxed lines, negative ones included,
        less what credit notes credited, less the share of the invoice paid
        with points) spread over the sold lines in proportion to their amount.

        :return: (entries' values, {line: its loyalty figures}, the earning base)
        """
        paid = paid_points * company.loyalty_points_value
        points_share = min(max(paid / total, 0.0), 1.0) if total > 0 else 0.0
        left = {line: amount - early.get(line, 0.0) for line, amount in lines.items()}
        base = max(sum(left.values()), 0.0) * (1.0 - points_share)
        sold = {line: amount for line, amount in left.items() if amount > 0 and line.quantity > 0}
        line_values = {
            line: {"loyalty_points_amount": amount, "loyalty_points_credited": 0.0}
            for line, amount in sold.items()
        }
        sold_total = sum(sold.values())
        if not sold or base <= 0:
            return [], line_values, base
        factor = min(base / sold_total, 1.0)
        earnings = self.env["loyalty.points.program"]._compute_earnings(
            self.partner_id,
            company,
            day,
            [
                (
                    line,
                    line.product_id,
                    amount * factor,
                    line.quantity * amount / lines[line] * factor,
                )
                for line, amount in sold.items()
            ],
            account=account,
        )
        for program, (_points, parts) in earnings.items():
            for line, part in parts:
                line_values[line].update(loyalty_points=part, loyalty_program_id=program.id)
        vals_list = self.env["loyalty.points.entry"]._prepare_earn_vals(
            account,
            self,
            day,
            {program: points for program, (points, _p) in earnings.items()},
            company._loyalty_points_available_date(fields.Date.context_today(self)),
        )
        return vals_list, line_values, base

    def _loyalty_points_sale_price(self):
        """What the customer paid for this invoice by other means than points,
        untaxed, in the company currency: the earning base its booking computed
        (``loyalty_points_base``). The deferred revenue method allocates it
        between the goods and the points."""
        self.ensure_one()
        return self.loyalty_points_base

    def _loyalty_points_set_figures(self, figures, line_values=None, bases=None):
        """Store the loyalty figures of documents ({move: (account, date,
        amount, fully credited)}), the earning base of those just booked
        (``bases``: {move: base}; the others keep theirs) and the figures of
        their lines ({line: {field: value}}, see
        ``account.move.line._loyalty_points_update_sql``) in one statement,
        bypassing write(): the ledger's bookkeeping, not accounting data (a
        write would run the accounting checks of posted entries)."""
        names = FIGURES
        bases = bases or {}
        updates = []
        if line_values:
            updates.append(self.env["account.move.line"]._loyalty_points_update_sql(line_values))
        if figures:
            self.flush_model([*names, "loyalty_points_base"])
            rows = SQL(", ").join(
                SQL(
                    "(%s, %s::int, %s::date, %s::numeric, %s::bool, %s::float8)",
                    move.id,
                    account.id or None,
                    day or None,
                    amount,
                    refunded,
                    bases.get(move),
                )
                for move, (account, day, amount, refunded) in figures.items()
            )
            updates.append(
                SQL(
                    """
                    UPDATE account_move AS move
                       SET loyalty_points_booked = TRUE,
                           loyalty_points_account_id = new.account_id,
                           loyalty_points_date = new.day,
                           loyalty_points_amount = new.amount,
                           loyalty_points_refunded = new.refunded,
                           loyalty_points_base = COALESCE(new.base, move.loyalty_points_base)
                      FROM (VALUES %s) AS new(id, account_id, day, amount, refunded, base)
                     WHERE move.id = new.id
                    """,
                    rows,
                )
            )
        if not updates:
            return
        if len(updates) == 2:  # one round trip
            updates = [SQL("WITH line_update AS (%s RETURNING line.id) %s", *updates)]
        self.env.execute_query(updates[0])
        if line_values:
            lines = self.env["account.move.line"].browse(line.id for line in line_values)
            lines.invalidate_recordset(lines._loyalty_points_protected_fields)
        # what was written, in the cache: the booking reads none of it back
        moves = self.browse(move.id for move in figures)
        cache = self.env.cache
        for index, name in enumerate(names[1:]):
            values = [row[index] for row in figures.values()]
            if name == "loyalty_points_account_id":
                values = [account.id or None for account in values]
            elif name == "loyalty_points_date":
                values = [fields.Date.to_date(day) or False for day in values]
            cache.update(moves, self._fields[name], values)
        cache.update(moves, self._fields["loyalty_points_booked"], [True] * len(moves))
        if bases:
            cache.update(
                self.browse(move.id for move in bases),
                self._fields["loyalty_points_base"],
                list(bases.values()),
            )

    # ------------------------------------------------------------------
    # credit notes and cancellations

    def _loyalty_points_book_credit_note(self):
        """These posted credit notes of booked invoices take back, once each,
        what the lines they credit earned (in proportion to the amount
        credited, never more than a line earned), and the first-sale bonuses
        of an invoice they undo; their amounts leave the turnover."""
        for note in self:
            if note._loyalty_points_claim() is None:
                continue
            ledger = note.sudo().with_context(**ledger_context())
            with never_block(self.env.cr, f"booking of credit note {note.name}") as outcome:
                ledger._loyalty_points_book_credit()
            if outcome.failed:
                note._loyalty_points_notify_failed(outcome.error)

    def _loyalty_points_book_credit(self):
        self.ensure_one()
        invoice = self.reversed_entry_id
        account = invoice.loyalty_points_account_id
        company = invoice.company_id
        today = fields.Date.context_today(self)
        if account:
            account._lock_for_update()
        rounding = company.loyalty_points_rounding
        earned = invoice.invoice_line_ids.filtered(lambda line: line.loyalty_points_amount > 0)
        credited = match_credits(
            [
                (
                    line,
                    line.product_id.id,
                    line.loyalty_points_amount - line.loyalty_points_credited,
                )
                for line in earned
            ],
            self._loyalty_points_credits(),
        )
        lots = invoice.loyalty_points_entry_ids.filtered(lambda e: e.kind == "earn")
        lot_of = {lot.program_id: lot for lot in lots}
        by_lot = {}
        line_values = {}
        for line, amount in credited.items():
            points = refund_reversal(
                line.loyalty_points,
                line.loyalty_points_amount,
                line.loyalty_points_reversed,
                line.loyalty_points_credited,
                amount,
                rounding,
            )
            line_values[line] = {
                "loyalty_points_reversed": line.loyalty_points_reversed + points,
                "loyalty_points_credited": line.loyalty_points_credited + amount,
            }
            lot = lot_of.get(line.loyalty_program_id)
            if lot and points > 0:
                by_lot[lot] = by_lot.get(lot, 0.0) + points
        fully, left = invoice._loyalty_points_credit_left(self)
        Account = self.env["loyalty.points.account"]
        vals_list = [
            vals
            for lot, points in by_lot.items()
            for vals in lot._prepare_reversal_vals(points, self)
        ]
        vals_list += Account._bonus_takeback_vals(self, company, {invoice: (fully, left)})
        balance_before = account.balance
        entries = self.env["loyalty.points.entry"]._post(vals_list, locked=account)
        fully_credited = {}
        if fully:  # no visit any more: written before the tier counts visits
            fully_credited[invoice] = (
                account,
                invoice.loyalty_points_date,
                invoice.loyalty_points_amount,
                True,
            )
        self._loyalty_points_set_figures(fully_credited, line_values)
        amount = -company.currency_id.round(abs(self.amount_total_signed)) if account else 0.0
        if account:
            account._add_sale_to_tier(today, amount)
            if entries and account.balance < 0:
                account._notify_overdraft(self, balance_before)
        self._loyalty_points_set_figures({self: (account, today, amount, False)})
        return entries

    def _loyalty_points_credit_left(self, note):
        """(fully credited, amount left): whether the booked credit notes of
        this invoice (``note`` included) credit all of it, and what is left of
        it (taxes included, company currency)."""
        self.ensure_one()
        notes = self.reversal_move_ids.filtered(
            lambda m: m.move_type in CREDIT_TYPES and (m.loyalty_points_booked or m == note)
        )
        total = abs(self.amount_total_signed)
        left = total - sum(abs(m.amount_total_signed) for m in notes)
        return self.company_id.currency_id.compare_amounts(left, 0.0) <= 0, max(left, 0.0)

    def _loyalty_points_book_cancel(self):
        """A cancelled invoice that earned takes back, once, what is left of
        its points and bonuses; it and its credit notes leave the turnover."""
        for invoice in self.sudo().with_context(**ledger_context()):
            account = invoice.loyalty_points_account_id
            if not account:
                continue
            account._lock_for_update()
            entries = invoice.loyalty_points_entry_ids
            lots = entries.filtered(lambda e: e.kind == "earn")
            note = self.env._("Invoice %(invoice)s cancelled", invoice=invoice.name)
            vals_list = [
                vals
                for lot, points in lots._reversible_points().items()
                if points > 0
                for vals in lot._prepare_reversal_vals(points, invoice, note=note)
            ]
            vals_list += self.env["loyalty.points.account"]._bonus_takeback_vals(
                invoice, invoice.company_id, {invoice: (True, 0.0)}
            )
            self.env["loyalty.points.entry"]._post(vals_list, locked=account)
            notes = invoice.reversal_move_ids.filtered("loyalty_points_booked")
            amounts = {move: move.loyalty_points_amount for move in invoice | notes}
            invoice._loyalty_points_set_figures(
                {
                    move: (move.loyalty_points_account_id, move.loyalty_points_date, 0.0, True)
                    for move in amounts
                }
            )
            net = sum(amounts.values())
            if net:
                account._add_sale_to_tier(invoice.loyalty_points_date, -net)
