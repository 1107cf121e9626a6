from odoo import fields, models
from odoo.tools import float_compare

from ..tools import POINTS_PRECISION, refund_reversal, round_points

PAID_STATES = ("paid", "done", "invoiced")
# The smallest step of points: a reward's give-back is rounded to it.
POINTS_STEP = 10**-POINTS_PRECISION


class PosOrder(models.Model):
    """Refunds of POS orders: what a refund credits toward an exchange, what
    is left of the orders it refunds, which of their points it reverses and
    which points payments it gives back. The ledger builds the entries."""

    _inherit = "pos.order"

    def _loyalty_points_refund_credit(self, account, refunds):
        """What this order's refund lines ({line: amount < 0}) credit toward
        what ``account`` buys in the same order (an exchange): only lines of
        orders booked to the same account, and only the part of each refunded
        order that was not paid with points (points do not buy points)."""
        credit = 0.0
        refund_lines = self.lines.filtered(lambda line: line in refunds)
        for original, lines in refund_lines.grouped(
            lambda line: line.refunded_orderline_id.order_id
        ).items():
            if not account or original.loyalty_points_account_id != account:
                continue
            payments = original.payment_ids
            paid = sum(payments.mapped("amount"))
            by_points = sum(
                payments.filtered("payment_method_id.is_loyalty_points").mapped("amount")
            )
            share = 1.0 - min(max(by_points / paid, 0.0), 1.0) if paid > 0 else 0.0
            credit -= sum(refunds[line] for line in lines) * share
        return max(credit, 0.0)

    def _loyalty_points_refunded_sales(self, company):
        """{sale: (fully refunded, amount left)}: the orders of ``company``
        whose lines this order refunds, and what is left of each after its
        paid refunds (this one included)."""
        originals = self.lines.filtered(lambda line: line.qty < 0).refunded_orderline_id.order_id
        return {
            original: original._loyalty_points_sale_left(company)
            for original in originals
            if original.company_id == company
        }

    def _loyalty_points_sale_left(self, company):
        """(fully refunded, amount left): whether paid refunds took back every
        sold line of this order, and what its lines that are not refunds are
        still worth after them (company currency, as the server values them)."""
        self.ensure_one()
        rate = self.env["res.currency"]._get_conversion_rate(
            self.currency_id,
            company.currency_id,
            company,
            self.loyalty_points_date or fields.Date.context_today(self),
        )
        fully = True
        left = 0.0
        for line in self.lines.filtered(lambda line: not line.refunded_orderline_id):
            refunded = -sum(
                refund.qty
                for refund in line.refund_orderline_ids
                if refund.order_id.state in PAID_STATES
            )
            rounding = line.product_uom_id.rounding
            if line.qty > 0 and float_compare(refunded, line.qty, precision_rounding=rounding) < 0:
                fully = False
            kept = (line.qty - refunded) / line.qty if line.qty > 0 else 1.0
            left += line._compute_amount_line_all()["price_subtotal_incl"] * rate * max(kept, 0)
        return fully, left

    def _loyalty_points_giveback_vals(self, company, amount):
        """Give back ``amount`` (company currency) of the points payments of
        the orders this refund refunds: never more than those orders of the
        company redeemed, back into the accounts they came from."""
        Entry = self.env["loyalty.points.entry"]
        redeems = Entry.search(
            [
                ("pos_order_id", "in", self.lines.refunded_orderline_id.order_id.ids),
                ("kind", "=", "redeem"),
                ("reward_id", "=", False),  # rewards: _loyalty_points_reward_giveback_vals
                ("company_id", "=", company.id),
            ],
            order="id",
        )
        return redeems._prepare_reversal_vals(
            round_points(amount / company.loyalty_points_value),
            self,
            event="giveback",
            note=self.env._("Points payment refunded: %(order)s", order=self.name),
        )

    def _loyalty_points_reversal_vals(self, company):
        """Reverse the points the refunded lines earned, in proportion to the
        refunded quantity, never more than they earned, in the account of the
        original order whoever the refund's customer is: one ``reversal`` per lot.

        Only the server's record of each original line of the company counts
        (its points, the quantity that earned them, what earlier refunds took
        back)."""
        refunds = self.lines.filtered(
            lambda line: (
                line.qty < 0
                and line.refunded_orderline_id.loyalty_points > 0
                and line.refunded_orderline_id.product_id == line.product_id
                and line.refunded_orderline_id.order_id.company_id == company
            )
        )
        if not refunds:
            return []
        originals = refunds.refunded_orderline_id
        lots = self.env["loyalty.points.entry"].search(
            [
                ("pos_order_id", "in", originals.order_id.ids),
                ("kind", "=", "earn"),
                ("company_id", "=", company.id),
            ]
        )
        lot_of = {(lot.pos_order_id.id, lot.program_id.id): lot for lot in lots}
        by_lot = {}
        for line in refunds:
            original = line.refunded_orderline_id
            lot = lot_of.get((original.order_id.id, original.loyalty_program_id.id))
            points = line._loyalty_points_refund(company.loyalty_points_rounding) if lot else 0.0
            if points > 0:
                by_lot[lot] = by_lot.get(lot, 0.0) + points
        note = self.env._("Refund %(order)s", order=self.name)
        return [
            vals
            for lot, points in by_lot.items()
            for vals in lot._prepare_reversal_vals(points, self, note=note)
        ]

    def _loyalty_points_reward_giveback_vals(self, company):
        """Give back the points of the rewards the refunded lines took, in
        proportion to the refunded quantity, lot by lot, never more than each
        reward took (the ledger caps what is left to give back), into the
        account they came from. The refund line records them (as the ledger).

        Only the server's record of each reward line counts (its points, the
        quantity that took them, what earlier refunds gave back), the same
        arithmetic as the reversal of earned points (``tools.refund_reversal``)."""
        refunds = self.lines.filtered(
            lambda line: (
                line.qty < 0
                and line.refunded_orderline_id
                and line.refunded_orderline_id.loyalty_points_reward_points > 0
                and line.refunded_orderline_id.product_id == line.product_id
                and line.refunded_orderline_id.order_id.company_id == company
            )
        )
        if not refunds:
            return []
        Entry = self.env["loyalty.points.entry"]
        originals = refunds.refunded_orderline_id
        redeems = Entry._reward_redeems((line.order_id, line.id) for line in originals)
        note = self.env._("Reward refunded: %(order)s", order=self.name)
        vals_list = []
        for original, lines in refunds.grouped("refunded_orderline_id").items():
            redeem = redeems.get((original.order_id, original.id))
            if not redeem:
                continue
            qty = -sum(lines.mapped("qty"))
            points = refund_reversal(
                original.loyalty_points_reward_points,
                original.loyalty_points_qty,
                original.loyalty_points_reversed,
                original.loyalty_points_refunded_qty,
                qty,
                POINTS_STEP,
            )
            given = (
                redeem._prepare_reversal_vals(points, self, event="giveback", note=note)
                if points > 0
                else []
            )
            back = round_points(sum(vals["points"] for vals in given))
            reversed_points = round_points(original.loyalty_points_reversed + back)
            original.write(
                {
                    "loyalty_points_reversed": reversed_points,
                    "loyalty_points_refunded_qty": original.loyalty_points_refunded_qty + qty,
                }
            )
            if not given:
                continue  # given back already
            for line in lines:
                line.write(
                    {
                        "loyalty_points_reward_id": original.loyalty_points_reward_id.id,
                        "loyalty_points_reward_points": -round_points(back * line.qty / -qty),
                    }
                )
            vals_list += given
        return vals_list
