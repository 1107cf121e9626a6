"""Load driver of scripts/stress: tills that talk to a running Odoo over HTTP
JSON-RPC exactly as the POS does, then checks of the database.

Run by scripts/stress with the Odoo venv's Python (``requests``, ``psycopg2``);
not an Odoo module file. Subcommands:

  run      set up the tills (users, POS configs, sessions) and customers over
           RPC as admin, then N tills in parallel each send M orders to
           ``pos.order.sync_from_ui`` (half paying with points when the addon
           is installed), replays of orders already sent, and (with the addon)
           the expiry and tier jobs triggered meanwhile through
           ``ir.cron.method_direct_trigger``; with ``--chaos``, one HTTP
           worker of the server is killed every few seconds and the database
           connections of one are ended now and then, while the tills resend
           what got no answer. Writes its figures as JSON.
  check    SQL checks of the database after a run, and the findings of
           scripts/stress_ledger.py (exit 1 if one fails).
  summary  prints every run of the JSON files given, the spread of each mode
           and the ratio with/without the addon.

Everything is bounded: a number of requests and a global deadline (epoch
seconds); at the deadline the tills and the chaos stop where they are.
"""

import argparse
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid as uuidlib
from datetime import datetime, timedelta, timezone

import psycopg2
import requests

ADMIN = ("admin", "admin")
CASHIER_PASSWORD = "stress-till-password"  # a throwaway test database
SEND_TRIES = 5  # the POS resends an order until the server answered
CHAOS_TRIES = 40  # under --chaos workers die: the tills keep resending (and re-reading)


def out(line=""):
    print(line, flush=True)


class RpcError(Exception):
    pass


# What a till meets when a worker dies under it or loses its database
# connection: no answer, a broken answer, or a server error.
TRANSIENT = (RpcError, requests.RequestException, ValueError)


def patiently(stats, tries, deadline, call, *args):
    """``call(*args)``, tried again after a failure up to ``tries`` times in
    all (not past ``deadline``), as a till that resends; failures retried are
    counted in ``stats.retries``. Raises the last error."""
    for attempt in range(tries):
        try:
            return call(*args)
        except TRANSIENT:
            if attempt == tries - 1 or time.time() >= deadline:
                raise
            with stats.lock:
                stats.retries += 1
            time.sleep(min(0.2 * (attempt + 1), 2.0))
    raise AssertionError("not reached")


class Client:
    """One browser session: its own cookie jar, as one till."""

    def __init__(self, url, db, login, password):
        self.url = url
        self.http = requests.Session()
        self.ids = 0
        result = self._post(
            "/web/session/authenticate", {"db": db, "login": login, "password": password}
        )
        self.uid = result["uid"]

    def _post(self, path, params, timeout=600):
        self.ids += 1
        response = self.http.post(
            self.url + path,
            json={"jsonrpc": "2.0", "method": "call", "params": params, "id": self.ids},
            timeout=timeout,
        )
        response.raise_for_status()
        body = response.json()
        if body.get("error"):
            data = body["error"].get("data") or {}
            raise RpcError(data.get("message") or body["error"].get("message"))
        return body.get("result")

    def call(self, model, method, *args, **kwargs):
        return self._post(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )


# ----------------------------------------------------------------------
# setup, as admin over RPC


def setup(admin, args, with_addon):
    """Users, POS configs and open sessions of the tills, and the customers."""
    main_config = admin.call(
        "pos.config",
        "search_read",
        [["name", "!=", False]],
        ["id", "name", "payment_method_ids", "pricelist_id"],
        order="id",
        limit=1,
    )[0]
    methods = admin.call(
        "pos.payment.method",
        "search_read",
        [["id", "in", main_config["payment_method_ids"]]],
        [
            "id",
            "name",
            "is_cash_count",
            "journal_id",
            *(["is_loyalty_points"] if with_addon else []),
        ],
    )
    bank = [m for m in methods if not m["is_cash_count"] and not m.get("is_loyalty_points")]
    points = [m for m in methods if m.get("is_loyalty_points")]
    if not bank or (with_addon and not points):
        sys.exit("The demo shop needs a bank payment method (and a points method with the addon).")
    if with_addon:
        # The demo shop gives a welcome bonus and a 14-day return window: the
        # stress run measures plain earning and spending, so both are off.
        company_id = admin.call("pos.config", "read", [main_config["id"]], ["company_id"])[0][
            "company_id"
        ][0]
        admin.call(
            "res.company",
            "write",
            [company_id],
            {"loyalty_points_welcome_points": 0, "loyalty_points_pending_days": 0},
        )
    # A cash method belongs to one till: the stress tills take cards (and points).
    till_methods = [bank[0]["id"], *([points[0]["id"]] if with_addon else [])]
    group_ids = [
        admin.call("ir.model.data", "check_object_reference", module, name)[1]
        for module, name in (("base", "group_user"), ("point_of_sale", "group_pos_user"))
    ]
    stamp = uuidlib.uuid4().hex[:6]
    tills = []
    for i in range(args.tills):
        user_id = admin.call(
            "res.users",
            "create",
            {
                "name": f"Stress Cashier {i + 1}",
                "login": f"stress-{stamp}-{i + 1}",
                "password": CASHIER_PASSWORD,
                "groups_id": [[6, 0, group_ids]],
            },
        )
        config_id = admin.call(
            "pos.config",
            "create",
            {"name": f"Stress Till {i + 1}", "payment_method_ids": [[6, 0, till_methods]]},
        )
        session_id = admin.call(
            "pos.session", "create", {"config_id": config_id, "user_id": user_id}
        )
        admin.call("pos.session", "set_opening_control", [session_id], 0, "")
        tills.append(
            {"login": f"stress-{stamp}-{i + 1}", "user_id": user_id, "session_id": session_id}
        )
    partner_ids = admin.call(
        "res.partner",
        "create",
        [{"name": f"Stress Customer {stamp} {i + 1}"} for i in range(args.customers)],
    )
    products = admin.call(
        "product.product",
        "search_read",
        [["available_in_pos", "=", True], ["list_price", ">=", 20], ["list_price", "<=", 400]],
        ["id", "lst_price"],
        order="id",
        limit=12,
    )
    if len(products) < 3:
        sys.exit("The demo database has too few POS products.")
    return {
        "bank": bank[0]["id"],
        "points": points[0]["id"] if with_addon else None,
        "pricelist_id": main_config["pricelist_id"] and main_config["pricelist_id"][0],
        "tills": tills,
        "partner_ids": partner_ids,
        "products": [(p["id"], p["lst_price"]) for p in products],
    }


def order_payload(rng, world, till, partner_id, points_amount):
    """An order as the till sends it (cf. point_of_sale/tests/common.py
    ``create_ui_order_data``): lines without taxes, paid in full."""
    lines = []
    for product_id, price in rng.sample(world["products"], rng.randint(1, 3)):
        qty = rng.randint(1, 3)
        subtotal = round(price * qty, 2)
        lines.append(
            [
                0,
                0,
                {
                    "id": rng.randint(1, 1000000),
                    "product_id": product_id,
                    "qty": qty,
                    "price_unit": price,
                    "price_subtotal": subtotal,
                    "price_subtotal_incl": subtotal,
                    "discount": 0.0,
                    "tax_ids": [[6, 0, []]],
                    "pack_lot_ids": [],
                },
            ]
        )
    total = round(sum(line[2]["price_subtotal_incl"] for line in lines), 2)
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    payments = []
    if points_amount:
        points_amount = min(points_amount, total)
        payments.append(
            [0, 0, {"amount": points_amount, "name": now, "payment_method_id": world["points"]}]
        )
    rest = round(total - (points_amount or 0), 2)
    if rest:
        payments.append([0, 0, {"amount": rest, "name": now, "payment_method_id": world["bank"]}])
    order_uuid = str(uuidlib.uuid4())
    return {
        "amount_paid": total,
        "amount_return": 0,
        "amount_tax": 0.0,
        "amount_total": total,
        "date_order": now,
        "fiscal_position_id": False,
        "pricelist_id": world["pricelist_id"],
        "name": f"Order {order_uuid}",
        "last_order_preparation_change": "{}",
        "lines": lines,
        "partner_id": partner_id,
        "session_id": till["session_id"],
        "sequence_number": 2,
        "payment_ids": payments,
        "uuid": order_uuid,
        "user_id": till["user_id"],
        "to_invoice": False,
        "state": "paid",
    }


# ----------------------------------------------------------------------
# the load


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = []  # new orders, seconds
        self.replay_latencies = []
        self.sent = []  # uuids of orders the server accepted
        self.points_orders = 0
        self.errors = []  # (what, message): retried and given up, or jobs
        self.retries = 0
        self.job_runs = {"expire": 0, "tiers": 0}
        self.job_busy = 0
        self.job_interrupted = 0
        self.stopped_by_deadline = False


def send(client, payload, stats, tries, deadline):
    """sync_from_ui with the POS's retry; (seconds of the successful call, ok)."""
    for attempt in range(tries):
        started = time.perf_counter()
        try:
            client.call("pos.order", "sync_from_ui", [payload])
            return time.perf_counter() - started, True
        except TRANSIENT as error:
            give_up = attempt == tries - 1 or time.time() >= deadline + 30
            with stats.lock:
                if give_up:
                    stats.errors.append(("sync", str(error)[:300]))
                else:
                    stats.retries += 1
            if give_up:
                return 0.0, False
            time.sleep(min(0.2 * (attempt + 1), 2.0))
    return 0.0, False


def till_loop(args, world, index, stats, deadline, shared_sent):
    till = world["tills"][index]
    rng = random.Random(args.seed * 1000 + index)
    tries = CHAOS_TRIES if args.chaos else SEND_TRIES
    reads = CHAOS_TRIES if args.chaos else 1  # without chaos a read never fails
    client = patiently(
        stats, reads, deadline, Client, args.url, args.db, till["login"], CASHIER_PASSWORD
    )
    mine = []
    for i in range(args.orders):
        if time.time() >= deadline:
            stats.stopped_by_deadline = True
            return
        partner_id = rng.choice(world["partner_ids"])
        pays_points = i % 2 == 1
        points_amount = 0
        if pays_points and world["points"]:
            # The till asks the server for the fresh balance, then spends
            # (almost) all of it: other tills do the same at the same time.
            balance = patiently(
                stats,
                reads,
                deadline,
                client.call,
                "res.partner",
                "read",
                [partner_id],
                ["loyalty_points_balance"],
            )[0]["loyalty_points_balance"]
            points_amount = float(int(balance)) if balance >= 1 else 0
        payload = order_payload(rng, world, till, partner_id, points_amount)
        elapsed, ok = send(client, json.loads(json.dumps(payload)), stats, tries, deadline)
        with stats.lock:
            if ok:
                stats.latencies.append(elapsed)
                stats.sent.append(payload["uuid"])
                stats.points_orders += bool(points_amount)
                shared_sent.append(payload)
        mine.append(payload)
        # The POS resends orders after a lost answer: the same uuid again,
        # from this till or, rarely, from another one.
        if i % 7 == 3 or i % 11 == 5:
            pool = mine if i % 7 == 3 else list(shared_sent)
            replay = json.loads(json.dumps(rng.choice(pool)))
            elapsed, ok = send(client, replay, stats, tries, deadline)
            if ok:
                with stats.lock:
                    stats.replay_latencies.append(elapsed)


def jobs_loop(args, stats, deadline, done):
    """Trigger the expiry and tier jobs now and then, as admin."""
    reads = CHAOS_TRIES if args.chaos else 1
    admin = patiently(stats, reads, deadline, Client, args.url, args.db, *ADMIN)
    crons = {}
    for key, xmlid in (("expire", "ir_cron_expire_points"), ("tiers", "ir_cron_recompute_tiers")):
        crons[key] = patiently(
            stats,
            reads,
            deadline,
            admin.call,
            "ir.model.data",
            "check_object_reference",
            "loyalty_points",
            xmlid,
        )[1]
    # Under chaos a job run whose worker dies, or whose connection ends, is
    # rolled back: the next run takes its work over (checked after the run).
    interrupted = TRANSIENT if args.chaos else (RpcError,)
    turn = 0
    while not done.is_set() and time.time() < deadline:
        key = "expire" if turn % 2 == 0 else "tiers"
        turn += 1
        try:
            admin.call("ir.cron", "method_direct_trigger", [crons[key]])
            with stats.lock:
                stats.job_runs[key] += 1
        except interrupted as error:
            with stats.lock:
                # a job run that meets a running one, or that loses a
                # serialization race with the tills after Odoo's retries,
                # leaves its work to the next run: the cron's own behaviour
                busy = ("cannot be modified right now", "locked", "could not serialize")
                if any(reason in str(error) for reason in busy):
                    stats.job_busy += 1
                elif args.chaos:
                    stats.job_interrupted += 1
                else:
                    stats.errors.append((f"job {key}", str(error)[:300]))
        done.wait(args.job_interval)


# ----------------------------------------------------------------------
# chaos


class Chaos:
    """Faults during the load (``--chaos``): every ``interval`` seconds (give or
    take a quarter) one HTTP worker of the server is killed with SIGKILL (the
    server's master starts another); every third time, half an interval
    later, the PostgreSQL backends of one worker are ended with
    ``pg_terminate_backend``. Only children of ``server_pid`` (the server
    scripts/stress started) are killed, and only backends of this run's
    database are ended. Stops when told to or at the deadline."""

    def __init__(self, args, deadline, done):
        self.server_pid = args.server_pid
        self.db = args.db
        self.interval = args.chaos_interval
        self.deadline = deadline
        self.done = done
        self.rng = random.Random(args.seed)
        self.kills = 0
        self.terminations = 0  # times the backends of a worker were ended
        self.backends = 0  # backends ended in all
        self.misses = 0  # times no backend of the chosen worker was found
        self.errors = []

    def workers(self):
        """The pids of the server's HTTP workers: its children, but its
        long-polling process (``odoo gevent``)."""
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
                if ppid != self.server_pid:
                    continue
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    argv = cmdline.read().split(b"\0")
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
            if b"gevent" not in argv:
                pids.append(int(entry))
        return sorted(pids)

    def backend_pids(self, worker_pid):
        """The pids of the PostgreSQL backends connected to ``worker_pid``: the
        server ends of the Unix sockets whose client end the worker holds
        (``ss -xp``). Odoo names its connections after the process that made
        the connection info (the master, before it forks its workers), so
        ``application_name`` cannot tell the workers apart."""
        inodes = set()
        try:
            for fd in os.listdir(f"/proc/{worker_pid}/fd"):
                try:
                    target = os.readlink(f"/proc/{worker_pid}/fd/{fd}")
                except OSError:
                    continue
                if target.startswith("socket:["):
                    inodes.add(int(target[8:-1]))
        except OSError:
            return []
        listing = subprocess.run(
            ["ss", "-xpn"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
        pids = []
        for line in listing.splitlines():
            match = re.search(
                r"\.s\.PGSQL\.\d+\s+\d+\s+\S+\s+(\d+)\s+users:\(\(\"postgres\",pid=(\d+)", line
            )
            if match and int(match.group(1)) in inodes:
                pids.append(int(match.group(2)))
        return pids

    def kill_worker(self):
        workers = self.workers()
        if not workers:
            return
        pid = self.rng.choice(workers)
        try:
            os.kill(pid, signal.SIGKILL)
            self.kills += 1
        except ProcessLookupError:
            pass

    def end_backends(self):
        workers = self.workers()
        self.rng.shuffle(workers)
        for pid in workers:
            backends = self.backend_pids(pid)
            if not backends:
                continue
            with psycopg2.connect(dbname=self.db) as conn, conn.cursor() as cr:
                cr.execute(
                    """
                    SELECT COUNT(*) FILTER (WHERE pg_terminate_backend(pid))
                      FROM pg_stat_activity
                     WHERE datname = %s AND pid = ANY(%s) AND pid <> pg_backend_pid()
                    """,
                    [self.db, backends],
                )
                ended = cr.fetchone()[0]
            conn.close()
            self.terminations += 1
            self.backends += ended
            return
        self.misses += 1

    def loop(self):
        turn = 0
        while not self.done.is_set() and time.time() < self.deadline:
            if self.done.wait(self.interval * self.rng.uniform(0.75, 1.25)):
                break
            turn += 1
            try:
                self.kill_worker()
                if turn % 3 == 1 and not self.done.wait(self.interval / 2):
                    self.end_backends()
            except Exception as error:  # the chaos itself failed: say so
                self.errors.append(repr(error)[:300])
                if len(self.errors) > 10:
                    return

    def figures(self):
        return {
            "kills": self.kills,
            "terminations": self.terminations,
            "backends": self.backends,
            "misses": self.misses,
            "errors": self.errors[:5],
        }


def seed_balances(args, admin, world):
    """Each customer earns points with one card order (this creates the
    account through the real sync), then a share of those lots is made due
    (past expiry) directly in SQL, so that the expiry job has work while the
    tills spend the same accounts."""
    failures = []
    # the tills seed at once: Odoo's own stock moves of the orders race on the
    # same quants and may lose a serialization race even after Odoo's retries;
    # a till resends what got no answer, the seeding too
    stats = Stats()

    def seed(index):
        till = world["tills"][index]
        rng = random.Random(args.seed + index)
        try:
            client = Client(args.url, args.db, till["login"], CASHIER_PASSWORD)
            for partner_id in world["partner_ids"][index :: len(world["tills"])]:
                payload = order_payload(rng, world, till, partner_id, 0)
                if not send(client, payload, stats, SEND_TRIES, args.deadline)[1]:
                    failures.append(f"seeding till {index + 1}: {stats.errors[-1][1]}"[:300])
                    return
        except Exception as error:  # a seed that fails is a failed run
            failures.append(f"seeding till {index + 1}: {error!r}"[:300])

    # every till seeds its share of the customers, in parallel
    threads = [
        threading.Thread(target=seed, args=(index,), daemon=True)
        for index in range(len(world["tills"]))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        sys.exit("; ".join(failures))
    partners = admin.call("res.partner", "read", world["partner_ids"], ["loyalty_points_balance"])
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).date()
    with psycopg2.connect(dbname=args.db) as conn, conn.cursor() as cr:
        # A test harness rewriting dates, not the application: every third
        # customer's lots are due.
        cr.execute(
            """
            UPDATE loyalty_points_entry SET expiry_date = %s
             WHERE partner_id = ANY(%s) AND points > 0 AND remaining > 0
               AND partner_id %% 3 = 0
            """,
            [yesterday, world["partner_ids"]],
        )
        due = cr.rowcount
    conn.close()
    balances = [p["loyalty_points_balance"] for p in partners]
    return due, balances, stats.retries


def load(args, world, with_addon):
    """The tills, the jobs and the chaos, in parallel, until the tills are
    done or the deadline; (stats, failures, chaos or None, wall seconds)."""
    stats = Stats()
    shared_sent = []
    done = threading.Event()
    deadline = args.deadline
    threads = [
        threading.Thread(
            target=till_loop, args=(args, world, i, stats, deadline, shared_sent), daemon=True
        )
        for i in range(args.tills)
    ]
    if with_addon:
        threads.append(
            threading.Thread(target=jobs_loop, args=(args, stats, deadline, done), daemon=True)
        )
    if args.chaos and not args.server_pid:
        sys.exit("--chaos needs --server-pid: the server whose workers may be killed")
    chaos = Chaos(args, deadline, done) if args.chaos else None
    failures = []

    def guarded(thread):
        original = thread._target

        def target(*a):
            try:
                original(*a)
            except Exception as error:  # a till that dies is a failed run
                with stats.lock:
                    failures.append(f"{thread.name}: {error!r}"[:300])

        thread._target = target
        return thread

    started = time.perf_counter()
    for thread in threads:
        guarded(thread).start()
    chaos_thread = threading.Thread(target=chaos.loop, daemon=True) if chaos else None
    if chaos_thread:
        chaos_thread.start()
    for thread in threads[: args.tills]:
        thread.join(max(1.0, deadline - time.time() + 60))
    done.set()
    if chaos_thread:
        chaos_thread.join(60)
        failures += [f"chaos: {error}" for error in chaos.errors]
    for thread in threads[args.tills :]:
        thread.join(120)
    return stats, failures, chaos, time.perf_counter() - started


def run(args):
    with_addon = args.mode == "with"
    admin = Client(args.url, args.db, *ADMIN)
    world = setup(admin, args, with_addon)
    seeded = {}
    if with_addon:
        due, balances, resent = seed_balances(args, admin, world)
        seeded = {
            "due_lots": due,
            "median_balance": statistics.median(balances),
            "resent": resent,
        }
    stats, failures, chaos, wall = load(args, world, with_addon)
    lat = sorted(stats.latencies)

    def pct(values, q):
        return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else 0.0

    result = {
        "mode": args.mode,
        "db": args.db,
        "tills": args.tills,
        "orders_per_till": args.orders,
        "customers": args.customers,
        "orders": len(stats.sent),
        "points_orders": stats.points_orders,
        "replays": len(stats.replay_latencies),
        "wall_s": wall,
        "orders_per_s": len(stats.sent) / wall if wall else 0.0,
        "p50_ms": pct(lat, 0.50),
        "p95_ms": pct(lat, 0.95),
        "max_ms": lat[-1] * 1000 if lat else 0.0,
        "replay_p50_ms": statistics.median(stats.replay_latencies) * 1000
        if stats.replay_latencies
        else 0.0,
        "retries": stats.retries,
        "errors": stats.errors[:20],
        "error_count": len(stats.errors) + len(failures),
        "failures": failures,
        "job_runs": stats.job_runs,
        "job_busy": stats.job_busy,
        "job_interrupted": stats.job_interrupted,
        "chaos": chaos.figures() if chaos else None,
        "stopped_by_deadline": stats.stopped_by_deadline,
        "seeded": seeded,
        "sent_uuids": stats.sent,
    }
    with open(args.out, "w") as handle:
        json.dump(result, handle)
    report(result)
    return 1 if failures else 0


def report(result):
    """Print the figures of a run."""
    out(
        f"  {result['mode']} the addon: {result['orders']} orders ({result['points_orders']} "
        f"paying with points) + {result['replays']} replays in {result['wall_s']:.1f} s: "
        f"{result['orders_per_s']:.1f} orders/s, p50 {result['p50_ms']:.0f} ms, "
        f"p95 {result['p95_ms']:.0f} ms; retries {result['retries']}, "
        f"errors {result['error_count']}"
    )
    if result["mode"] == "with":
        seeded, job_runs = result["seeded"], result["job_runs"]
        out(
            f"    jobs triggered: expiry {job_runs['expire']}, tiers {job_runs['tiers']} "
            f"(busy, skipped: {result['job_busy']}); seeded: {seeded.get('due_lots', 0)} "
            f"due lots, median balance {seeded.get('median_balance', 0):.0f} points, "
            f"seeding orders resent {seeded.get('resent', 0)}"
        )
    if chaos := result["chaos"]:
        out(
            f"    chaos: {chaos['kills']} workers killed (SIGKILL), the database connections "
            f"of a worker ended {chaos['terminations']} times ({chaos['backends']} backends, "
            f"{chaos['misses']} times none found); requests retried {result['retries']}; "
            f"job runs interrupted {result['job_interrupted']}"
        )
    for what, message in result["errors"][:5]:
        out(f"    error ({what}): {message}")
    for failure in result["failures"][:5]:
        out(f"    failure: {failure}")
    if result["stopped_by_deadline"]:
        out("    stopped by the deadline before every order was sent")


# ----------------------------------------------------------------------
# checks


def check(args):
    with open(args.result) as handle:
        result = json.load(handle)
    sent = result["sent_uuids"]
    problems = []
    conn = psycopg2.connect(dbname=args.db)
    cr = conn.cursor()

    def count(query, params=()):
        cr.execute(query, params)
        return cr.fetchone()[0]

    cr.execute("SELECT uuid, COUNT(*) FROM pos_order WHERE uuid = ANY(%s) GROUP BY uuid", [sent])
    found = dict(cr.fetchall())
    missing = [u for u in sent if u not in found]
    twice = {u: n for u, n in found.items() if n > 1}
    if missing:
        problems.append(f"{len(missing)} orders sent and acknowledged are not in the database")
    if twice:
        problems.append(f"{len(twice)} orders are in the database more than once")
    if result["error_count"]:
        problems.append(f"{result['error_count']} requests failed even after retries")
    out(
        f"  orders: {len(found)} of {len(sent)} acknowledged orders in the database, "
        f"{len(twice)} twice"
    )
    if args.mode == "with":
        keys = count(
            """
            SELECT COUNT(*) FROM (SELECT idempotency_key FROM loyalty_points_entry
                                   WHERE idempotency_key IS NOT NULL
                                   GROUP BY idempotency_key HAVING COUNT(*) > 1) AS dup
            """
        )
        if keys:
            problems.append(f"{keys} idempotency keys booked twice")
        twice_booked = count(
            """
            SELECT COUNT(*) FROM (SELECT pos_order_id FROM loyalty_points_entry
                                   WHERE pos_order_id IS NOT NULL AND kind = 'redeem'
                                   GROUP BY pos_order_id HAVING COUNT(*) > 1) AS dup
            """
        )
        if twice_booked:
            problems.append(f"{twice_booked} orders redeemed twice")
        # Overdrafts: the running balance of the account right after the
        # entries of an order (entries of one account are booked under its
        # row lock, so id order is booking order) below zero, on an order
        # that took points.
        cr.execute(
            """
            WITH running AS (
                SELECT id, account_id, pos_order_id, points,
                       SUM(points) OVER (PARTITION BY account_id ORDER BY id) AS balance
                  FROM loyalty_points_entry
            ), per_order AS (
                SELECT DISTINCT ON (pos_order_id) pos_order_id, account_id, balance
                  FROM running WHERE pos_order_id IS NOT NULL
                 ORDER BY pos_order_id, id DESC
            ), overdrawn AS (
                SELECT per_order.account_id, COUNT(*) AS orders
                  FROM per_order
                 WHERE per_order.balance < 0
                   AND EXISTS (SELECT 1 FROM loyalty_points_entry AS debit
                                WHERE debit.pos_order_id = per_order.pos_order_id
                                  AND debit.points < 0)
                 GROUP BY per_order.account_id
            )
            SELECT COUNT(*), COALESCE(SUM(orders), 0),
                   COUNT(*) FILTER (WHERE NOT EXISTS (
                       SELECT 1 FROM mail_activity AS activity
                        WHERE activity.res_model = 'loyalty.points.account'
                          AND activity.res_id = overdrawn.account_id)),
                   (SELECT COUNT(*) FROM mail_activity
                     WHERE res_model = 'loyalty.points.account')
              FROM overdrawn
            """
        )
        overdrawn_accounts, overdrawing_orders, without_activity, activities = cr.fetchone()
        if without_activity:
            problems.append(f"{without_activity} overdrawn accounts without a manager activity")
        # lots the expiry job closed (one expire entry per account and run,
        # one allocation per lot)
        expired = count(
            "SELECT COUNT(*) FROM loyalty_points_allocation AS alloc"
            " JOIN loyalty_points_entry AS entry ON entry.id = alloc.debit_entry_id"
            " WHERE entry.kind = 'expire'"
        )
        negative = count("SELECT COUNT(*) FROM loyalty_points_account WHERE balance < 0")
        out(f"  idempotency keys booked twice: {keys}; orders redeemed twice: {twice_booked}")
        if args.ledger and os.path.getsize(args.ledger):
            problems += ledger_report(args.ledger)
        else:
            problems.append("the ledger checks (scripts/stress_ledger.py) did not run")
        out(
            f"  overdrafts: {overdrawing_orders} orders overdrew {overdrawn_accounts} accounts "
            f"({negative} still negative), {activities} manager activities, "
            f"{without_activity} overdrawn accounts without one; {expired} lots expired"
        )
    conn.close()
    for problem in problems:
        out(f"  FAILED: {problem}")
    return 1 if problems else 0


LEDGER_CHECKS = {
    "sum": "accounts: balance + pending points != sum of entries",
    "lots": "accounts: balance != open lots (or pending != pending lots)",
    "remaining": "lots: remaining != points - allocations",
    "overspent": "debits: allocations take more than the entry moved",
}


def ledger_report(path):
    """Print the findings of scripts/stress_ledger.py (the addon's
    ``_ledger_problems`` before and after the jobs, their convergence);
    return the problems."""
    with open(path) as handle:
        ledger = json.load(handle)
    problems = []

    def findings(label, found):
        if not found["count"]:
            return "OK"
        more = "at least " if found["capped"] else ""
        for check, number in sorted(found["by_check"].items()):
            problems.append(f"{label}: {more}{number} {LEDGER_CHECKS.get(check, check)}")
        problems.extend(f"{label}: e.g. {sample}" for sample in found["sample"][:3])
        return f"BROKEN ({more}{found['count']} problems)"

    before = findings("ledger as the load left it", ledger["before_jobs"])
    out(
        f"  ledger invariant (loyalty.points.entry._ledger_problems) on all "
        f"{ledger['accounts']} accounts: {before}"
    )
    runs = ", ".join(
        f"{job} {runs_left[0]} run(s){'' if not runs_left[1] else ', NOT converged'}"
        for job, runs_left in ledger["converge"].items()
    )
    rerun = ", ".join(f"{job} {runs_left[0]}" for job, runs_left in ledger["rerun"].items())
    state = ledger["state_rerun"]
    changed = ledger["rerun_changed"]
    out(
        f"  jobs re-run until done: {runs}; a second round ({rerun} run(s)) changes "
        f"{'nothing' if not changed else ', '.join(changed)}; due lots left "
        f"{state['due_lots']}, pending lots due {state['pending_due']}"
    )
    for job, (_runs, left) in ledger["converge"].items():
        if left:
            problems.append(f"the {job} job does not converge ({left} left)")
    if changed:
        problems.append(f"a second round of the jobs changed {', '.join(changed)}")
    if state["due_lots"] or state["pending_due"]:
        problems.append("due lots left open after the jobs")
    after = findings("ledger after the jobs", ledger["after_jobs"])
    out(f"  ledger invariant after the jobs: {after}")
    return problems


def summary(args):
    """Every run, then each mode's mean, range and spread, then the ratio
    with/without (of the means, and the range of the ratios round by round)."""
    runs = []
    for path in args.results:
        with open(path) as handle:
            runs.append(json.load(handle))
    rounds = {}
    out(
        f"  {'run':<24} {'orders':>7} {'orders/s':>9} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'max ms':>8} {'retries':>8}"
    )
    for res in runs:
        mode = res["mode"]
        rounds.setdefault(mode, []).append(res)
        label = f"{mode} #{len(rounds[mode])}"
        out(
            f"  {label:<24} {res['orders']:>7} {res['orders_per_s']:>9.2f} "
            f"{res['p50_ms']:>8.0f} {res['p95_ms']:>8.0f} {res['max_ms']:>8.0f} "
            f"{res['retries']:>8}"
        )
    means = {}
    for mode, results in rounds.items():
        rates = [res["orders_per_s"] for res in results]
        p50s = [res["p50_ms"] for res in results]
        mean = statistics.mean(rates)
        means[mode] = (mean, statistics.mean(p50s))
        spread = (max(rates) - min(rates)) / mean * 100 if mean else 0.0
        out(
            f"  {mode + ':':<9} orders/s mean {mean:.2f}, min {min(rates):.2f}, "
            f"max {max(rates):.2f} (spread {spread:.0f} % of the mean, {len(rates)} runs); "
            f"p50 ms {min(p50s):.0f} to {max(p50s):.0f}"
        )
    if {"with", "without"} <= means.keys() and means["without"][0] and means["without"][1]:
        pairs = [
            a["orders_per_s"] / b["orders_per_s"]
            for a, b in zip(rounds["with"], rounds["without"], strict=False)
            if b["orders_per_s"]
        ]
        out(
            f"  ratio with/without: throughput {means['with'][0] / means['without'][0]:.2f}x "
            f"(round by round: {', '.join(f'{r:.2f}x' for r in pairs)}), "
            f"p50 latency {means['with'][1] / means['without'][1]:.2f}x"
        )
    return 0


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run")
    run_parser.add_argument("--url", required=True)
    run_parser.add_argument("--db", required=True)
    run_parser.add_argument("--mode", choices=("with", "without"), required=True)
    run_parser.add_argument("--tills", type=int, default=8)
    run_parser.add_argument("--orders", type=int, default=200)
    run_parser.add_argument("--customers", type=int, default=50)
    run_parser.add_argument("--deadline", type=float, required=True, help="epoch seconds")
    run_parser.add_argument("--job-interval", type=float, default=2.0)
    run_parser.add_argument("--seed", type=int, default=9)
    run_parser.add_argument("--out", required=True)
    run_parser.add_argument("--chaos", action="store_true")
    run_parser.add_argument("--server-pid", type=int, help="the server's master (--chaos)")
    run_parser.add_argument("--chaos-interval", type=float, default=4.0)
    check_parser = sub.add_parser("check")
    check_parser.add_argument("--db", required=True)
    check_parser.add_argument("--mode", choices=("with", "without"), required=True)
    check_parser.add_argument("--result", required=True)
    check_parser.add_argument("--ledger", help="JSON of scripts/stress_ledger.py (with the addon)")
    summary_parser = sub.add_parser("summary")
    summary_parser.add_argument("results", nargs="+", help="the runs' JSON, in run order")
    args = parser.parse_args()
    return {"run": run, "check": check, "summary": summary}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
