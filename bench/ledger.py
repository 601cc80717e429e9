"""Ledger throughput: reserve+capture pairs per second against a bare conditional UPDATE.

For PostgreSQL (TEST_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test) and
SQLite (a temp file), with 1, 4 and 16 concurrent clients (threads, each with its own
connection and session), it measures for a fixed time:

- ledger: ``reserve`` + commit, then ``capture`` + commit, on one workspace's pool;
- bare:   ``UPDATE bench_counter SET n = n - 1 WHERE id = 1 AND n >= 1``, one per
  transaction — the floor every ledger pays on the same database and concurrency.

Both are measured in ROUNDS interleaved slices of --seconds each, so that load from
other processes on a shared machine hits both alike. Then an overspend phase: 16
clients race for more reserves than the pool holds; the successes beyond the allowance
are counted (must be 0) and the ledger invariants checked.

    .venv/bin/python bench/ledger.py [--seconds 2] [--clients 1,4,16] [--only pg|sqlite]
"""
import argparse
import os
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import text

from fluxnote import create_app
from fluxnote.accounts.services import create_user
from fluxnote.credits import services as credits
from fluxnote.credits.models import CreditBalance
from fluxnote.extensions import db

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
KIND = "image"
ROUNDS = 3


def make_app(url: str, data_dir: str, clients: int):
    app = create_app({
        "TESTING": True, "DATA_DIR": data_dir, "MEDIA_DIR": f"{data_dir}/media",
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
        "REDIS_URL": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": clients + 2, "max_overflow": 0}})
    with app.app_context():
        db.drop_all()
        db.create_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS bench_counter"))
            conn.execute(text("CREATE TABLE bench_counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
            conn.execute(text("INSERT INTO bench_counter VALUES (1, 1000000000)"))
    return app


def new_workspace(credit: int) -> tuple[int, int]:
    """A fresh workspace whose image pool holds exactly `credit` credits."""
    user = create_user(f"bench-{uuid.uuid4().hex[:10]}@example.com", "password123", "free")
    ws, user_id = user.current_workspace_id, user.id
    have = credits.snapshot(ws)[KIND]["remaining"]
    credits.adjust(ws, KIND, credit - have, f"bench:{uuid.uuid4().hex}", user_id)
    db.session.commit()
    return ws, user_id


def run_clients(clients: int, seconds: float, work) -> int:
    """Run `work(stop_event)` in `clients` threads for `seconds` (or until all return);
    the sum of their counts."""
    stop, start = threading.Event(), threading.Barrier(clients + 1)
    counts = [0] * clients

    def client(i: int) -> None:
        start.wait()
        counts[i] = work(stop)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    deadline = time.monotonic() + seconds
    for t in threads:  # returns early once every client has stopped on its own
        t.join(max(0.0, deadline - time.monotonic()))
    stop.set()
    for t in threads:
        t.join()
    return sum(counts)


def ledger_work(app, ws: int, user_id: int):
    def work(stop: threading.Event) -> int:
        done = 0
        with app.app_context():
            while not stop.is_set():
                try:
                    hold_id = credits.reserve(ws, KIND, uuid.uuid4().hex, user_id)[0].id
                    db.session.commit()
                except credits.InsufficientCredits:
                    db.session.rollback()
                    break
                credits.capture(hold_id)
                db.session.commit()
                done += 1
            db.session.remove()
        return done
    return work


def bare_work(app):
    def work(stop: threading.Event) -> int:
        done = 0
        with app.app_context(), db.engine.connect() as conn:
            while not stop.is_set():
                with conn.begin():
                    done += conn.execute(text(
                        "UPDATE bench_counter SET n = n - 1 WHERE id = 1 AND n >= 1")).rowcount
        return done
    return work


def check_invariants(ws: int) -> str:
    db.session.expire_all()
    bal = db.session.get(CreditBalance, (ws, KIND))
    ok = (bal.remaining >= 0 and credits.ledger_sum(ws, KIND) == bal.remaining
          and bal.allowance - bal.used - bal.reserved == bal.remaining)
    return "ok" if ok else "BROKEN"


def bench_database(name: str, url: str, data_dir: str, client_counts: list[int],
                   seconds: float) -> list[tuple]:
    app = make_app(url, data_dir, max(client_counts))
    rows = []
    with app.app_context():
        ws, user_id = new_workspace(10 ** 8)
        for clients in client_counts:
            pairs = bare = 0
            cpu = 0.0
            for _ in range(ROUNDS):  # interleaved, so drifting load hits both alike
                started = time.process_time()
                pairs += run_clients(clients, seconds, ledger_work(app, ws, user_id))
                cpu += time.process_time() - started
                bare += run_clients(clients, seconds, bare_work(app))
            rows.append((name, clients, pairs / (ROUNDS * seconds), bare / (ROUNDS * seconds),
                         pairs / bare, 1000 * cpu / pairs))
        allowance, clients = 300, 16
        ws, user_id = new_workspace(allowance)
        won = run_clients(clients, 120.0, ledger_work(app, ws, user_id))
        overspend = max(0, won - allowance)
        rows.append((name, "overspend", won, allowance, overspend, check_invariants(ws)))
        db.session.remove()
        db.engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--only", choices=("pg", "sqlite"))
    args = parser.parse_args()
    client_counts = [int(c) for c in args.clients.split(",")]
    pg = os.environ.get("TEST_DATABASE_URL", PG_DEFAULT).replace("postgresql://", "postgresql+psycopg://", 1)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        if args.only != "sqlite":
            rows += bench_database("postgresql", pg, tmp, client_counts, args.seconds)
        if args.only != "pg":
            rows += bench_database("sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", tmp,
                                   client_counts, args.seconds)
    report(rows)


def report(rows: list[tuple]) -> None:
    print(f"{'database':<11} {'clients':>7} {'pairs/s':>9} {'bare UPDATE/s':>14} {'ratio':>7} "
          f"{'client CPU ms/pair':>19}")
    for row in rows:
        if row[1] != "overspend":
            name, clients, pairs, bare, ratio, cpu = row
            print(f"{name:<11} {clients:>7} {pairs:>9.0f} {bare:>14.0f} {ratio:>7.1%} {cpu:>19.2f}")
    target = [r for r in rows if r[0] == "postgresql" and r[1] == 16]
    for _, _, pairs, _, ratio, _ in target:
        print(f"\ntarget (PostgreSQL, 16 clients): {pairs:.0f} pairs/s (>= 500: "
              f"{'met' if pairs >= 500 else 'NOT met'}), {ratio:.0%} of bare UPDATE (>= 25 %: "
              f"{'met' if ratio >= 0.25 else 'NOT met'})")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; the "
          "clients are threads of one Python process, so 1000 / (client CPU ms/pair) bounds pairs/s")
    print()
    for name, _, won, allowance, overspend, inv in (r for r in rows if r[1] == "overspend"):
        print(f"{name:<11} overspend: {won} reserves succeeded for {allowance} credits "
              f"-> overspend {overspend}; invariants {inv}")


if __name__ == "__main__":
    main()
