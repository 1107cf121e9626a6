"""Benchmark of the balance import (wizard ``loyalty.points.import``), run by
scripts/bench inside ``odoo shell`` (``env`` is given by the shell; this is not
an Odoo module file).

Inserts BENCH_ROWS customers with set-based SQL (a reference, an e-mail and a
phone each, as the contacts of a shop that switches), writes a CSV export of
them (a third found by reference, a third by e-mail, a third by a national
phone number; every row with points, an expiry date, an EAN-13 card number,
turnover and visits), then runs the wizard's Check, then its Import, each in
one transaction, as an owner does. Prints rows/s, the time of each part, the
resident memory of the Odoo process batch after batch and at its peak, then
checks the ledger invariant. A second Import of the same file must book
nothing. Figures are printed, never asserted.
"""

import base64
import contextlib
import os
import sys
import time
from datetime import timedelta
from unittest.mock import patch

from odoo import fields

from odoo.addons.loyalty_points.tools.ean import ean_check_digit

# the helpers shared by the benchmarks, beside this file (scripts/bench gives
# their folder; the addon's smoke test loads this file by its path)
sys.path.insert(0, os.environ.get("BENCH_SCRIPTS") or os.path.dirname(os.path.abspath(__file__)))
from bench_common import out, proc_status_kb, reset_peak_rss

ROWS = int(os.environ.get("BENCH_ROWS", "100000"))


def card_number(index):
    """A valid EAN-13 of a pre-printed card, one per row (prefix 21)."""
    body = f"21{index:010d}"
    return body + str(ean_check_digit(body))


TAG = "Bench import"
# False: nothing is committed (the addon's smoke test runs the benchmark in its
# test transaction, with a few rows)
COMMIT = True


def commit(env):
    if COMMIT:
        env.cr.commit()


def setup(env):
    """ROWS customers, inserted in SQL with what the ORM would store for
    them (normalised e-mail, sanitized phone, commercial partner)."""
    cr = env.cr
    now = fields.Datetime.now()
    started = time.perf_counter()
    env.company.country_id = env.ref("base.bg")
    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, ref, email, email_normalized, phone,
                                 phone_sanitized, active, type, autopost_bills,
                                 create_uid, create_date, write_uid, write_date)
        SELECT %(tag)s || ' ' || i, %(tag)s || ' ' || i, 'BI-' || i,
               'bench.import.' || i || '@example.com', 'bench.import.' || i || '@example.com',
               '+359 88 ' || LPAD(i::text, 7, '0'), '+35988' || LPAD(i::text, 7, '0'),
               TRUE, 'contact', 'ask', %(uid)s, %(now)s, %(uid)s, %(now)s
          FROM generate_series(1, %(rows)s) AS i
        """,
        {"tag": TAG, "uid": env.uid, "now": now, "rows": ROWS},
    )
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id "
        "WHERE commercial_partner_id IS NULL AND name LIKE %s",
        [TAG + " %"],
    )
    commit(env)
    cr.execute("ANALYZE res_partner")
    commit(env)
    env.invalidate_all()
    return time.perf_counter() - started


def export_csv(env):
    """The other system's export: one row per customer, found a third by
    reference, a third by e-mail, a third by phone (national format)."""
    expiry = fields.Date.context_today(env.user) + timedelta(days=200)
    lines = ["customer_ref;email;phone;name;points;expiry_date;card_number;turnover;visits"]
    for i in range(1, ROWS + 1):
        way = i % 3
        ref = f"BI-{i}" if way == 0 else ""
        email = f"Bench.Import.{i}@example.com" if way == 1 else ""
        digits = f"{i:07d}"
        phone = f"088 {digits[:3]} {digits[3:]}" if way == 2 else ""
        turnover = f"{i * 53 % 30000 + 0.5:,.2f}".replace(",", " ").replace(".", ",")
        lines.append(
            ";".join(
                (
                    ref,
                    email,
                    phone,
                    f"{TAG} {i}",
                    f"{1 + i * 37 % 5000},{i % 100:02d}",
                    (expiry + timedelta(days=i % 300)).strftime("%d.%m.%Y"),
                    card_number(i),
                    turnover,
                    str(i % 40),
                )
            )
        )
    return ("\n".join(lines) + "\n").encode("cp1251")


# (label, model, method): where the time of a run goes
PARTS = (
    ("read and parse the file", "loyalty.points.import", "_load_file"),
    ("match the customers", "loyalty.points.import", "_match_customers"),
    ("check the rows", "loyalty.points.import", "_find_problems"),
    ("accounts", "loyalty.points.import", "_link_accounts"),
    ("opening lots (ledger)", "loyalty.points.entry", "_post_opening_lots"),
    ("opening figures", "loyalty.points.import", "_insert_openings"),
    ("cards", "loyalty.points.import", "_issue_cards"),
    ("turnover, visits, tiers", "loyalty.points.opening", "_apply_tiers"),
    # within the tiers' time: the tiers' pricelists given to their members
    ("of which discount cards", "loyalty.points.opening", "_apply_tier_pricelists"),
    ("chatter notes", "loyalty.points.import", "_log_on_accounts"),
)
NESTED = {"of which discount cards"}


def run(env, wizard, method):
    """Run ``method`` of ``wizard`` and measure it: seconds, RSS after each
    batch [(stage, rows done, MiB)], peak RSS (MiB), seconds per part."""
    rss = []
    parts = dict.fromkeys((label for label, _model, _method in PARTS), 0.0)
    progress = type(wizard)._progress

    def watch(self, stage, done, total):
        rss.append((stage, done, proc_status_kb("VmRSS") / 1024))
        return progress(self, stage, done, total)

    def timed(label, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                parts[label] += time.perf_counter() - started

        return wrapper

    patches = [patch.object(type(wizard), "_progress", watch)]
    for label, model, name in PARTS:
        cls = type(env[model])
        patches.append(patch.object(cls, name, timed(label, getattr(cls, name))))
    reset_peak_rss()
    started = time.perf_counter()
    with contextlib.ExitStack() as stack:
        for each in patches:
            stack.enter_context(each)
        getattr(wizard.with_context(loyalty_points_import_now=True), method)()
    commit(env)
    return time.perf_counter() - started, rss, proc_status_kb("VmHWM") / 1024, parts


def print_parts(total, parts):
    other = total - sum(seconds for label, seconds in parts.items() if label not in NESTED)
    texts = []
    for label, seconds in parts.items():
        if seconds:
            text = f"{label} {seconds:.1f} s"
            texts.append(f"({text})" if label in NESTED else text)
    out("    " + ", ".join(texts).replace(", (", " (") + f", the rest {other:.1f} s")


def main(env):
    out(f"Balance import: {ROWS:,} rows (CSV, cp1251, ';'), every column filled")
    setup_time = setup(env)
    out(f"  setup (set-based SQL): {ROWS:,} customers inserted in {setup_time:.1f} s")
    data = export_csv(env)
    out(f"  file: {len(data) / 1024 / 1024:.1f} MiB")
    Import = env["loyalty.points.import"]
    wizard = Import.create({"file": base64.b64encode(data), "filename": "bench.csv"})
    commit(env)
    rss_before = proc_status_kb("VmRSS") / 1024

    check_time, check_rss, check_peak, parts = run(env, wizard, "action_check")
    out(
        f"  check:       {check_time:.1f} s ({ROWS / check_time:,.0f} rows/s), "
        f"{wizard.problem_count} problems; found by reference {wizard.matched_ref_count:,}, "
        f"e-mail {wizard.matched_email_count:,}, phone {wizard.matched_phone_count:,}"
    )
    print_parts(check_time, parts)
    if wizard.problem_count:
        out("  problems: " + "; ".join(wizard.problem_ids[:5].mapped("message")))
        sys.exit(1)

    import_time, import_rss, import_peak, parts = run(env, wizard, "action_import")
    out(
        f"  import:      {import_time:.1f} s, {ROWS / import_time:,.0f} rows/s "
        f"(check included), {wizard.card_count:,} cards, "
        f"{wizard.points_total:,.2f} points"
    )
    print_parts(import_time, parts)
    # the import's batches are the last stage it reported
    booked = [entry for entry in import_rss if entry[0] == import_rss[-1][0]] if import_rss else []
    samples = ", ".join(f"{mib:,.0f}" for _stage, _done, mib in booked[:: max(len(booked) // 6, 1)])
    checked = ", ".join(
        f"{mib:,.0f}" for _stage, _done, mib in check_rss[:: max(len(check_rss) // 6, 1)]
    )
    out(
        f"  RSS:         {rss_before:,.0f} MiB before; the check's batches {checked or '-'} MiB, "
        f"peak {check_peak:,.0f} MiB; the import's batches {samples} MiB, "
        f"peak {import_peak:,.0f} MiB"
    )
    again = Import.create({"file": base64.b64encode(data), "filename": "bench.csv"})
    again_time, _rss, _peak, _parts = run(env, again, "action_import")
    env.cr.execute("SELECT COUNT(*) FROM loyalty_points_entry WHERE note LIKE %s", ["%bench.csv"])
    lots = env.cr.fetchone()[0]
    out(f"  again:       {again_time:.1f} s, nothing booked twice ({lots:,} opening lots)")
    env.cr.execute(
        "SELECT tier.name->>'en_US', COUNT(*) FROM loyalty_points_account AS account "
        "JOIN loyalty_points_tier AS tier ON tier.id = account.tier_id "
        "JOIN res_partner AS partner ON partner.id = account.partner_id "
        "WHERE partner.name LIKE %s GROUP BY tier.name ORDER BY 2 DESC",
        [TAG + " %"],
    )
    out("  tiers:       " + ", ".join(f"{name} {count:,}" for name, count in env.cr.fetchall()))
    started = time.perf_counter()
    problems = env["loyalty.points.entry"]._ledger_problems()
    if problems or lots != ROWS:
        broken = [f"{p['check']} on account {p['account_id']}" for p in problems]
        out("  invariant:   BROKEN: " + "; ".join(broken or [f"{lots} lots"]))
        sys.exit(1)
    out(f"  invariant:   OK ({time.perf_counter() - started:.1f} s)")


if "env" in globals():
    main(env)  # noqa: F821 -- given by odoo shell
