"""Benchmark of the loyalty reports, run inside ``odoo shell`` (``env`` is
given by the shell; this is not an Odoo module file), e.g. from scripts/bench:

    run_bench bench_reports.py BENCH_ACCOUNTS=100000 BENCH_ENTRIES=1000000

Inserts BENCH_ACCOUNTS accounts and BENCH_ENTRIES journal entries of every
kind over the last year with set-based SQL, then prints the time each report
takes to open (the read_group / figures the views ask for). Figures are
printed, never asserted.
"""

# A benchmark script, not module code: it prints and commits its setup.
# pylint: disable=print-used,invalid-commit
import os
import time
from datetime import datetime, timedelta

from odoo import fields

ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "100000"))
ENTRIES = int(os.environ.get("BENCH_ENTRIES", "1000000"))
TAG = "Bench reports"


def out(line=""):
    print(line, flush=True)


def setup(env):
    cr = env.cr
    company = env.company
    now = fields.Datetime.now()
    today = fields.Date.context_today(env["loyalty.points.entry"])
    uid = env.uid
    started = time.perf_counter()
    params = {
        "tag": TAG,
        "pattern": TAG + " %",
        "company": company.id,
        "uid": uid,
        "now": now,
        "today": today,
        "accounts": ACCOUNTS,
        "entries": ENTRIES,
    }
    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, active, type, autopost_bills,
                                 company_id, create_uid, create_date, write_uid, write_date)
        SELECT %(tag)s || ' ' || i, %(tag)s || ' ' || i, TRUE, 'contact', 'ask',
               %(company)s, %(uid)s, %(now)s, %(uid)s, %(now)s
          FROM generate_series(1, %(accounts)s) AS i
        """,
        params,
    )
    cr.execute(
        """
        UPDATE res_partner SET commercial_partner_id = id
         WHERE commercial_partner_id IS NULL AND name LIKE %(pattern)s
        """,
        params,
    )
    cr.execute(
        """
        INSERT INTO loyalty_points_account (partner_id, company_id, balance,
                                            create_uid, create_date, write_uid, write_date)
        SELECT id, %(company)s, 0, %(uid)s, %(now)s - (id %% 365) * INTERVAL '1 day',
               %(uid)s, %(now)s
          FROM res_partner WHERE name LIKE %(pattern)s
        """,
        params,
    )
    # Entry i: account i mod ACCOUNTS, dated over the last 365 days; kinds by
    # i mod 10: 6 earn lots (expiring from 30 days ago to a year ahead, or
    # never), 2 redeem, 1 expire, 1 adjust.
    cr.execute(
        """
        WITH account AS (
            SELECT account.id, account.partner_id, account.company_id,
                   ROW_NUMBER() OVER (ORDER BY account.id) - 1 AS k
              FROM loyalty_points_account AS account
              JOIN res_partner AS partner ON partner.id = account.partner_id
             WHERE partner.name LIKE %(pattern)s
        ), entry AS (
            SELECT i, CASE WHEN i %% 10 < 6 THEN 'earn' WHEN i %% 10 < 8 THEN 'redeem'
                           WHEN i %% 10 = 8 THEN 'expire' ELSE 'adjust' END AS kind,
                   1 + (i * 37) %% 200 AS points
              FROM generate_series(0, %(entries)s - 1) AS i
        )
        INSERT INTO loyalty_points_entry
            (account_id, partner_id, company_id, date, kind, points, remaining,
             expiry_date, note, user_id, create_uid, create_date, write_uid, write_date)
        SELECT account.id, account.partner_id, account.company_id,
               %(now)s - (entry.i %% 365) * INTERVAL '1 day',
               entry.kind,
               CASE WHEN entry.kind IN ('earn', 'adjust') THEN entry.points
                    ELSE -entry.points / 4 - 1 END,
               CASE WHEN entry.kind IN ('earn', 'adjust') THEN entry.points / 2 ELSE 0 END,
               CASE WHEN entry.kind = 'earn' AND entry.i %% 7 <> 0
                    THEN %(today)s::date - 30 + (entry.i * 13) %% 400 END,
               %(tag)s, %(uid)s, %(uid)s, %(now)s, %(uid)s, %(now)s
          FROM entry JOIN account ON account.k = entry.i %% %(accounts)s
        """,
        params,
    )
    inserted = cr.rowcount
    cr.execute(
        """
        UPDATE loyalty_points_account AS account SET balance = totals.points
          FROM (SELECT account_id, SUM(points) AS points FROM loyalty_points_entry
                 WHERE note = %(tag)s GROUP BY account_id) AS totals
         WHERE account.id = totals.account_id
        """,
        params,
    )
    cr.commit()
    cr.execute("ANALYZE loyalty_points_entry")
    cr.execute("ANALYZE loyalty_points_account")
    cr.commit()
    env.invalidate_all()
    return inserted, time.perf_counter() - started


def timed(label, function):
    env.invalidate_all()  # noqa: F821 -- given by odoo shell
    started = time.perf_counter()
    function()
    elapsed = time.perf_counter() - started
    out(f"  {label:<48} {elapsed * 1000:8.0f} ms")
    return elapsed


def main(env):
    out(f"Reports: {ACCOUNTS:,} accounts, {ENTRIES:,} journal entries")
    inserted, setup_time = setup(env)
    out(f"  setup (set-based SQL): {inserted:,} entries inserted in {setup_time:.1f} s")
    company = env.company
    today = fields.Date.context_today(env["loyalty.points.entry"])
    month_start = today.replace(day=1)
    Rollforward = env["loyalty.points.rollforward"]
    Aging = env["loyalty.points.aging.report"]
    now = datetime.now()
    digest = env["digest.digest"].create(
        {"name": "Bench digest", "company_id": company.id}
        | {
            name: True
            for name in env["digest.digest"]._fields
            if name.startswith("kpi_loyalty_points_") and not name.endswith("_value")
        }
    )
    kpis = [name for name in digest._fields if name.startswith("kpi_loyalty_points_")]
    kpi_values = [name for name in kpis if name.endswith("_value")]
    account = env["loyalty.points.account"].search(
        [("partner_id.name", "=like", TAG + " %")], limit=1
    )
    timings = [
        timed(
            "roll-forward, this month",
            lambda: Rollforward._get_figures(company, month_start, today),
        ),
        timed(
            "roll-forward, this month, per program",
            lambda: Rollforward._get_figures(company, month_start, today, by_program=True),
        ),
        timed(
            "roll-forward wizard: lines opened",
            lambda: Rollforward.create(
                {"company_ids": [(6, 0, company.ids)], "date_from": month_start, "date_to": today}
            ).action_open_report(),
        ),
        timed(
            "aging pivot: by bucket",
            lambda: Aging.read_group([], ["points:sum", "value:sum"], ["bucket"], lazy=True),
        ),
        timed(
            "aging list: customers of one bucket (80 first)",
            lambda: Aging.read_group(
                [("bucket", "=", "30")], ["points:sum"], ["partner_id"], limit=80
            ),
        ),
        timed(
            "members analysis: by customer type",
            lambda: env["loyalty.points.member.report"].read_group(
                [],
                ["amount_total:sum", "order_count:sum", "member_count:count_distinct"],
                ["customer_type"],
            ),
        ),
        timed(
            "programs analysis: by program",
            lambda: env["loyalty.points.program.report"].read_group(
                [], ["sales:sum", "points:sum"], ["program_id"]
            ),
        ),
        timed(
            "journal pivot: kind x month",
            lambda: env["loyalty.points.entry"].read_group(
                [], ["points:sum"], ["kind", "date:month"], lazy=False
            ),
        ),
        timed(
            "tier distribution",
            lambda: env["loyalty.points.account"].read_group([], ["balance:sum"], ["tier_id"]),
        ),
        timed(
            "digest: all loyalty KPIs, last 30 days",
            lambda: [
                digest.with_context(start_datetime=now - timedelta(days=30), end_datetime=now)[name]
                for name in kpi_values
            ],
        ),
        timed(
            "customer statement values (one account, 3 months)",
            lambda: env["report.loyalty_points.report_customer_statement"]._get_report_values(
                account.ids
            ),
        ),
    ]
    out(f"  slowest report: {max(timings) * 1000:.0f} ms")
    env.cr.rollback()


main(env)  # noqa: F821 -- given by odoo shell
