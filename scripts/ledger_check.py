"""The ledger invariant in SQL, shared by scripts/bench_expiry.py and
scripts/stress.py (not an Odoo module file): works on any DB-API cursor."""

# (key, what a non-zero count means, query counting the offenders)
LEDGER_CHECKS = (
    (
        "sum",
        "accounts whose balance + pending points != sum of their entries",
        """
        SELECT COUNT(*) FROM loyalty_points_account AS account
          LEFT JOIN (SELECT account_id, SUM(points) AS points FROM loyalty_points_entry
                      GROUP BY account_id) AS total ON total.account_id = account.id
         WHERE ROUND((account.balance + COALESCE(account.pending_points, 0))::numeric, 2)
               <> ROUND(COALESCE(total.points, 0)::numeric, 2)
        """,
    ),
    (
        "lots",
        "accounts whose balance != sum of open lots (or overdrawn with open lots), "
        "or pending points != sum of pending lots",
        """
        SELECT COUNT(*) FROM loyalty_points_account AS account
          LEFT JOIN (SELECT account_id,
                            SUM(remaining) FILTER (WHERE pending IS NOT TRUE) AS remaining,
                            SUM(remaining) FILTER (WHERE pending) AS pending
                       FROM loyalty_points_entry
                      WHERE points > 0 GROUP BY account_id) AS lots
            ON lots.account_id = account.id
         WHERE ROUND(COALESCE(account.pending_points, 0)::numeric, 2)
               <> ROUND(COALESCE(lots.pending, 0)::numeric, 2)
            OR CASE WHEN account.balance >= 0
                    THEN ROUND(account.balance::numeric, 2)
                         <> ROUND(COALESCE(lots.remaining, 0)::numeric, 2)
                    ELSE COALESCE(lots.remaining, 0) <> 0 END
        """,
    ),
    (
        "alloc",
        "lots whose remaining != points - allocations",
        """
        SELECT COUNT(*) FROM loyalty_points_entry AS lot
          LEFT JOIN (SELECT credit_entry_id, SUM(points) AS points
                       FROM loyalty_points_allocation GROUP BY credit_entry_id) AS used
            ON used.credit_entry_id = lot.id
         WHERE lot.points > 0
           AND ROUND((lot.points - COALESCE(used.points, 0))::numeric, 2)
               <> ROUND(lot.remaining::numeric, 2)
        """,
    ),
)


def ledger_counts(cr):
    """{key: (count of offenders, what it means)} of every check of LEDGER_CHECKS."""
    counts = {}
    for key, text, query in LEDGER_CHECKS:
        cr.execute(query)
        counts[key] = (cr.fetchone()[0], text)
    return counts


def ledger_problems(cr):
    """The checks that fail, as "<count> <what it means>" strings."""
    return [f"{count} {text}" for count, text in ledger_counts(cr).values() if count]
