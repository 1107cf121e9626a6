from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import POINTS_DIGITS
from ..tools.revenue import released_share

POOL_KINDS = [
    ("issue", "Points issued"),
    ("opening", "Opening"),
]
POOL_STATES = [
    ("open", "Open"),
    ("closed", "Closed"),
]


class LoyaltyPointsRevenuePool(models.Model):
    """A pool of points issued in one period, under the deferred revenue method
    (IFRS 15 / ASC 606).

    The posting job makes one pool per journal entry that issues points (one
    per company and period): the lots that entry posted are the pool's points,
    and the revenue it deferred is the pool's. Switching to the method (the
    option on, or the method changed) makes an ``opening`` pool of the points
    outstanding then. The pool's liability is released as its points are
    redeemed, out of those expected to be redeemed, cumulatively
    (``tools.revenue.released_share``); each posting stores the figures it
    booked. Written by the job alone.
    """

    _name = "loyalty.points.revenue.pool"
    _description = "Loyalty Points Deferred Revenue Pool"
    _order = "date desc, id desc"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    kind = fields.Selection(POOL_KINDS, required=True, readonly=True)
    state = fields.Selection(
        POOL_STATES,
        required=True,
        readonly=True,
        default="open",
        help="Closed when the company left the deferred revenue method.",
    )
    date = fields.Date(required=True, readonly=True)
    move_id = fields.Many2one(
        "account.move",
        string="Journal Entry",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        help="The journal entry that issued the pool's points (for an opening pool: "
        "the entry that booked the points outstanding).",
    )
    entry_id_max = fields.Integer(
        string="Last Entry of the Opening",
        readonly=True,
        help="Opening pools: the last entry of the points journal when the method "
        "started; the lots up to it are the pool's, the movements after it count.",
    )
    issued_points = fields.Float(digits=POINTS_DIGITS, readonly=True)
    point_value = fields.Float(digits=(16, 4), readonly=True, help="The point value at issue.")
    issue_redemption = fields.Float(
        string="Expected Redemption at Issue (%)",
        digits=(16, 2),
        readonly=True,
        help="The estimate that set the stand-alone selling price of the points at issue.",
    )
    deferred_amount = fields.Monetary(
        readonly=True,
        help="The revenue deferred (or, for points without a sale, the marketing "
        "expense provided) when the points were issued.",
    )
    cancelled_points = fields.Float(
        digits=POINTS_DIGITS, readonly=True, help="Points reversed by refunds."
    )
    cancelled_amount = fields.Monetary(
        readonly=True, help="The deferred amount the refunds took back (negative)."
    )
    redeemed_points = fields.Float(
        digits=POINTS_DIGITS, readonly=True, help="Net of the points given back."
    )
    expired_points = fields.Float(
        digits=POINTS_DIGITS, readonly=True, help="Points expired or taken away."
    )
    expected_redemption = fields.Float(
        string="Expected Redemption (%)",
        digits=(16, 2),
        readonly=True,
        help="The estimate of the last posting.",
    )
    released_amount = fields.Monetary(
        readonly=True, help="Revenue recognised so far (cumulative, as posted)."
    )
    liability_amount = fields.Monetary(
        string="Liability",
        readonly=True,
        help="What the pool still holds in the liability after the last posting.",
    )

    def write(self, vals):
        if self and not self.env.su:
            raise UserError(self.env._("Deferred revenue pools are written by the posting job."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Deferred revenue pools cannot be deleted."))

    # ------------------------------------------------------------------
    # figures

    @api.model
    def _loyalty_points_figures(self, company):
        """What the open pools of ``company`` call for now, from the points
        journal: movements count once they are in the books (a points payment
        once its session is closed, an expiry once the job posted it).

        :return: {pool: {"redeemed", "expired", "cancelled_points",
            "cancelled_amount", "deferred", "released", "breakage",
            "liability"}}: ``released`` is cumulative, ``breakage`` the part of
            the release since the last posting that expiries (not redemptions)
            brought.
        """
        currency = company.currency_id
        rate = company.loyalty_points_expected_redemption / 100.0
        pools = self.sudo().search([("company_id", "=", company.id), ("state", "=", "open")])
        if not pools:
            return {}
        self.env["loyalty.points.entry"].flush_model()
        self.env["loyalty.points.allocation"].flush_model()
        self.flush_model()
        rows = self.env.execute_query(self._loyalty_points_figures_sql(company))
        movements = {row[0]: [float(value or 0.0) for value in row[1:]] for row in rows}
        figures = {}
        for pool in pools:
            redeemed, expired, cancelled_points, cancelled_amount = movements.get(
                pool.id, [0.0, 0.0, 0.0, 0.0]
            )
            issued = pool.issued_points - cancelled_points
            deferred = currency.round(pool.deferred_amount + cancelled_amount)
            released = currency.round(deferred * released_share(issued, redeemed, expired, rate))
            before_expiries = currency.round(
                deferred * released_share(issued, redeemed, pool.expired_points, rate)
            )
            figures[pool] = {
                "redeemed": redeemed,
                "expired": expired,
                "cancelled_points": cancelled_points,
                "cancelled_amount": currency.round(cancelled_amount),
                "deferred": deferred,
                "released": released,
                "breakage": currency.round(released - before_expiries),
                "liability": currency.round(deferred - released),
            }
        return figures

    @api.model
    def _loyalty_points_figures_sql(self, company):
        """Per open pool of ``company``: points redeemed (net of give-backs),
        expired or taken away, cancelled by refunds, and the deferred amount
        the refunds took back.

        A pool's lots are those its journal entry posted (an opening pool: every
        lot up to ``entry_id_max`` but those of open issue pools, its movements
        after it). A lot given back
        (a refunded points payment) belongs to the pools of the lots its debit
        took, in proportion: the recursive part follows the chain.
        """
        return SQL(
            """
            WITH RECURSIVE pool AS (
                SELECT id, kind, move_id, entry_id_max
                  FROM loyalty_points_revenue_pool
                 WHERE company_id = %(company)s AND state = 'open'
            ), base AS (
                SELECT lot.id AS lot_id, pool.id AS pool_id, 0 AS after_id
                  FROM pool
                  JOIN loyalty_points_entry AS lot ON lot.move_id = pool.move_id
                 WHERE pool.kind = 'issue' AND lot.points > 0
                   AND NOT (lot.kind = 'reversal' AND EXISTS (
                        SELECT 1 FROM loyalty_points_entry AS debit
                         WHERE debit.id = lot.reversed_entry_id AND debit.points < 0))
                UNION ALL
                SELECT lot.id, pool.id, pool.entry_id_max
                  FROM pool
                  JOIN loyalty_points_entry AS lot
                    ON lot.company_id = %(company)s AND lot.id <= pool.entry_id_max
                 WHERE pool.kind = 'opening' AND lot.points > 0
                   AND NOT EXISTS (
                        SELECT 1 FROM pool AS issue
                         WHERE issue.kind = 'issue' AND issue.move_id = lot.move_id)
            ), lot_pool(lot_id, pool_id, after_id, weight) AS (
                SELECT lot_id, pool_id, after_id, 1.0::float8 FROM base
                UNION ALL
                SELECT giveback.id, lot_pool.pool_id, lot_pool.after_id,
                       lot_pool.weight * alloc.points::float8 / -debit.points::float8
                  FROM lot_pool
                  JOIN loyalty_points_allocation AS alloc ON alloc.credit_entry_id = lot_pool.lot_id
                  JOIN loyalty_points_entry AS debit ON debit.id = alloc.debit_entry_id
                  JOIN loyalty_points_entry AS giveback
                    ON giveback.reversed_entry_id = debit.id AND giveback.points > 0
                 WHERE giveback.id > lot_pool.after_id
            ), weight AS (
                SELECT lot_id, pool_id, after_id, SUM(weight) AS weight
                  FROM lot_pool GROUP BY lot_id, pool_id, after_id
            ), consumed AS (
                SELECT weight.pool_id,
                       SUM(alloc.points * weight.weight)
                           FILTER (WHERE debit.kind = 'redeem') AS redeemed,
                       SUM(alloc.points * weight.weight)
                           FILTER (WHERE debit.kind != 'redeem'
                                     AND debit.reversed_entry_id IS DISTINCT FROM weight.lot_id)
                           AS expired
                  FROM weight
                  JOIN loyalty_points_allocation AS alloc ON alloc.credit_entry_id = weight.lot_id
                  JOIN loyalty_points_entry AS debit ON debit.id = alloc.debit_entry_id
                 WHERE debit.move_id IS NOT NULL AND debit.id > weight.after_id
                 GROUP BY weight.pool_id
            ), returned AS (
                SELECT weight.pool_id,
                       SUM(giveback.points * weight.weight)
                           FILTER (WHERE debit.kind = 'redeem') AS redeemed,
                       SUM(giveback.points * weight.weight)
                           FILTER (WHERE debit.kind != 'redeem') AS expired
                  FROM weight
                  JOIN loyalty_points_entry AS giveback ON giveback.id = weight.lot_id
                  JOIN loyalty_points_entry AS debit
                    ON debit.id = giveback.reversed_entry_id AND debit.points < 0
                 WHERE giveback.move_id IS NOT NULL AND giveback.id > weight.after_id
                 GROUP BY weight.pool_id
            ), cancelled AS (
                SELECT weight.pool_id,
                       SUM(-reversal.points * weight.weight) AS points,
                       SUM(COALESCE(reversal.deferred_amount, 0) * weight.weight) AS amount
                  FROM weight
                  JOIN loyalty_points_entry AS reversal
                    ON reversal.reversed_entry_id = weight.lot_id AND reversal.points < 0
                 WHERE reversal.move_id IS NOT NULL AND reversal.id > weight.after_id
                 GROUP BY weight.pool_id
            )
            SELECT pool.id,
                   COALESCE(consumed.redeemed, 0) - COALESCE(returned.redeemed, 0),
                   COALESCE(consumed.expired, 0) - COALESCE(returned.expired, 0),
                   COALESCE(cancelled.points, 0),
                   COALESCE(cancelled.amount, 0)
              FROM pool
              LEFT JOIN consumed ON consumed.pool_id = pool.id
              LEFT JOIN returned ON returned.pool_id = pool.id
              LEFT JOIN cancelled ON cancelled.pool_id = pool.id
            """,
            company=company.id,
        )

    @api.model
    def _loyalty_points_store_figures(self, figures, expected_redemption):
        """Record on the pools what a posting booked (``figures`` as
        ``_loyalty_points_figures`` returns them); only the pools that changed
        are written."""
        for pool, figure in figures.items():
            vals = {
                "redeemed_points": figure["redeemed"],
                "expired_points": figure["expired"],
                "cancelled_points": figure["cancelled_points"],
                "cancelled_amount": figure["cancelled_amount"],
                "released_amount": figure["released"],
                "liability_amount": figure["liability"],
                "expected_redemption": expected_redemption,
            }
            changed = {
                name: value
                for name, value in vals.items()
                if pool._fields[name].convert_to_cache(value, pool) != pool[name]
            }
            if changed:
                pool.sudo().write(changed)
