"""Benchmark of the expiry job, run by scripts/bench inside ``odoo shell``
(``env`` is given by the shell; this is not an Odoo module file).

Inserts BENCH_LOTS due lots spread over BENCH_ACCOUNTS new accounts with
set-based SQL, runs ``_cron_expire_points`` batch after batch with a commit in
between (as the cron framework does), prints its figures and checks the ledger
invariant with the addon's own method, ``loyalty.points.entry._ledger_problems()``.
Figures are printed, never asserted.
"""

import os
import statistics
import sys
import time
from collections import Counter

from odoo import fields

# the helpers shared by the benchmarks, beside this file (scripts/bench gives
# their folder; the addon's smoke test loads this file by its path)
sys.path.insert(0, os.environ.get("BENCH_SCRIPTS") or os.path.dirname(os.path.abspath(__file__)))
from bench_common import out, proc_status_kb, reset_peak_rss

LOTS = int(os.environ.get("BENCH_LOTS", "1000000"))
ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "100000"))
BATCH = int(os.environ.get("BENCH_BATCH", "10000"))
TAG = "Bench expiry"


def setup(env):
    cr = env.cr
    company = env.company
    now = fields.Datetime.now()
    today = fields.Date.context_today(env["loyalty.points.entry"])
    uid = env.uid
    started = time.perf_counter()
    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, active, type, autopost_bills,
                                 company_id, create_uid, create_date, write_uid, write_date)
        SELECT %(tag)s || ' ' || i, %(tag)s || ' ' || i, TRUE, 'contact', 'ask',
               %(company)s, %(uid)s, %(now)s, %(uid)s, %(now)s
          FROM generate_series(1, %(accounts)s) AS i
        """,
        {"tag": TAG, "company": company.id, "uid": uid, "now": now, "accounts": ACCOUNTS},
    )
    cr.execute(
        """
        UPDATE res_partner SET commercial_partner_id = id
         WHERE commercial_partner_id IS NULL AND name LIKE %(pattern)s
        """,
        {"pattern": TAG + " %"},
    )
    cr.execute(
        """
        INSERT INTO loyalty_points_account (partner_id, company_id, balance,
                                            create_uid, create_date, write_uid, write_date)
        SELECT id, %(company)s, 0, %(uid)s, %(now)s, %(uid)s, %(now)s
          FROM res_partner WHERE name LIKE %(pattern)s
        """,
        {"company": company.id, "uid": uid, "now": now, "pattern": TAG + " %"},
    )
    # Lot i goes to account i mod ACCOUNTS; 1 to 500 points; due 1 to 30 days ago.
    cr.execute(
        """
        WITH account AS (
            SELECT account.id, account.partner_id, account.company_id,
                   ROW_NUMBER() OVER (ORDER BY account.id) - 1 AS k
              FROM loyalty_points_account AS account
              JOIN res_partner AS partner ON partner.id = account.partner_id
             WHERE partner.name LIKE %(pattern)s
        )
        INSERT INTO loyalty_points_entry
            (account_id, partner_id, company_id, date, kind, points, remaining,
             expiry_date, note, user_id, create_uid, create_date, write_uid, write_date)
        SELECT account.id, account.partner_id, account.company_id,
               %(now)s - INTERVAL '400 days', 'earn', 1 + (i * 37) %% 500,
               1 + (i * 37) %% 500, %(today)s - 1 - i %% 30, %(tag)s, %(uid)s,
               %(uid)s, %(now)s, %(uid)s, %(now)s
          FROM generate_series(0, %(lots)s - 1) AS i
          JOIN account ON account.k = i %% %(accounts)s
        """,
        {
            "pattern": TAG + " %",
            "now": now,
            "today": today,
            "tag": TAG,
            "uid": uid,
            "lots": LOTS,
            "accounts": ACCOUNTS,
        },
    )
    inserted = cr.rowcount
    cr.execute(
        """
        UPDATE loyalty_points_account AS account SET balance = totals.points
          FROM (SELECT account_id, SUM(points) AS points FROM loyalty_points_entry
                 WHERE note = %(tag)s GROUP BY account_id) AS totals
         WHERE account.id = totals.account_id
        """,
        {"tag": TAG},
    )
    cr.commit()
    cr.execute("ANALYZE loyalty_points_entry")
    cr.execute("ANALYZE loyalty_points_account")
    cr.commit()
    env.invalidate_all()
    return inserted, time.perf_counter() - started


def run_job(env):
    Entry = env["loyalty.points.entry"]
    durations = []
    started = time.perf_counter()
    left = True
    while left:
        batch_started = time.perf_counter()
        left = Entry._cron_expire_points(batch_size=BATCH)
        env.cr.commit()  # the cron framework commits between batches
        durations.append(time.perf_counter() - batch_started)
        if len(durations) % 20 == 0:
            out(f"  ... {len(durations)} batches, {left} due lots left")
    return durations, time.perf_counter() - started


def expired_counts(env):
    """(lots expired, expire entries): one allocation per expired lot."""
    env.cr.execute(
        """
        SELECT COUNT(alloc.id), COUNT(DISTINCT entry.id)
          FROM loyalty_points_entry AS entry
          LEFT JOIN loyalty_points_allocation AS alloc ON alloc.debit_entry_id = entry.id
         WHERE entry.kind = 'expire'
        """
    )
    return env.cr.fetchone()


def check_invariant(env):
    """Problems found in the ledger, as strings (empty: the invariant holds):
    the addon's ``_ledger_problems`` (at most 1,000 read), counted by check,
    and due lots left open."""
    cr = env.cr
    found = env["loyalty.points.entry"]._ledger_problems(limit=1000)
    problems = [
        f"{number} {check} problems (e.g. {next(p for p in found if p['check'] == check)})"
        for check, number in sorted(Counter(p["check"] for p in found).items())
    ]
    today = fields.Date.context_today(env["loyalty.points.entry"])
    cr.execute(
        "SELECT COUNT(*) FROM loyalty_points_entry"
        " WHERE remaining > 0 AND expiry_date < %s AND pending IS NOT TRUE",
        [today],
    )
    if count := cr.fetchone()[0]:
        problems.append(f"{count} due lots left open")
    return problems


def main(env):
    out(f"Expiry job: {LOTS:,} due lots over {ACCOUNTS:,} accounts, about {BATCH:,} lots a batch")
    inserted, setup_time = setup(env)
    out(f"  setup (set-based SQL): {inserted:,} lots inserted in {setup_time:.1f} s")
    expired_before, entries_before = expired_counts(env)
    rss_before = proc_status_kb("VmRSS")
    peak_reset = reset_peak_rss()
    durations, total = run_job(env)
    peak = proc_status_kb("VmHWM")
    expired, entries = expired_counts(env)
    expired -= expired_before
    entries -= entries_before
    out(
        f"  expired:     {expired:,} lots ({expired / total:,.0f} lots/s), "
        f"{entries:,} expire entries"
    )
    out(f"  total time:  {total:.1f} s")
    out(
        f"  batches:     {len(durations)} (per batch: min {min(durations):.2f} s, "
        f"median {statistics.median(durations):.2f} s, max {max(durations):.2f} s)"
    )
    peak_label = "during the job" if peak_reset else "of the process"
    out(
        f"  peak RSS:    {peak / 1024:,.0f} MiB {peak_label} "
        f"(RSS before the job: {rss_before / 1024:,.0f} MiB)"
    )
    started = time.perf_counter()
    problems = check_invariant(env)
    checked = time.perf_counter() - started
    env.cr.execute("SELECT COUNT(*) FROM loyalty_points_account")
    accounts = env.cr.fetchone()[0]
    if problems:
        out("  invariant:   BROKEN: " + "; ".join(problems))
        sys.exit(1)
    out(
        f"  invariant:   OK on all {accounts:,} accounts (_ledger_problems: balance + "
        f"pending = sum of entries, balance = sum of open lots; every lot's remaining = "
        f"points - allocations; no lot spent twice); no due lot left ({checked:.1f} s)"
    )


main(env)  # noqa: F821 -- given by odoo shell
