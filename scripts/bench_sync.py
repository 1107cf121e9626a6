"""Benchmark of the POS order sync, run by scripts/bench inside ``odoo shell``
(``env`` is given by the shell; this is not an Odoo module file).

Syncs orders through ``pos.order.sync_from_ui`` (as the till does) for a
customer with 10 and one with 1,000 journal entries, one order per
transaction: an order that earns, and one that also pays 10 points. Run on a
database without the addon, it sends the same orders (the points part paid
by card) to plain customers: the A/B baseline. Prints SQL queries and
milliseconds per order, and writes them as JSON to BENCH_OUT (if set) for the
A/B table of scripts/bench. Figures are printed, never asserted.
"""

import json
import os
import statistics
import sys
import time
import uuid

from odoo import fields

ORDERS = int(os.environ.get("BENCH_ORDERS", "20"))
OUT = os.environ.get("BENCH_OUT")
WARMUP = 3
HISTORIES = (10, 1000)


def out(line=""):
    print(line, flush=True)


def make_customer(env, entries):
    """A customer with ``entries`` journal entries: four lots then one redeem,
    over and over, booked through the model."""
    partner = env["res.partner"].create({"name": f"Bench Sync {entries} entries"})
    if "loyalty.points.account" not in env:
        env.cr.commit()
        return partner, None
    account = env["loyalty.points.account"]._get_or_create(partner, env.company)
    today = fields.Date.context_today(partner)
    vals_list = []
    for i in range(entries):
        if i % 5 == 4:
            vals = {"kind": "redeem", "points": -20}
        else:
            vals = {
                "kind": "earn",
                "points": 10 + i % 7,
                "expiry_date": fields.Date.add(today, days=30 + i % 300),
            }
        vals_list.append({"account_id": account.id, **vals})
    env["loyalty.points.entry"]._post(vals_list)
    env.cr.commit()
    return partner, account


def order_payload(session, partner, products, payments):
    lines = []
    for product, qty in products:
        price = product.lst_price
        lines.append(
            [
                0,
                0,
                {
                    "product_id": product.id,
                    "qty": qty,
                    "price_unit": price,
                    "price_subtotal": price * qty,
                    "price_subtotal_incl": price * qty,
                    "discount": 0.0,
                    "tax_ids": [[6, 0, []]],
                    "pack_lot_ids": [],
                },
            ]
        )
    total = sum(line[2]["price_subtotal_incl"] for line in lines)
    payment_lines = []
    left = total
    for method, amount in payments:
        amount = left if amount is None else amount
        payment_lines.append([0, 0, {"payment_method_id": method.id, "amount": amount}])
        left -= amount
    order_uuid = str(uuid.uuid4())
    return {
        "uuid": order_uuid,
        "name": f"Order {order_uuid}",
        "session_id": session.id,
        "partner_id": partner.id if partner else False,
        "user_id": session.env.uid,
        "pricelist_id": session.config_id.pricelist_id.id,
        "fiscal_position_id": False,
        "date_order": fields.Datetime.to_string(fields.Datetime.now()),
        "sequence_number": 1,
        "amount_total": total,
        "amount_tax": 0.0,
        "amount_paid": total,
        "amount_return": 0.0,
        "lines": lines,
        "payment_ids": payment_lines,
        "state": "paid",
        "to_invoice": False,
        "last_order_preparation_change": "{}",
    }


def sync_one(env, payload):
    """Sync one order in its own transaction, with a cold cache like a request."""
    env.invalidate_all()
    cr = env.cr
    queries = cr.sql_log_count
    started = time.perf_counter()
    env["pos.order"].sync_from_ui([payload])
    env.flush_all()
    elapsed = time.perf_counter() - started
    queries = cr.sql_log_count - queries
    cr.commit()
    return queries, elapsed * 1000


def bench_case(env, session, partner, products, payments):
    """[(queries, ms)] of ORDERS orders, after WARMUP orders."""
    for _i in range(WARMUP):
        sync_one(env, order_payload(session, partner, products, payments))
    return [
        sync_one(env, order_payload(session, partner, products, payments)) for _i in range(ORDERS)
    ]


RESULTS = []


def out_row(customer, label, figures):
    queries = statistics.median(queries for queries, _ms in figures)
    times = [ms for _queries, ms in figures]
    RESULTS.append(
        {
            "customer": customer,
            "order": label,
            "queries": queries,
            "ms": statistics.median(times),
            "ms_max": max(times),
        }
    )
    out(
        f"  {customer:<22} {label:<24} {queries:>8g} "
        f"{statistics.median(times):>10.1f} {max(times):>8.1f}"
    )


def main(env):
    admin = env.ref("base.user_admin")
    env = env(user=admin, context=dict(env.context, tz="UTC"))
    config = env.ref("point_of_sale.pos_config_main")
    if config.current_session_id:
        session = config.current_session_id
    else:
        session = env["pos.session"].create({"user_id": admin.id, "config_id": config.id})
        session.set_opening_control(0, None)
    methods = config.payment_method_ids
    with_addon = "loyalty.points.account" in env
    if with_addon:
        # The demo shop gives a welcome bonus and a 14-day return window: the
        # benchmark measures plain earning and spending, so both are off.
        config.company_id.write(
            {"loyalty_points_welcome_points": 0, "loyalty_points_pending_days": 0}
        )
    if with_addon:
        card = methods.filtered(lambda m: m.journal_id.type == "bank" and not m.is_loyalty_points)[
            :1
        ]
        points = methods.filtered("is_loyalty_points")[:1]
    else:  # the A/B baseline: the same orders, the points part paid by card
        card = points = methods.filtered(lambda m: m.journal_id.type == "bank")[:1]
    if not card or not points:
        out("The demo shop needs a card and a loyalty points payment method (demo data).")
        sys.exit(1)
    desk = env.ref("product.product_product_8")  # Large Desk, office furniture
    chair = env.ref("product.product_delivery_01")  # Office Chair
    products = [(desk, 1), (chair, 2)]
    env.cr.commit()
    out(
        f"POS order sync {'with' if with_addon else 'WITHOUT'} loyalty_points ({ORDERS} "
        f"orders a row, after {WARMUP} warm-up orders; 2 lines: {desk.display_name}, "
        f"2 x {chair.display_name})"
    )
    out(f"  {'customer':<22} {'order':<24} {'queries':>8} {'ms median':>10} {'ms max':>8}")
    out_row(
        "no customer (baseline)",
        "no loyalty",
        bench_case(env, session, False, products, [(card, None)]),
    )
    for entries in HISTORIES:
        partner, account = make_customer(env, entries)
        for label, payments in (
            ("earns", [(card, None)]),
            ("earns, pays 10 points", [(points, 10.0), (card, None)]),
        ):
            figures = bench_case(env, session, partner, products, payments)
            out_row(f"{entries:,} entries", label, figures)
        if account is None:
            continue
        account.invalidate_recordset()
        env.cr.execute(
            "SELECT COUNT(*) FROM loyalty_points_entry WHERE account_id = %s", [account.id]
        )
        count = env.cr.fetchone()[0]
        # the addon's own invariant on the account (balance + pending = entries,
        # balance = open lots, remaining = points - allocations)
        problems = env["loyalty.points.entry"]._ledger_problems(account.ids)
        out(
            f"    after: {count:,} entries, balance {account.balance:,.2f}; ledger invariant "
            f"(_ledger_problems): {'OK' if not problems else f'BROKEN: {problems[:3]}'}"
        )
        if problems:
            sys.exit(1)
    if OUT:
        with open(OUT, "w") as handle:
            json.dump(RESULTS, handle)


main(env)  # noqa: F821 -- given by odoo shell
