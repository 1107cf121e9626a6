from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.fifo import lot_order_key


class LoyaltyPointsEntry(models.Model):
    """Pending points: lots that become spendable on their available date."""

    _inherit = "loyalty.points.entry"

    def init(self):
        res = super().init()
        # The release job only looks at pending lots.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS loyalty_points_entry_pending_lot_idx
                ON loyalty_points_entry (available_date, account_id)
             WHERE pending
            """
        )
        return res

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
