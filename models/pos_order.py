import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, float_compare

from ..tools import (
    POINTS_DIGITS,
    LineSpec,
    earning_base,
    is_ledger,
    ledger_context,
    line_points,
    never_block,
    points_paid,
    refund_reversal,
    resolve_program,
    round_down,
    round_points,
    spread,
)

_logger = logging.getLogger(__name__)

# Fields only the ledger writes: the till's payload loses them, and a write or
# create that sets them outside the ledger is refused, for everyone.
LEDGER_ORDER_FIELDS = frozenset(
    {
        "loyalty_points_earned",
        "loyalty_points_redeemed",
        "loyalty_points_balance",
        "loyalty_points_tier_id",
        "loyalty_points_entry_ids",
        "loyalty_points_booked",
        "loyalty_points_account_id",
        "loyalty_points_date",
        "loyalty_points_amount",
        "loyalty_points_pending",
        "loyalty_points_available_date",
    }
)


def check_ledger_fields(records, vals_list, ledger_fields):
    """Refuse ``vals_list`` that set fields of ``ledger_fields`` outside the ledger."""
    if is_ledger(records.env.context):
        return
    forged = sorted({name for vals in vals_list for name in vals if name in ledger_fields})
    if forged:
        raise AccessError(
            records.env._(
                "Loyalty points are decided by the server: %(fields)s cannot be set.",
                fields=", ".join(forged),
            )
        )


class PosOrder(models.Model):
    _inherit = "pos.order"

    loyalty_points_entry_ids = fields.One2many(
        "loyalty.points.entry", "pos_order_id", string="Loyalty Entries", readonly=True
    )
    loyalty_points_earned = fields.Float(
        digits=POINTS_DIGITS,
        compute="_compute_loyalty_points",
        store=True,
        help="Points the order earned (negative on a refund: points taken back).",
    )
    loyalty_points_redeemed = fields.Float(
        digits=POINTS_DIGITS,
        compute="_compute_loyalty_points",
        store=True,
        help="Points paid with (negative on a refund: points given back).",
    )
    loyalty_points_balance = fields.Float(
        string="Balance after Order",
        digits=POINTS_DIGITS,
        readonly=True,
        copy=False,
    )
    loyalty_points_pending = fields.Float(
        string="Pending after Order",
        digits=POINTS_DIGITS,
        readonly=True,
        copy=False,
        help="The customer's pending points after this order: earned within the return "
        "window, not spendable yet.",
    )
    loyalty_points_available_date = fields.Date(
        string="Points Spendable From",
        readonly=True,
        copy=False,
        help="The day the points this order earned become spendable (pending until then).",
    )
    loyalty_points_tier_id = fields.Many2one(
        "loyalty.points.tier", string="Tier after Order", readonly=True, copy=False
    )
    loyalty_points_booked = fields.Boolean(
        string="Loyalty Booked",
        readonly=True,
        copy=False,
        help="The server booked the loyalty points of this paid order: it never does it twice.",
    )
    loyalty_points_account_id = fields.Many2one(
        "loyalty.points.account",
        string="Loyalty Account",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The account the order was booked to: its turnover counts there.",
    )
    loyalty_points_date = fields.Date(
        string="Loyalty Date",
        readonly=True,
        copy=False,
        help="The day the order counts for loyalty: its date, kept within its session.",
    )
    loyalty_points_amount = fields.Float(
        string="Loyalty Turnover",
        digits=(16, 2),
        readonly=True,
        copy=False,
        help="What the order adds to the customer's turnover, in the company currency, "
        "as the server values its lines (negative for a refund).",
    )

    @api.depends("loyalty_points_entry_ids.points", "loyalty_points_entry_ids.kind")
    def _compute_loyalty_points(self):
        for order in self:
            earned = redeemed = 0.0
            for entry in order.loyalty_points_entry_ids:
                origin = entry.reversed_entry_id.kind if entry.kind == "reversal" else entry.kind
                if origin == "redeem":
                    redeemed -= entry.points
                elif origin in ("earn", "reversal"):
                    earned += entry.points
            order.loyalty_points_earned = round_points(earned)
            order.loyalty_points_redeemed = round_points(redeemed)

    @api.model_create_multi
    def create(self, vals_list):
        check_ledger_fields(self, vals_list, LEDGER_ORDER_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_ledger_fields(self, [vals], LEDGER_ORDER_FIELDS)
        return super().write(vals)

    @api.model
    def _process_order(self, order, existing_order):
        for key in LEDGER_ORDER_FIELDS:
            order.pop(key, None)
        for line in order.get("lines") or []:
            if isinstance(line, list | tuple) and len(line) == 3 and isinstance(line[2], dict):
                for key in self.env["pos.order.line"]._LEDGER_FIELDS:
                    line[2].pop(key, None)
        return super()._process_order(order, existing_order)

    def action_pos_order_paid(self):
        res = super().action_pos_order_paid()
        self._loyalty_points_book()
        return res

    # ------------------------------------------------------------------
    # booking

    def _loyalty_points_book(self):
        """Book the loyalty points of paid orders, once per order, in this
        transaction. A loyalty problem never blocks a sale: see ``never_block``."""
        for order in self:
            if not order._loyalty_points_claim():
                continue
            moment = order._loyalty_points_moment()
            ledger = order.sudo().with_context(**ledger_context())
            with never_block(self.env.cr, f"booking of POS order {order.name}") as outcome:
                ledger._loyalty_points_book_order(moment)
            if outcome.failed:
                ledger._loyalty_points_alert(
                    self.env._("Loyalty points not booked"),
                    self.env._(
                        "The loyalty points of order %(order)s could not be booked "
                        "(%(error)s). The sale is recorded; book the points by hand.",
                        order=order.name,
                        error=outcome.error,
                    ),
                )

    def _loyalty_points_claim(self):
        """Mark this paid order as booked, atomically; False if it already was
        (a replay, a second call of ``action_pos_order_paid``) or is not paid."""
        self.ensure_one()
        self.flush_recordset(["state"])
        self.env.cr.execute(
            """
            UPDATE pos_order SET loyalty_points_booked = TRUE
             WHERE id = %s AND NOT COALESCE(loyalty_points_booked, FALSE)
               AND state IN ('paid', 'done', 'invoiced')
            RETURNING id
            """,
            [self.id],
        )
        claimed = bool(self.env.cr.fetchone())
        self.invalidate_recordset(["loyalty_points_booked"])
        return claimed

    def _loyalty_points_moment(self):
        """When the order counts for loyalty: its date, kept between the opening
        of its session and now. The till's clock decides nothing else: a
        backdated or future order is clamped, and the clamp is logged. Data
        loaded by the superuser (history imports, demo) keeps its dates."""
        self.ensure_one()
        moment = self.date_order or fields.Datetime.now()
        if self.env.su:
            return moment
        session = self.session_id
        earliest = max(filter(None, [session.start_at, session.create_date])) if session else None
        latest = fields.Datetime.now()
        clamped = min(max(moment, earliest or moment), latest)
        if clamped != moment:
            _logger.warning(
                "Loyalty points: order %s is dated %s, outside its session (%s to %s); "
                "it counts on %s",
                self.name,
                moment,
                earliest,
                latest,
                clamped,
            )
        return clamped

    def _loyalty_points_book_order(self, moment):
        """Redeem, earn and reverse the points of this paid order (as the ledger).

        The accounts are locked just before the entries are booked; the lock
        updates their rows, so figures read before it from a stale snapshot
        make the transaction fail and Odoo retry it.
        """
        self.ensure_one()
        company = self.session_id.config_id.company_id or self.company_id
        day = fields.Date.context_today(self, moment)
        amounts = self._loyalty_points_amounts(company, day)
        Entry = self.env["loyalty.points.entry"]
        account = self.env["loyalty.points.account"]
        if self.partner_id:
            account = account._get_locked(self.partner_id, company)
        reversal_vals = self._loyalty_points_reversal_vals(company)
        vals_list = [
            *self._loyalty_points_redeem_vals(account, company, amounts),
            *self._loyalty_points_earn_vals(account, company, day, amounts),
            *self._loyalty_points_bonus_vals(account, company, day, amounts),
            *self._loyalty_points_return_vals(account, company, day, amounts),
            *reversal_vals,
            *self._loyalty_points_bonus_reversal_vals(),
        ]
        for vals in vals_list:  # the journal is dated by the sale
            vals.setdefault("date", moment)
            vals.setdefault("pos_order_id", self.id)
        locked = account | account.browse({vals["account_id"] for vals in vals_list})
        (locked - account)._lock_for_update()
        balances_before = {locked_account: locked_account.balance for locked_account in locked}
        entries = Entry.with_context(loyalty_points_locked=tuple(locked.ids)).create(vals_list)
        # a refund without the customer counts for the refunded order's account
        turnover_account = (
            account
            or Entry.browse({vals["reversed_entry_id"] for vals in reversal_vals}).account_id[:1]
        )
        self._loyalty_points_check_redeem(
            account, company, amounts, balances_before.get(account, 0.0)
        )
        for reversed_account in entries.filtered("reversed_entry_id").account_id:
            if reversed_account.balance < 0:
                reversed_account._notify_overdraft(self, balances_before[reversed_account])
        order_vals = {"loyalty_points_date": day}
        if turnover_account:
            amount = company.currency_id.round(amounts["sale_total"] + amounts["refund_total"])
            order_vals.update(
                loyalty_points_account_id=turnover_account.id, loyalty_points_amount=amount
            )
            if turnover_account._in_tier_window(day):
                visits = None
                if self.env["loyalty.points.tier"]._tier_needs_visits(company):
                    # this order is not written yet: count it on top
                    visits = turnover_account._compute_visits()
                    visits[turnover_account.id] += int(amount > 0)
                turnover_account._update_tiers(
                    {turnover_account.id: turnover_account.turnover + amount}, visits
                )
        if account:
            pending = entries.filtered(lambda e: e.pending and e.account_id == account)
            order_vals.update(
                loyalty_points_balance=account.balance,
                loyalty_points_pending=account.pending_points,
                loyalty_points_available_date=min(pending.mapped("available_date"), default=False),
                loyalty_points_tier_id=account.tier_id.id,
            )
        self.write(order_vals)
        if account:
            earned = sum(entries.filtered(lambda e: e.kind == "earn").mapped("points"))
            if earned > 0:
                account._notify_points_earned(self, earned)
        return entries

    def _loyalty_points_alert(self, summary, note, account=None):
        """A to-do for a manager about this order: on the customer's account,
        else on the order's session. Never blocks the sale."""
        target = account or self.session_id
        with never_block(self.env.cr, f"loyalty alert on {target}"):
            manager = self.env["loyalty.points.account"]._loyalty_points_manager(
                self.session_id.config_id.company_id or self.company_id
            )
            target.sudo().activity_schedule(
                "mail.mail_activity_data_todo", summary=summary, note=note, user_id=manager.id
            )

    # ------------------------------------------------------------------
    # the server's view of the order

    def _loyalty_points_amounts(self, company, day):
        """What the server makes of this order, in the company currency on ``day``.

        Line amounts are recomputed from product, quantity, price and taxes (the
        till's totals are not read); payments are what the till recorded.
        :return: dict: ``lines`` {line: amount}, ``sale_total`` (lines that are
            not refunds of earlier lines), ``refund_total``, ``paid_points``
            (points payments, negative when points are given back),
            ``paid_other`` and ``base`` (see ``tools.earning_base``).
        """
        self.ensure_one()
        rate = self.env["res.currency"]._get_conversion_rate(
            self.currency_id, company.currency_id, company, day
        )
        lines = {
            line: line._compute_amount_line_all()["price_subtotal_incl"] * rate
            for line in self.lines
        }
        points_methods = self.payment_ids.filtered("payment_method_id.is_loyalty_points")
        amounts = {
            "lines": lines,
            "sale_total": sum(a for line, a in lines.items() if not line.refunded_orderline_id),
            "refund_total": sum(a for line, a in lines.items() if line.refunded_orderline_id),
            "paid_points": sum(points_methods.mapped("amount")) * rate,
            "paid_other": sum((self.payment_ids - points_methods).mapped("amount")) * rate,
        }
        amounts["base"] = earning_base(
            amounts["sale_total"],
            amounts["refund_total"],
            amounts["paid_other"],
            amounts["paid_points"],
        )
        return amounts

    # ------------------------------------------------------------------
    # redemption

    def _loyalty_points_redeem_vals(self, account, company, amounts):
        """A ``redeem`` entry for what the order paid with points, and give-backs
        for the points payments refunded (never more than the refunded orders
        redeemed, back into the accounts they came from)."""
        paid = amounts["paid_points"]
        Entry = self.env["loyalty.points.entry"]
        if paid > 0 and account:
            return [
                {
                    "account_id": account.id,
                    "kind": "redeem",
                    "points": -points_paid(paid, company.loyalty_points_value),
                    "idempotency_key": Entry._idempotency_key("redeem", self.id),
                }
            ]
        if paid < 0:
            redeems = Entry.search(
                [
                    ("pos_order_id", "in", self.lines.refunded_orderline_id.order_id.ids),
                    ("kind", "=", "redeem"),
                ],
                order="id",
            )
            return redeems._prepare_reversal_vals(
                round_points(-paid / company.loyalty_points_value),
                key=("giveback", self.id),
                note=self.env._("Points payment refunded: %(order)s", order=self.name),
            )
        return []

    def _loyalty_points_check_redeem(self, account, company, amounts, balance_before):
        """Points payments the till should have refused are recorded all the
        same (a sale is never lost) and a manager is told which case it was."""
        paid = amounts["paid_points"]
        if paid <= 0:
            return
        value = company.currency_id
        if not account:
            self._loyalty_points_alert(
                self.env._("Points payment without a customer"),
                self.env._(
                    "Order %(order)s was paid %(amount)s with loyalty points but has no "
                    "customer: no account was charged.",
                    order=self.name,
                    amount=value.round(paid),
                ),
            )
            return
        points = points_paid(paid, company.loyalty_points_value)
        share = company.loyalty_points_max_redeem_share
        total = max(amounts["sale_total"], 0.0)
        if points > max(balance_before, 0.0):
            self._loyalty_points_alert(
                self.env._("Points payment beyond the balance"),
                self.env._(
                    "Order %(order)s paid %(points)s points but %(partner)s had %(balance)s: "
                    "the account is overdrawn. Either two tills spent the same points at "
                    "once, or the till skipped the balance check. Later earnings pay the "
                    "shortfall back first.",
                    order=self.name,
                    points=points,
                    partner=account.partner_id.display_name,
                    balance=balance_before,
                ),
                account=account,
            )
        elif value.compare_amounts(paid, total * share / 100.0) > 0:
            self._loyalty_points_alert(
                self.env._("Points payment beyond the allowed share"),
                self.env._(
                    "Order %(order)s paid %(amount)s of %(total)s with points, more than "
                    "the %(share)s %% allowed: the till skipped the check.",
                    order=self.name,
                    amount=value.round(paid),
                    total=value.round(total),
                    share=share,
                ),
                account=account,
            )

    # ------------------------------------------------------------------
    # earning

    def _loyalty_points_earning_lines(self, amounts):
        """Lines that can earn: sold (not refunded) products, worth something."""
        return self.lines.filtered(
            lambda line: (
                line.qty > 0 and not line.refunded_orderline_id and amounts["lines"][line] > 0
            )
        )

    def _loyalty_points_line_spec(self, line, amount, qty, with_tags=True):
        """``line`` as plain data for :mod:`..tools.programs`; the customer's
        tags are read only ``with_tags`` (some program is scoped by tags)."""
        partner = self.partner_id.commercial_partner_id
        tags = (partner | self.partner_id).category_id.ids if with_tags else ()
        return LineSpec(
            partner_id=partner.id,
            partner_category_ids=frozenset(tags),
            product_id=line.product_id.id,
            product_category_id=line.product_id.categ_id.id,
            pos_config_id=self.config_id.id,
            amount=amount,
            qty=qty,
        )

    def _loyalty_points_earn_vals(self, account, company, day, amounts):
        """One lot per program that earns on this order, and the points of each line.

        Earning is computed on the server's earning base (``tools.earning_base``),
        spread over the lines in proportion to their amount.
        """
        if not account or self.partner_id._loyalty_points_is_excluded():
            return []
        lines = self._loyalty_points_earning_lines(amounts)
        sold = sum(amounts["lines"][line] for line in lines)
        if not lines or not amounts["base"]:
            return []
        factor = min(amounts["base"] / sold, 1.0)
        line_amounts = [
            (line, amounts["lines"][line] * factor, line.qty * factor) for line in lines
        ]
        Entry = self.env["loyalty.points.entry"]
        vals_list = []
        for program, (points, parts) in self._loyalty_points_program_points(
            account, company, day, line_amounts
        ).items():
            for line, part in parts:
                line.write(
                    {
                        "loyalty_points": part,
                        "loyalty_program_id": program.id,
                        "loyalty_points_qty": line.qty,
                    }
                )
            vals_list.append(
                {
                    "account_id": account.id,
                    "kind": "earn",
                    "points": points,
                    "expiry_date": fields.Date.add(day, days=program.validity_days)
                    if program.validity_days
                    else False,
                    "available_date": company._loyalty_points_available_date(day),
                    "program_id": program.id,
                    "idempotency_key": Entry._idempotency_key("earn", self.id, program.id),
                }
            )
        return vals_list

    def _loyalty_points_program_points(self, account, company, day, line_amounts):
        """{program spec: (points, [(line, part)])}: what ``line_amounts``
        ([(line, amount, qty)], amounts > 0 in the company currency) earn,
        program by program: the winning program of each line, the tier
        multiplier, rounded down per program and spread back over the lines."""
        specs = self.env["loyalty.points.program"]._program_specs(company, day)
        if not specs:
            return {}
        point_value = company.loyalty_points_value
        with_tags = any(spec.scope == "partner_category" for spec in specs)
        raw_by_program = defaultdict(list)  # spec: [(line, raw points)]
        for line, amount, qty in line_amounts:
            if line.product_id.loyalty_points_excluded:
                continue
            spec = self._loyalty_points_line_spec(line, amount, qty, with_tags)
            program = resolve_program(specs, spec, point_value, company.loyalty_points_best_program)
            if program:
                raw_by_program[program].append((line, line_points(program, spec, point_value)))
        multiplier = self.env["loyalty.points.tier"]._earn_multiplier(account.tier_id.id)
        rounding = company.loyalty_points_rounding
        result = {}
        for program in (spec for spec in specs if spec in raw_by_program):
            line_raws = raw_by_program[program]
            total = round_down(sum(raw for _line, raw in line_raws) * multiplier, rounding)
            if total:
                parts = spread(total, [raw for _line, raw in line_raws], rounding)
                result[program] = (
                    total,
                    [(line, part) for (line, _raw), part in zip(line_raws, parts, strict=True)],
                )
        return result

    def _loyalty_points_return_vals(self, account, company, day, amounts):
        """Goods returned without their receipt (negative lines that refund no
        known line) take back what they would have earned, from the customer
        of the return, never more than the account ever earned net."""
        returned = [
            (line, -amounts["lines"][line], -line.qty)
            for line in self.lines
            if line.qty < 0 and not line.refunded_orderline_id and amounts["lines"][line] < 0
        ]
        value = -min(amounts["sale_total"], 0.0)
        if not account or not returned or not value:
            return []
        gross = sum(amount for _line, amount, _qty in returned)
        factor = min(value / gross, 1.0)
        scaled = [(line, amount * factor, qty * factor) for line, amount, qty in returned]
        Entry = self.env["loyalty.points.entry"]
        Entry.flush_model(["points", "kind", "reversed_entry_id"])
        self.env.cr.execute(
            """
            SELECT COALESCE(SUM(entry.points), 0)
              FROM loyalty_points_entry AS entry
         LEFT JOIN loyalty_points_entry AS origin ON origin.id = entry.reversed_entry_id
             WHERE entry.account_id = %s
               AND (entry.kind = 'earn'
                    OR (entry.kind = 'reversal' AND (origin.id IS NULL OR origin.kind = 'earn')))
            """,
            [account.id],
        )
        earned = float(self.env.cr.fetchone()[0])
        vals_list = []
        for program, (points, _parts) in self._loyalty_points_program_points(
            account, company, day, scaled
        ).items():
            points = min(points, round_points(earned))
            if points <= 0:
                break
            earned -= points
            vals_list.append(
                {
                    "account_id": account.id,
                    "kind": "reversal",
                    "points": -points,
                    "program_id": program.id,
                    "note": self.env._("Return without receipt: %(order)s", order=self.name),
                    "idempotency_key": Entry._idempotency_key("return", self.id, program.id),
                }
            )
        return vals_list

    # ------------------------------------------------------------------
    # refunds

    def _loyalty_points_reversal_vals(self, company):
        """Reverse the points the refunded lines earned, in proportion to the
        refunded quantity, never more than they earned, in the account of the
        original order whoever the refund's customer is: one ``reversal`` per lot.

        Only the server's record of each original line counts (its points, the
        quantity that earned them, what earlier refunds took back)."""
        refunds = self.lines.filtered(
            lambda line: (
                line.qty < 0
                and line.refunded_orderline_id.loyalty_points > 0
                and line.refunded_orderline_id.product_id == line.product_id
            )
        )
        if not refunds:
            return []
        originals = refunds.refunded_orderline_id
        lots = self.env["loyalty.points.entry"].search(
            [("pos_order_id", "in", originals.order_id.ids), ("kind", "=", "earn")]
        )
        lot_of = {(lot.pos_order_id.id, lot.program_id.id): lot for lot in lots}
        rounding = company.loyalty_points_rounding
        by_lot = defaultdict(float)
        for line in refunds:
            original = line.refunded_orderline_id
            lot = lot_of.get((original.order_id.id, original.loyalty_program_id.id))
            if not lot:
                continue
            points = refund_reversal(
                original.loyalty_points,
                original.loyalty_points_qty,
                original.loyalty_points_reversed,
                original.loyalty_points_refunded_qty,
                -line.qty,
                rounding,
            )
            original.write(
                {
                    "loyalty_points_reversed": original.loyalty_points_reversed + points,
                    "loyalty_points_refunded_qty": original.loyalty_points_refunded_qty - line.qty,
                }
            )
            if points <= 0:
                continue
            line.write(
                {"loyalty_points": -points, "loyalty_program_id": original.loyalty_program_id.id}
            )
            by_lot[lot] += points
        vals_list = []
        for lot, points in by_lot.items():
            vals_list += lot._prepare_reversal_vals(
                points,
                key=("reversal", self.id),
                note=self.env._("Refund %(order)s", order=self.name),
            )
        return vals_list

    # ------------------------------------------------------------------
    # bonuses

    def _loyalty_points_bonus_vals(self, account, company, day, amounts):
        """The bonuses this paid order gives, decided by the server: on the
        customer's first paid order in the company, the welcome bonus, and the
        referral bonuses (to the referrer and to the new customer) when the
        order reaches the company's minimum amount. Once each, whatever
        happens later (idempotency keys ``welcome:<account>``,
        ``referral:<account>:referrer|new``). No query when the company gives
        no bonus the order could get."""
        if not account or amounts["sale_total"] <= 0:
            return []
        partner = self.partner_id.commercial_partner_id.sudo()
        referrer = partner.loyalty_points_referrer_id.commercial_partner_id
        referral = (
            referrer
            and company.currency_id.compare_amounts(
                amounts["sale_total"], company.loyalty_points_referral_min_amount
            )
            >= 0
        )
        Entry = self.env["loyalty.points.entry"]
        excluded = partner.loyalty_points_excluded
        candidates = []  # (account, bonus type, points, key, note)
        if company.loyalty_points_welcome_points > 0 and not excluded:
            candidates.append(
                (
                    account,
                    "welcome",
                    company.loyalty_points_welcome_points,
                    Entry._idempotency_key("welcome", account.id),
                    self.env._("Welcome bonus"),
                )
            )
        if referral and company.loyalty_points_referral_new_points > 0 and not excluded:
            candidates.append(
                (
                    account,
                    "referral",
                    company.loyalty_points_referral_new_points,
                    Entry._idempotency_key("referral", account.id, "new"),
                    self.env._("Referred by %(referrer)s", referrer=referrer.display_name),
                )
            )
        if (
            referral
            and company.loyalty_points_referral_points > 0
            and not referrer.loyalty_points_excluded
        ):
            candidates.append(
                (
                    account.browse(),  # the referrer's, below
                    "referral",
                    company.loyalty_points_referral_points,
                    Entry._idempotency_key("referral", account.id, "referrer"),
                    self.env._("Referral of %(customer)s", customer=partner.display_name),
                )
            )
        if not candidates:
            return []
        keys = self._loyalty_points_first_order_keys(company, [c[3] for c in candidates])
        if keys is None:
            return []
        candidates = [c for c in candidates if c[3] not in keys]
        if any(not c[0] for c in candidates):
            referrer_account = account._get_or_create(referrer, company)
            candidates = [(c[0] or referrer_account, *c[1:]) for c in candidates]
        expiry = company._loyalty_points_default_expiry(day)
        available = company._loyalty_points_available_date(day)  # refundable like the sale
        return [
            {
                "account_id": bonus_account.id,
                "kind": "bonus",
                "bonus_type": bonus_type,
                "points": points,
                "expiry_date": expiry,
                "available_date": available,
                "idempotency_key": key,
                "note": note,
            }
            for bonus_account, bonus_type, points, key, note in candidates
        ]

    def _loyalty_points_first_order_keys(self, company, keys):
        """The keys of ``keys`` already booked, or None if this is not the
        first paid order of its customer in ``company`` (any paid order of the
        customer or its contacts, booked by the loyalty or not, counts). One query."""
        self.ensure_one()
        self.env["pos.order"].flush_model(["partner_id", "company_id", "state", "amount_total"])
        self.env["loyalty.points.entry"].flush_model(["idempotency_key"])
        self.env.cr.execute(
            SQL(
                """
                SELECT EXISTS(
                           SELECT 1 FROM pos_order AS o
                             JOIN res_partner AS p ON p.id = o.partner_id
                            WHERE p.commercial_partner_id = %(partner)s
                              AND o.company_id = %(company)s
                              AND o.id <> %(order)s
                              AND o.state IN ('paid', 'done', 'invoiced')
                              AND o.amount_total > 0),
                       ARRAY(SELECT idempotency_key FROM loyalty_points_entry
                              WHERE idempotency_key = ANY(%(keys)s))
                """,
                partner=self.partner_id.commercial_partner_id.id,
                company=company.id,
                order=self.id,
                keys=keys,
            )
        )
        earlier, booked = self.env.cr.fetchone()
        return None if earlier else set(booked)

    def _loyalty_points_bonus_reversal_vals(self):
        """A refund that completes the full refund of an order takes back the
        bonuses that order gave (welcome, referral: for the referrer too),
        what is left of them to reverse."""
        originals = self.lines.filtered(lambda line: line.qty < 0).refunded_orderline_id.order_id
        if not originals:
            return []
        bonuses = self.env["loyalty.points.entry"].search(
            [("pos_order_id", "in", originals.ids), ("kind", "=", "bonus")], order="id"
        )
        vals_list = []
        for order, entries in bonuses.grouped("pos_order_id").items():
            if not order._loyalty_points_fully_refunded():
                continue
            for entry, points in entries._reversible_points().items():
                if points > 0:
                    vals_list += entry._prepare_reversal_vals(
                        points,
                        key=("unbonus", self.id),
                        note=self.env._(
                            "Bonus taken back, order %(order)s refunded", order=order.name
                        ),
                    )
        return vals_list

    def _loyalty_points_fully_refunded(self):
        """Whether every sold line of this order was refunded by paid refunds."""
        self.ensure_one()
        for line in self.lines.filtered(lambda line: line.qty > 0):
            refunded = -sum(
                refund.qty
                for refund in line.refund_orderline_ids
                if refund.order_id.state in ("paid", "done", "invoiced")
            )
            if (
                float_compare(refunded, line.qty, precision_rounding=line.product_uom_id.rounding)
                < 0
            ):
                return False
        return True
