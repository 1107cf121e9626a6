"""Benchmark of the POS opening data load with many customers, run by
scripts/bench inside ``odoo shell`` (``env`` is given by the shell; this is
not an Odoo module file).

Inserts BENCH_CUSTOMERS customers with set-based SQL (with the addon: a
loyalty account with a balance and a tier for half of them, an active card
for one in ten), commits, opens a session of the demo shop and measures
what the till asks the server for, cold caches each time (median of RUNS):

- ``pos.session.load_data``: the whole opening load (all models, as the
  till's ``loadInitialData`` asks it, ``modelToLoad`` empty);
- the ``res.partner`` part of it (``_load_pos_data``: the 100 customers of
  ``pos.config.get_limited_partners_loading`` with the till's fields);
- the customer list's server search (``PartnerList.getNewPartners``):
  ``search_read`` of 30 customers with the loaded fields, without a query
  and with a name typed; with the addon, a typed query also looks the
  number up as a loyalty card (``loyalty_points_card_number``), as the till
  does.

Run on a database without the addon, it is the A/B baseline. Prints
milliseconds and SQL queries per measure, and writes them as JSON to
BENCH_OUT (if set) for the A/B table of scripts/bench. Figures are printed,
never asserted.
"""

import json
import os
import statistics
import time

CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "100000"))
OUT = os.environ.get("BENCH_OUT")
RUNS = 3
LIST_LIMIT = 30  # PartnerList.getNewPartners
SEARCH_FIELDS = ("name", "parent_name", "phone_mobile_search", "email", "barcode")


def out(line=""):
    # the figures go to stdout, Odoo's log to stderr
    print(line, flush=True)  # pylint: disable=print-used


def insert_customers(env, company):
    """CUSTOMERS plain customers, one INSERT; then, with the addon, their
    loyalty accounts and cards, one INSERT each. Returns the card numbers."""
    cr = env.cr
    uid = env.uid
    cr.execute(
        """
        INSERT INTO res_partner (name, complete_name, email, active, type, customer_rank,
                                 supplier_rank, is_company, employee, partner_share, color,
                                 company_id, lang, autopost_bills,
                                 create_date, write_date, create_uid, write_uid)
        SELECT 'Bench Customer ' || lpad(n::text, 6, '0'),
               'Bench Customer ' || lpad(n::text, 6, '0'),
               'bench.customer.' || n || '@example.com',
               TRUE, 'contact', 1, 0, FALSE, FALSE, TRUE, 0,
               NULL, 'en_US', 'ask',
               now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', %(uid)s, %(uid)s
          FROM generate_series(1, %(count)s) AS n
        """,
        {"uid": uid, "count": CUSTOMERS},
    )
    cr.execute(
        """
        UPDATE res_partner SET commercial_partner_id = id
         WHERE commercial_partner_id IS NULL AND name LIKE 'Bench Customer %%'
        """
    )
    if "loyalty.points.account" not in env:
        return []
    tiers = env["loyalty.points.tier"].search([("company_id", "=", company.id)])
    if not tiers:
        out("The demo shop's company has no loyalty tiers (demo data).")
        raise SystemExit(1)
    # Every other customer has an account; the tier cycles over the company's.
    cr.execute(
        """
        INSERT INTO loyalty_points_account (partner_id, company_id, balance, turnover, tier_id,
                                            tier_checked_date,
                                            create_date, write_date, create_uid, write_uid)
        SELECT p.id, %(company)s, (p.id %% 1000) + 0.5, (p.id %% 97) * 100.0,
               (%(tiers)s::int[])[1 + p.id %% %(tier_count)s], CURRENT_DATE,
               now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', %(uid)s, %(uid)s
          FROM res_partner p
         WHERE p.name LIKE 'Bench Customer %%' AND p.id %% 2 = 0
        """,
        {"company": company.id, "tiers": tiers.ids, "tier_count": len(tiers), "uid": uid},
    )
    # One account in five (one customer in ten) has an active card.
    cr.execute(
        """
        INSERT INTO loyalty_points_card (account_id, company_id, number, state, issue_date,
                                         create_date, write_date, create_uid, write_uid)
        SELECT a.id, a.company_id, '299' || lpad(a.id::text, 10, '0'), 'active', CURRENT_DATE,
               now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC', %(uid)s, %(uid)s
          FROM loyalty_points_account a
          JOIN res_partner p ON p.id = a.partner_id
         WHERE p.name LIKE 'Bench Customer %%' AND a.id %% 5 = 0
        RETURNING number
        """,
        {"uid": uid},
    )
    numbers = [number for (number,) in cr.fetchall()]
    cr.execute(
        """
        UPDATE loyalty_points_account a SET card_number = c.number
          FROM loyalty_points_card c
         WHERE c.account_id = a.id AND c.state = 'active' AND a.card_number IS NULL
        """
    )
    return numbers


def measure(env, label, call):
    """(ms, queries) medians of RUNS calls of ``call``, cold caches each."""
    cr = env.cr
    figures = []
    for _i in range(RUNS):
        env.invalidate_all()
        env.registry.clear_cache()
        queries = cr.sql_log_count
        started = time.perf_counter()
        call()
        elapsed = (time.perf_counter() - started) * 1000
        figures.append((elapsed, cr.sql_log_count - queries))
        cr.rollback()  # nothing the load may write stays: each run starts alike
    ms = statistics.median(ms for ms, _queries in figures)
    queries = statistics.median(queries for _ms, queries in figures)
    RESULTS.append({"measure": label, "ms": ms, "queries": queries})
    out(f"  {label:<44} {ms:>10.1f} {queries:>8g}")


RESULTS = []


def main(env):
    admin = env.ref("base.user_admin")
    env = env(user=admin, context=dict(env.context, tz="UTC"))
    config = env.ref("point_of_sale.pos_config_main")
    with_addon = "loyalty.points.account" in env
    started = time.perf_counter()
    numbers = insert_customers(env, config.company_id)
    env.cr.commit()
    env.cr.execute("ANALYZE res_partner")
    if with_addon:
        env.cr.execute("ANALYZE loyalty_points_account")
        env.cr.execute("ANALYZE loyalty_points_card")
    env.cr.commit()
    inserted = time.perf_counter() - started
    if config.current_session_id:
        session = config.current_session_id
    else:
        session = env["pos.session"].create({"user_id": admin.id, "config_id": config.id})
        session.set_opening_control(0, None)
    env.cr.commit()
    # The fields the till loads for customers (its searchRead asks for them).
    partner_fields = env["res.partner"]._load_pos_data_fields(config.id)
    env.cr.execute("SELECT COUNT(*) FROM res_partner")
    (partners,) = env.cr.fetchone()
    out(
        f"POS opening load {'with' if with_addon else 'WITHOUT'} loyalty_points: "
        f"{CUSTOMERS:,} customers inserted in {inserted:.1f} s ({partners:,} partners"
        + (f", {CUSTOMERS // 2:,} accounts, {len(numbers):,} cards" if with_addon else "")
        + f"); {config.display_name}, session {session.name}; medians of {RUNS} cold runs"
    )
    out(f"  {'measure':<44} {'ms':>10} {'queries':>8}")

    data = {}

    def load_data():
        data.update(session.load_data([]))

    measure(env, "load_data (the whole opening load)", load_data)
    customers = len(data["res.partner"]["data"])

    def load_partners():
        # the partner part alone, on what the load gives it (config, orders)
        env["res.partner"]._load_pos_data(
            {"pos.config": data["pos.config"], "pos.order": data["pos.order"]}
        )

    measure(env, f"res.partner _load_pos_data ({customers} customers)", load_partners)

    def list_page():
        env["res.partner"].search_read([], partner_fields, limit=LIST_LIMIT, load=False)

    measure(env, f"customer list, server page ({LIST_LIMIT})", list_page)

    query = "Bench Customer 0424"
    domain = ["|"] * (len(SEARCH_FIELDS) - 1) + [
        (field, "ilike", query + "%") for field in SEARCH_FIELDS
    ]

    def list_search():
        env["res.partner"].search_read(domain, partner_fields, limit=LIST_LIMIT, load=False)
        if with_addon:  # the till also looks the query up as a card number
            env["res.partner"].search_read(
                [("loyalty_points_card_number", "=", query)], partner_fields, limit=1, load=False
            )

    measure(env, f"customer list, search '{query}'", list_search)

    if OUT:
        with open(OUT, "w") as handle:
            json.dump(RESULTS, handle)


main(env)  # noqa: F821 -- given by odoo shell
