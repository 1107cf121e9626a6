from odoo import api, models
from odoo.tools import SQL


class LoyaltyPointsEntry(models.Model):
    """The ledger's invariant, in SQL: one method that returns what breaks it,
    called by the tests, the scripts (stress, bench) and a manager's button."""

    _inherit = "loyalty.points.entry"

    @api.model
    def _ledger_problems(self, account_ids=None, company_ids=None, limit=100):
        """What breaks the ledger's invariant, found in SQL (as
        ``account.move._check_balanced`` does for a journal), for the accounts
        ``account_ids`` or those of ``company_ids`` (default: all):

        - ``sum``: an account's balance plus pending points is not the sum of
          its entries;
        - ``lots``: its pending points are not what its pending lots have
          left, or its balance is not what its other open lots have left (an
          overdrawn account has no such lot);
        - ``remaining``: a lot's remaining points are not its points less the
          allocations that took from it;
        - ``overspent``: a negative entry's allocations take more points than it
          moved (a lot spent twice).

        :return: at most ``limit`` problems: [{"check", "account_id",
            "entry_id", "expected", "found"}], empty when the ledger holds
        """
        self.env.flush_all()
        accounts = [SQL("TRUE")]
        entries = [SQL("TRUE")]
        if account_ids is not None:
            accounts.append(SQL("account.id = ANY(%s)", list(account_ids)))
            entries.append(SQL("entry.account_id = ANY(%s)", list(account_ids)))
        if company_ids is not None:
            accounts.append(SQL("account.company_id = ANY(%s)", list(company_ids)))
            entries.append(SQL("entry.company_id = ANY(%s)", list(company_ids)))
        accounts = SQL(" AND ").join(accounts)
        entries = SQL(" AND ").join(entries)
        self.env.cr.execute(
            SQL(
                """
                WITH totals AS (
                    SELECT entry.account_id,
                           SUM(entry.points) AS points,
                           SUM(entry.remaining) FILTER (
                               WHERE entry.points > 0 AND entry.pending) AS pending,
                           SUM(entry.remaining) FILTER (
                               WHERE entry.points > 0 AND entry.pending IS NOT TRUE) AS open
                      FROM loyalty_points_entry AS entry
                     WHERE %(entries)s
                  GROUP BY entry.account_id
                ), used AS (
                    SELECT alloc.credit_entry_id AS lot_id, SUM(alloc.points) AS points
                      FROM loyalty_points_allocation AS alloc
                      JOIN loyalty_points_entry AS entry ON entry.id = alloc.credit_entry_id
                     WHERE %(entries)s
                  GROUP BY alloc.credit_entry_id
                ), taken AS (
                    SELECT alloc.debit_entry_id AS debit_id, SUM(alloc.points) AS points
                      FROM loyalty_points_allocation AS alloc
                      JOIN loyalty_points_entry AS entry ON entry.id = alloc.debit_entry_id
                     WHERE %(entries)s
                  GROUP BY alloc.debit_entry_id
                )
                SELECT 'sum', account.id, NULL::int,
                       COALESCE(totals.points, 0), account.balance + account.pending_points
                  FROM loyalty_points_account AS account
             LEFT JOIN totals ON totals.account_id = account.id
                 WHERE %(accounts)s
                   AND ROUND((account.balance + account.pending_points)::numeric, 2)
                       <> ROUND(COALESCE(totals.points, 0)::numeric, 2)
             UNION ALL
                SELECT 'lots', account.id, NULL::int,
                       CASE WHEN account.balance >= 0 THEN account.balance ELSE 0 END
                           + account.pending_points,
                       COALESCE(totals.open, 0) + COALESCE(totals.pending, 0)
                  FROM loyalty_points_account AS account
             LEFT JOIN totals ON totals.account_id = account.id
                 WHERE %(accounts)s
                   AND (ROUND(account.pending_points::numeric, 2)
                            <> ROUND(COALESCE(totals.pending, 0)::numeric, 2)
                        OR CASE WHEN account.balance >= 0
                                THEN ROUND(account.balance::numeric, 2)
                                     <> ROUND(COALESCE(totals.open, 0)::numeric, 2)
                                ELSE COALESCE(totals.open, 0) <> 0 END)
             UNION ALL
                SELECT 'remaining', entry.account_id, entry.id,
                       entry.points - COALESCE(used.points, 0), entry.remaining
                  FROM loyalty_points_entry AS entry
             LEFT JOIN used ON used.lot_id = entry.id
                 WHERE %(entries)s AND entry.points > 0
                   AND ROUND((entry.points - COALESCE(used.points, 0))::numeric, 2)
                       <> ROUND(entry.remaining::numeric, 2)
             UNION ALL
                SELECT 'overspent', entry.account_id, entry.id, -entry.points, taken.points
                  FROM loyalty_points_entry AS entry
                  JOIN taken ON taken.debit_id = entry.id
                 WHERE ROUND(taken.points::numeric, 2) > ROUND((-entry.points)::numeric, 2)
                 LIMIT %(limit)s
                """,
                entries=entries,
                accounts=accounts,
                limit=limit,
            )
        )
        return [
            {
                "check": check,
                "account_id": account_id,
                "entry_id": entry_id,
                "expected": float(expected),
                "found": float(found),
            }
            for check, account_id, entry_id, expected, found in self.env.cr.fetchall()
        ]
