from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.fifo import lot_order_key


class LoyaltyPointsEntry(models.Model):
    """The ledger's daily jobs: lots expire, pending lots are released. Both
    work set-based in SQL, in batches of accounts under their row locks."""

    _inherit = "loyalty.points.entry"

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
                               'expire', -points, 0, FALSE, %(note)s, %(uid)s, %(key)s,
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
                    ), balances AS (%(balances)s)
                    SELECT COUNT(*) FROM booked
                    """,
                    accounts=account_ids,
                    due=due_lots,
                    now=fields.Datetime.now(),
                    note=self.env._("Points expired"),
                    key=self._key_sql("expire", SQL("account_id"), SQL("first_lot_id")),
                    balances=accounts._add_to_balance_sql(
                        SQL("SELECT account_id AS id, points, 0 AS pending FROM expired")
                    ),
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
                    ), moved AS (%(balances)s)
                    SELECT id, account_id, remaining, expiry_date FROM released
                    """,
                    accounts=accounts.ids,
                    due=due_lots,
                    balances=accounts._add_to_balance_sql(
                        SQL(
                            """
                            SELECT account_id AS id, SUM(remaining) AS points,
                                   -SUM(remaining) AS pending
                              FROM released GROUP BY account_id
                            """
                        )
                    ),
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
        self._store_allocations(allocations, remaining)
