"""The ledger checks of scripts/stress after a run with the addon, run inside
``odoo shell`` (``env`` is given by the shell; this is not an Odoo module file).

1. The addon's invariant, ``loyalty.points.entry._ledger_problems()``, on every
   account, as the load left the ledger.
2. The jobs converge: the expiry, release and tier jobs run again and again
   (at most MAX_RUNS times each) until they report nothing left; then a second
   round (expiry and release once more, the tier job over every account once
   more) must change nothing: entries, allocations, balances, pending points,
   turnovers and tiers stay as they are, and no due lot is left open.
3. The invariant again, after the jobs.

Everything is rolled back at the end: the database stays as the load left it.
Writes its findings as JSON to the file named by STRESS_LEDGER_OUT.
"""

import json
import os
from collections import Counter

from odoo import fields
from odoo.tools import SQL

from odoo.addons.loyalty_points.tools import ledger_context

MAX_RUNS = 200  # runs of one job before "it does not converge"
LIMIT = 1000  # problems read from _ledger_problems (counts beyond are "at least")


def problems(env):
    found = env["loyalty.points.entry"]._ledger_problems(limit=LIMIT)
    return {
        "count": len(found),
        "capped": len(found) >= LIMIT,
        "by_check": dict(Counter(problem["check"] for problem in found)),
        "sample": found[:5],
    }


def state(env):
    """What the jobs may change, summed up; equal states = nothing changed."""
    env.flush_all()
    today = fields.Date.context_today(env["loyalty.points.entry"])
    env.cr.execute(
        SQL(
            """
            SELECT (SELECT COUNT(*) FROM loyalty_points_entry),
                   (SELECT COUNT(*) FROM loyalty_points_allocation),
                   (SELECT md5(string_agg(concat_ws(',', id, balance, pending_points,
                                                    turnover, tier_id), ';' ORDER BY id))
                      FROM loyalty_points_account),
                   (SELECT COUNT(*) FROM loyalty_points_entry
                     WHERE remaining > 0 AND expiry_date < %(today)s AND pending IS NOT TRUE),
                   (SELECT COUNT(*) FROM loyalty_points_entry
                     WHERE pending AND available_date <= %(today)s)
            """,
            today=today,
        )
    )
    entries, allocations, accounts, due, pending_due = env.cr.fetchone()
    return {
        "entries": entries,
        "allocations": allocations,
        "accounts_md5": accounts,
        "due_lots": due,
        "pending_due": pending_due,
    }


def converge(job):
    """Run ``job`` until it reports nothing left; (runs, what is left)."""
    runs, left = 0, 1
    while left and runs < MAX_RUNS:
        left = job()
        runs += 1
    return runs, left


def main(env):
    Entry = env["loyalty.points.entry"]
    Account = env["loyalty.points.account"]
    jobs = {
        "expiry": Entry._cron_expire_points,
        "release": Entry._cron_release_points,
        "tiers": Account._cron_recompute_tiers,
    }
    result = {
        "accounts": Account.search_count([]),
        "before_jobs": problems(env),
        "state_left_by_load": state(env),
    }
    result["converge"] = {name: converge(job) for name, job in jobs.items()}
    converged = state(env)
    # The second round: the daily jobs of the next run find nothing to do, and
    # the tier job recomputes every account to what it already holds.
    Account.search([]).with_context(**ledger_context()).write({"tier_checked_date": False})
    result["rerun"] = {name: converge(job) for name, job in jobs.items()}
    rerun = state(env)
    result["state_converged"] = converged
    result["state_rerun"] = rerun
    result["rerun_changed"] = sorted(key for key in converged if converged[key] != rerun[key])
    result["after_jobs"] = problems(env)
    env.cr.rollback()
    with open(os.environ["STRESS_LEDGER_OUT"], "w") as handle:
        json.dump(result, handle)


main(env)  # noqa: F821 -- given by odoo shell
