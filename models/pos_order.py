import logging
from collections import defaultdict

import psycopg2

from odoo import api, fields, models

from ..tools import (
    POINTS_DIGITS,
    LineSpec,
    line_points,
    resolve_program,
    round_down,
    round_points,
    spread,
)

_logger = logging.getLogger(__name__)

# Values the till may never set: the server computes them.
_SERVER_ONLY_ORDER_FIELDS = (
    "loyalty_points_earned",
    "loyalty_points_redeemed",
    "loyalty_points_balance",
    "loyalty_points_tier_id",
    "loyalty_points_entry_ids",
)
_SERVER_ONLY_LINE_FIELDS = ("loyalty_points", "loyalty_program_id")


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
    loyalty_points_tier_id = fields.Many2one(
        "loyalty.points.tier", string="Tier after Order", readonly=True, copy=False
    )

    @api.depends("loyalty_points_entry_ids.points", "loyalty_points_entry_ids.kind")
    def _compute_loyalty_points(self):
        for order in self:
            earned = redeemed = 0.0
            for entry in order.loyalty_points_entry_ids:
                if entry.kind == "earn" or (
                    entry.kind == "reversal" and entry.reversed_entry_id.kind == "earn"
                ):
                    earned += entry.points
                elif entry.kind == "redeem" or (
                    entry.kind == "reversal" and entry.reversed_entry_id.kind == "redeem"
                ):
                    redeemed -= entry.points
            order.loyalty_points_earned = round_points(earned)
            order.loyalty_points_redeemed = round_points(redeemed)

    @api.model
    def _process_order(self, order, existing_order):
        for key in _SERVER_ONLY_ORDER_FIELDS:
            order.pop(key, None)
        for line in order.get("lines") or []:
            if isinstance(line, (list, tuple)) and len(line) == 3 and isinstance(line[2], dict):
                for key in _SERVER_ONLY_LINE_FIELDS:
                    line[2].pop(key, None)
        return super()._process_order(order, existing_order)

    def action_pos_order_paid(self):
        res = super().action_pos_order_paid()
        self._loyalty_points_book()
        return res

    def _loyalty_points_book(self):
        """Book the loyalty points of paid orders, in this transaction.

        A loyalty problem never blocks a sale: an unexpected error is logged
        and rolled back to a savepoint, and the order is recorded all the same.
        Database concurrency errors do propagate, for Odoo to retry the sync.
        """
        for order in self:
            if order.state not in ("paid", "done", "invoiced") or not order.partner_id:
                continue
            try:
                with self.env.cr.savepoint():
                    order._loyalty_points_book_order()
            except psycopg2.DatabaseError:
                raise
            except Exception:
                _logger.exception("Loyalty points of POS order %s could not be booked", order.name)

    def _loyalty_points_book_order(self):
        self.ensure_one()
        order = self.sudo()
        account = (
            self.env["loyalty.points.account"]
            .sudo()
            ._get_or_create(order.partner_id, order.company_id)
        )
        account._lock_for_update()
        balance_before = account.balance
        vals_list = [
            *order._loyalty_points_redeem_vals(account),
            *order._loyalty_points_earn_vals(account),
            *order._loyalty_points_reversal_vals(account),
        ]
        for vals in vals_list:  # the journal is dated by the sale, even if synced late
            vals.setdefault("date", order.date_order)
        entries = self.env["loyalty.points.entry"].sudo().create(vals_list)
        if account.balance < 0 and entries.filtered(lambda e: e.points < 0):
            account._notify_overdraft(order, balance_before)
        account._update_tiers()
        order.write(
            {
                "loyalty_points_balance": account.balance,
                "loyalty_points_tier_id": account.tier_id.id,
            }
        )
        earned = sum(entries.filtered(lambda e: e.kind == "earn").mapped("points"))
        if earned > 0:
            account._notify_points_earned(order, earned)
        return entries

    # ------------------------------------------------------------------
    # redemption

    def _loyalty_points_payments(self):
        return self.payment_ids.filtered(lambda p: p.payment_method_id.is_loyalty_points)

    def _loyalty_points_redeem_vals(self, account):
        """A ``redeem`` entry for the points payments of this order, and a
        ``reversal`` giving points back for points payments refunded."""
        payments = self._loyalty_points_payments()
        if not payments:
            return []
        point_value = self.company_id.loyalty_points_value
        paid = sum(payments.filtered(lambda p: p.amount > 0).mapped("amount"))
        refunded = -sum(payments.filtered(lambda p: p.amount < 0).mapped("amount"))
        vals_list = []
        if paid > 0:
            vals_list.append(
                {
                    "account_id": account.id,
                    "kind": "redeem",
                    "points": -round_points(paid / point_value),
                    "pos_order_id": self.id,
                    "idempotency_key": f"redeem:{self.uuid}",
                }
            )
        if refunded > 0:
            vals_list += self._loyalty_points_giveback_vals(account, refunded / point_value)
        return vals_list

    def _loyalty_points_giveback_vals(self, account, points):
        """Give back up to ``points`` redeemed on the refunded orders, never more
        than they redeemed. The points come back with the latest expiry of the
        lots they were taken from."""
        Entry = self.env["loyalty.points.entry"].sudo()
        redeems = Entry.search(
            [
                ("pos_order_id", "in", self.lines.refunded_orderline_id.order_id.ids),
                ("account_id", "=", account.id),
                ("kind", "=", "redeem"),
            ],
            order="id",
        )
        given_back = dict(
            Entry._read_group(
                [("reversed_entry_id", "in", redeems.ids), ("kind", "=", "reversal")],
                ["reversed_entry_id"],
                ["points:sum"],
            )
        )
        vals_list = []
        left = round_points(points)
        for redeem in redeems:
            room = round_points(-redeem.points - given_back.get(redeem, 0.0))
            back = min(room, left)
            if back <= 0:
                continue
            lots = redeem.debit_allocation_ids.credit_entry_id
            expiry = False
            if lots and all(lots.mapped("expiry_date")):
                expiry = max(lots.mapped("expiry_date"))
            elif not lots:
                expiry = self.company_id._loyalty_points_default_expiry(self._loyalty_points_day())
            vals_list.append(
                {
                    "account_id": account.id,
                    "kind": "reversal",
                    "points": back,
                    "expiry_date": expiry,
                    "reversed_entry_id": redeem.id,
                    "pos_order_id": self.id,
                    "note": self.env._("Points payment refunded: %(order)s", order=self.name),
                    "idempotency_key": f"giveback:{self.uuid}:{redeem.id}",
                }
            )
            left = round_points(left - back)
        return vals_list

    # ------------------------------------------------------------------
    # earning

    def _loyalty_points_day(self):
        return fields.Date.context_today(self, self.date_order)

    def _loyalty_points_earning_lines(self):
        """Lines that can earn: sold (not refunded) products that are not excluded."""
        return self.lines.filtered(
            lambda line: (
                line.qty > 0 and not line.refunded_orderline_id and line.price_subtotal_incl > 0
            )
        )

    def _loyalty_points_line_spec(self, line, factor):
        partner = self.partner_id.commercial_partner_id
        return LineSpec(
            partner_id=partner.id,
            partner_category_ids=frozenset((partner | self.partner_id).category_id.ids),
            product_id=line.product_id.id,
            product_category_id=line.product_id.categ_id.id,
            pos_config_id=self.config_id.id,
            amount=line.price_subtotal_incl * factor,
            qty=line.qty * factor,
        )

    def _loyalty_points_earn_vals(self, account):
        """One lot per program that earns on this order, and the points of each line.

        Earning is computed on what the customer paid by means other than
        points, spread over the lines in proportion to their amount; points are
        multiplied by the tier's multiplier and rounded down per program.
        """
        lines = self._loyalty_points_earning_lines()
        if not lines:
            return []
        company = self.company_id
        sold = sum(lines.mapped("price_subtotal_incl"))
        paid_with_points = sum(
            self._loyalty_points_payments().filtered(lambda p: p.amount > 0).mapped("amount")
        )
        factor = max(sold - paid_with_points, 0.0) / sold
        day = self._loyalty_points_day()
        Program = self.env["loyalty.points.program"].sudo().with_company(company)
        programs = Program._get_program_candidates(company, day)
        if not programs or not factor:
            return []
        specs = programs._to_spec()
        point_value = company.loyalty_points_value
        raw_by_program = defaultdict(list)  # program id: [(line, raw points)]
        for line in lines.filtered(lambda line: not line.product_id.loyalty_points_excluded):
            spec = self._loyalty_points_line_spec(line, factor)
            program = resolve_program(specs, spec, point_value, company.loyalty_points_best_program)
            if program:
                raw_by_program[program.id].append((line, line_points(program, spec, point_value)))
        multiplier = account.tier_id.earn_multiplier or 1.0
        rounding = company.loyalty_points_rounding
        vals_list = []
        for program in programs.filtered(lambda p: p.id in raw_by_program):
            line_raws = raw_by_program[program.id]
            total = round_down(sum(raw for _line, raw in line_raws) * multiplier, rounding)
            if not total:
                continue
            parts = spread(total, [raw for _line, raw in line_raws], rounding)
            for (line, _raw), part in zip(line_raws, parts, strict=True):
                line.write({"loyalty_points": part, "loyalty_program_id": program.id})
            vals_list.append(
                {
                    "account_id": account.id,
                    "kind": "earn",
                    "points": total,
                    "expiry_date": fields.Date.add(day, days=program.validity_days)
                    if program.validity_days
                    else False,
                    "program_id": program.id,
                    "pos_order_id": self.id,
                    "idempotency_key": f"earn:{self.uuid}:{program.id}",
                }
            )
        return vals_list

    # ------------------------------------------------------------------
    # refunds

    def _loyalty_points_reversal_vals(self, account):
        """Reverse the points the refunded lines earned, in proportion to the
        refunded quantity, never more than they earned: one ``reversal`` per lot."""
        refunds = self.lines.filtered(
            lambda line: line.qty < 0 and line.refunded_orderline_id.loyalty_points > 0
        )
        if not refunds:
            return []
        originals = refunds.refunded_orderline_id
        lots = (
            self.env["loyalty.points.entry"]
            .sudo()
            .search(
                [
                    ("pos_order_id", "in", originals.order_id.ids),
                    ("account_id", "=", account.id),
                    ("kind", "=", "earn"),
                ]
            )
        )
        lot_of = {(lot.pos_order_id.id, lot.program_id.id): lot for lot in lots}
        rounding = self.company_id.loyalty_points_rounding
        by_lot = defaultdict(float)
        for line in refunds:
            original = line.refunded_orderline_id
            lot = lot_of.get((original.order_id.id, original.loyalty_program_id.id))
            if not lot:
                continue
            earlier = original.refund_orderline_ids - line
            already = -sum(earlier.mapped("loyalty_points"))
            room = round_points(original.loyalty_points - already)
            refunded_qty = -sum(original.refund_orderline_ids.mapped("qty"))
            if refunded_qty >= original.qty:
                points = room
            else:
                share = original.loyalty_points * -line.qty / original.qty
                points = min(round_points(round(share / rounding) * rounding), room)
            if points <= 0:
                continue
            line.write(
                {"loyalty_points": -points, "loyalty_program_id": original.loyalty_program_id.id}
            )
            by_lot[lot] += points
        return [
            {
                "account_id": account.id,
                "kind": "reversal",
                "points": -round_points(points),
                "reversed_entry_id": lot.id,
                "program_id": lot.program_id.id,
                "pos_order_id": self.id,
                "note": self.env._("Refund %(order)s", order=self.name),
                "idempotency_key": f"reversal:{self.uuid}:{lot.id}",
            }
            for lot, points in by_lot.items()
        ]
