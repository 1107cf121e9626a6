import logging

from odoo import api, fields, models

from ..tools import (
    POINTS_DIGITS,
    check_protected_fields,
    earning_base,
    ledger_context,
    never_block,
    points_paid,
    round_points,
)

_logger = logging.getLogger(__name__)


class PosOrder(models.Model):
    """A paid POS order asks the ledger for its points: what the server makes
    of the order (its amounts, its moment), then the entries, the tier and the
    notifications. The ledger (``loyalty.points.entry``) builds the entries."""

    _inherit = "pos.order"
    # Fields only the ledger writes: the till's payload loses them, and a write
    # or create that sets them outside the ledger is refused, for everyone.
    _loyalty_points_protected_fields = (
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
        "loyalty_points_refunded",
    )

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
        help="Points paid with or spent on rewards (negative on a refund: points given back).",
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
    loyalty_points_refunded = fields.Boolean(
        string="Fully Refunded",
        readonly=True,
        copy=False,
        help="Paid refunds took back every line of this order: it is no visit.",
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
        check_protected_fields(self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_fields(self, [vals])
        return super().write(vals)

    @api.model
    def _process_order(self, order, existing_order):
        for key in self._loyalty_points_protected_fields:
            order.pop(key, None)
        protected_line_fields = self.env["pos.order.line"]._loyalty_points_protected_fields
        for line in order.get("lines") or []:
            if isinstance(line, list | tuple) and len(line) == 3 and isinstance(line[2], dict):
                for key in protected_line_fields:
                    line[2].pop(key, None)
        self._loyalty_points_clean_reward_claims(order)
        return super()._process_order(order, existing_order)

    def action_pos_order_paid(self):
        res = super().action_pos_order_paid()
        self._loyalty_points_book()
        return res

    # ------------------------------------------------------------------
    # booking: claim, amounts, entries, tier, notifications

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
                ledger.env["loyalty.points.account"]._notify_booking_failed(order, outcome.error)

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
        """Ask the ledger for the points of this paid order and book them (as
        the ledger): redeem, earn, bonuses, returns, refunds; then the tier,
        the order's loyalty figures and the SMS.

        The accounts are locked before anything is read for the booking; the
        lock updates their rows, so figures read from a stale snapshot make
        the transaction fail and Odoo retry it.
        """
        self.ensure_one()
        company = self.session_id.config_id.company_id or self.company_id
        day = fields.Date.context_today(self, moment)
        Account = self.env["loyalty.points.account"]
        account = Account._get_locked(self.partner_id, company) if self.partner_id else Account
        amounts = self._loyalty_points_amounts(company, day, account)
        # points of a sale become spendable counting from the day it is booked
        available = company._loyalty_points_available_date(fields.Date.context_today(self))
        refunded = self._loyalty_points_refunded_sales(company)
        reversal_vals = self._loyalty_points_reversal_vals(company)
        reward_vals, reward_claims = self._loyalty_points_reward_vals(account, company, day)
        vals_list = [
            *self._loyalty_points_redeem_vals(account, company, amounts),
            *reward_vals,
            *self._loyalty_points_earn_vals(account, company, day, amounts, available),
            *(
                account._sale_bonus_vals(
                    self, self.partner_id, day, amounts["sale_total"], available
                )
                if account
                else []
            ),
            *self._loyalty_points_return_vals(account, company, day, amounts),
            *reversal_vals,
            *self._loyalty_points_reward_giveback_vals(company),
            *Account._bonus_takeback_vals(self, company, refunded),
        ]
        locked = account | Account.browse({vals["account_id"] for vals in vals_list})
        (locked - account)._lock_for_update()
        balances_before = {locked_account: locked_account.balance for locked_account in locked}
        entries = self.env["loyalty.points.entry"]._post(vals_list, date=moment, locked=locked)
        if amounts["paid_points"] > 0:
            Account._notify_points_payment(
                self,
                account,
                amounts["paid_points"],
                amounts["sale_total"],
                balances_before.get(account, 0.0),
            )
        if reward_claims:
            self._loyalty_points_reward_notify(
                account, company, reward_claims, amounts, balances_before.get(account, 0.0)
            )
        for reversed_account in entries.filtered("reversed_entry_id").account_id:
            if reversed_account.balance < 0:
                reversed_account._notify_overdraft(self, balances_before[reversed_account])
        self.browse(sale.id for sale, (fully, _left) in refunded.items() if fully).write(
            {"loyalty_points_refunded": True}
        )
        order_vals = {"loyalty_points_date": day}
        # a refund without the customer counts for the refunded order's account
        turnover_account = account or entries.filtered("reversed_entry_id").account_id[:1]
        if turnover_account:
            amount = company.currency_id.round(amounts["sale_total"] + amounts["refund_total"])
            order_vals.update(
                loyalty_points_account_id=turnover_account.id, loyalty_points_amount=amount
            )
            turnover_account._add_sale_to_tier(day, amount)
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
                self._loyalty_points_reward_sms(account, day, earned)
        return entries

    # ------------------------------------------------------------------
    # the server's view of the order

    def _loyalty_points_amounts(self, company, day, account):
        """What the server makes of this order, in the company currency on ``day``.

        Line amounts are recomputed from product, quantity, price and taxes (the
        till's totals are not read); payments are what the till recorded.
        :return: dict: ``lines`` {line: amount}, ``sale_total`` (lines that are
            not refunds of earlier lines), ``refund_total``, ``refund_credit``
            (what the refund lines give back that may pay for this order's
            sales: see :meth:`_loyalty_points_refund_credit`), ``sale_untaxed``
            (the ``sale_total`` lines without their taxes), ``paid_points``
            (points payments, negative when points are given back),
            ``paid_other`` and ``base`` (see ``tools.earning_base``).
        """
        self.ensure_one()
        rate = self.env["res.currency"]._get_conversion_rate(
            self.currency_id, company.currency_id, company, day
        )
        values = {line: line._compute_amount_line_all() for line in self.lines}
        lines = {line: value["price_subtotal_incl"] * rate for line, value in values.items()}
        refunds = {line: amount for line, amount in lines.items() if line.refunded_orderline_id}
        points_methods = self.payment_ids.filtered("payment_method_id.is_loyalty_points")
        amounts = {
            "lines": lines,
            "sale_total": sum(a for line, a in lines.items() if line not in refunds),
            "sale_untaxed": sum(
                value["price_subtotal"] * rate
                for line, value in values.items()
                if line not in refunds
            ),
            "refund_total": sum(refunds.values()),
            "refund_credit": self._loyalty_points_refund_credit(account, refunds),
            "paid_points": sum(points_methods.mapped("amount")) * rate,
            "paid_other": sum((self.payment_ids - points_methods).mapped("amount")) * rate,
        }
        amounts["base"] = earning_base(
            amounts["sale_total"],
            -amounts["refund_credit"],
            amounts["paid_other"],
            amounts["paid_points"],
        )
        return amounts

    def _loyalty_points_sale_price(self):
        """What the customer paid for this order by other means than points,
        untaxed, in the company currency, as its booking valued it: the earning
        base of :meth:`_loyalty_points_amounts` (taxes included) times the
        untaxed share of the lines sold. The deferred revenue method allocates
        it between the goods and the points."""
        self.ensure_one()
        company = self.session_id.config_id.company_id or self.company_id
        day = self.loyalty_points_date or fields.Date.context_today(self, self.date_order)
        amounts = self._loyalty_points_amounts(company, day, self.loyalty_points_account_id)
        if not amounts["sale_total"]:
            return 0.0
        price = amounts["base"] * amounts["sale_untaxed"] / amounts["sale_total"]
        return company.currency_id.round(price)

    # ------------------------------------------------------------------
    # what the order asks the ledger for

    def _loyalty_points_redeem_vals(self, account, company, amounts):
        """A redeem for what the order paid with points, or give-backs for the
        points payments it refunds (never more than the refunded orders of the
        company redeemed, back into the accounts they came from)."""
        paid = amounts["paid_points"]
        Entry = self.env["loyalty.points.entry"]
        if paid > 0 and account:
            return Entry._prepare_redeem_vals(
                account, self, points_paid(paid, company.loyalty_points_value)
            )
        if paid < 0:
            return self._loyalty_points_giveback_vals(company, -paid)
        return []

    def _loyalty_points_earn_vals(self, account, company, day, amounts, available):
        """One lot per program that earns on this order, and the points of each
        line: the server's earning base (``tools.earning_base``) spread over
        the sold lines in proportion to their amount. A line that claims a
        reward earns nothing, valid claim or not."""
        lines = self.lines.filtered(
            lambda line: (
                line.qty > 0
                and not line.refunded_orderline_id
                and not line.loyalty_points_reward_id
                and amounts["lines"][line] > 0
            )
        )
        sold = sum(amounts["lines"][line] for line in lines)
        if not account or not lines or not amounts["base"]:
            return []
        factor = min(amounts["base"] / sold, 1.0)
        earnings = self.env["loyalty.points.program"]._compute_earnings(
            self.partner_id,
            company,
            day,
            [
                (line, line.product_id, amounts["lines"][line] * factor, line.qty * factor)
                for line in lines
            ],
            pos_config=self.config_id,
            account=account,
        )
        for program, (_points, parts) in earnings.items():
            for line, part in parts:
                line.write(
                    {
                        "loyalty_points": part,
                        "loyalty_program_id": program.id,
                        "loyalty_points_qty": line.qty,
                    }
                )
        return self.env["loyalty.points.entry"]._prepare_earn_vals(
            account,
            self,
            day,
            {program: points for program, (points, _p) in earnings.items()},
            available,
        )

    def _loyalty_points_return_vals(self, account, company, day, amounts):
        """Goods returned without their receipt (negative lines that refund no
        known line) take back what they would have earned, from the customer
        of the return (the ledger caps it at what the account earned net). A
        return line is taken back whatever reward it names: a negative
        quantity is never a valid claim."""
        returned = [
            (line, line.product_id, -amounts["lines"][line], -line.qty)
            for line in self.lines
            if line.qty < 0 and not line.refunded_orderline_id and amounts["lines"][line] < 0
        ]
        value = -min(amounts["sale_total"], 0.0)
        if not account or not returned or not value:
            return []
        factor = min(value / sum(amount for _l, _p, amount, _q in returned), 1.0)
        earnings = self.env["loyalty.points.program"]._compute_earnings(
            self.partner_id,
            company,
            day,
            [
                (line, product, amount * factor, qty * factor)
                for line, product, amount, qty in returned
            ],
            pos_config=self.config_id,
            account=account,
            returned=True,
        )
        return self.env["loyalty.points.entry"]._prepare_return_vals(
            account,
            self,
            {program: points for program, (points, _parts) in earnings.items()},
            note=self.env._("Return without receipt: %(order)s", order=self.name),
        )
