"""Ledger throughput: reserve+capture pairs per second against a bare conditional UPDATE.

For PostgreSQL (TEST_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test) and
SQLite (a temp file), with 1, 4 and 16 concurrent clients, it measures for a fixed time:

- ledger: ``reserve`` + commit, then ``capture`` + commit, on one workspace's pool;
- bare:   ``UPDATE bench_counter SET n = n - 1 WHERE id = 1 AND n >= 1``, one per
  transaction — the floor every ledger pays on the same database and concurrency.

The clients are PROCESSES (forked; each builds its own app with `create_app`, so its own
engine and connection), for both the ledger and the bare UPDATE, so Python's GIL does not
cap the clients at one core. Both are measured in ROUNDS interleaved slices of --seconds
each, so that load from other processes on a shared machine hits both alike; a client's
startup and WARMUP untimed rounds are outside the measured slice (a barrier starts them
together). Then an overspend phase: 16 clients race for more reserves than the pool
holds; the successes beyond the allowance are counted (must be 0) and the ledger
invariants checked. Also printed: the load average, and how busy the whole machine's
CPUs were while the ledger ran (near 100 % means the figure is CPU-bound).

    .venv/bin/python bench/ledger.py [--seconds 2] [--clients 1,4,16] [--only pg|sqlite]
"""

import argparse
import gc
import multiprocessing
import os
import queue
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import func, select, text

from fluxnote import create_app
from fluxnote.accounts.services import create_user
from fluxnote.credits import services as credits
from fluxnote.credits.models import CreditHold
from fluxnote.extensions import db

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
KIND = "image"
ROUNDS = 3
WARMUP = 20  # untimed reserve+capture pairs (or bare UPDATEs) per client before each slice
BARE = "UPDATE bench_counter SET n = n - 1 WHERE id = 1 AND n >= 1"
MP = multiprocessing.get_context("fork")  # children import nothing again: they start fast


def build_app(url: str, data_dir: str):
    return create_app(
        {
            "TESTING": True,
            "DATA_DIR": data_dir,
            "MEDIA_DIR": f"{data_dir}/media",
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "REDIS_URL": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
            "RATELIMIT_STORAGE_URI": "memory://",
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0},
        }
    )


def make_app(url: str, data_dir: str):
    """The parent's app: fresh schema plus the bare UPDATE's counter row."""
    app = build_app(url, data_dir)
    with app.app_context():
        db.drop_all()
        db.create_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS bench_counter"))
            conn.execute(
                text("CREATE TABLE bench_counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
            )
            conn.execute(text("INSERT INTO bench_counter VALUES (1, 1000000000)"))
        db.engine.dispose()
    return app


def new_workspace(credit: int) -> tuple[int, int]:
    """A fresh workspace whose image pool holds exactly `credit` credits."""
    user = create_user(f"bench-{uuid.uuid4().hex[:10]}@example.com", "password123", "free")
    ws, user_id = user.current_workspace_id, user.id
    have = credits.snapshot(ws)[KIND]["remaining"]
    credits.adjust(ws, KIND, credit - have, f"bench:{uuid.uuid4().hex}", user_id)
    db.session.commit()
    return ws, user_id


def ledger_work(stop, ws: int, user_id: int, limit: int = 10**12) -> int:
    """Reserve+capture pairs, each half its own transaction, until `stop`, `limit` pairs or
    the pool is empty."""
    done = 0
    while done < limit and not stop.is_set():
        try:
            hold_id = credits.reserve(ws, KIND, uuid.uuid4().hex, user_id)[0].id
            db.session.commit()
        except credits.InsufficientCredits:
            db.session.rollback()
            break
        credits.capture(hold_id)
        db.session.commit()
        done += 1
    return done


def bare_work(stop, limit: int = 10**12) -> int:
    """One conditional UPDATE per transaction on one open connection, until `stop` or
    `limit` transactions."""
    done = 0
    with db.engine.connect() as conn:
        while done < limit and not stop.is_set():
            with conn.begin():
                done += conn.execute(text(BARE)).rowcount
    return done


def client(
    url: str, data_dir: str, work: str, args: tuple, warmup: int, start, stop, results
) -> None:
    """One client process: its own app and connection, `warmup` untimed rounds of `work`
    (connect, compile and prepare the statements, copy the forked pages), then `work`
    from the barrier on; puts (count, CPU seconds spent in the timed work)."""
    app = build_app(url, data_dir)
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        if warmup:
            run = ledger_work if work == "ledger" else bare_work
            run(threading.Event(), *args, limit=warmup)
        start.wait()
        cpu = time.process_time()
        done = ledger_work(stop, *args) if work == "ledger" else bare_work(stop)
        results.put((done, time.process_time() - cpu))
        db.session.remove()
        db.engine.dispose()


def machine_cpu() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot (Linux /proc/stat)."""
    ticks = [int(t) for t in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(ticks) - ticks[3] - ticks[4], sum(ticks)  # idle and iowait are not busy


def run_clients(
    clients: int,
    seconds: float,
    url: str,
    data_dir: str,
    work: str,
    args: tuple = (),
    warmup: int = WARMUP,
) -> tuple[int, float, float]:
    """Run `work` in `clients` processes for `seconds` (or until all return): the sum of
    their counts and of their CPU seconds, and how busy the whole machine was (0..1)."""
    start, stop, results = MP.Barrier(clients + 1), MP.Event(), MP.Queue()
    procs = [
        MP.Process(target=client, args=(url, data_dir, work, args, warmup, start, stop, results))
        for _ in range(clients)
    ]
    gc.freeze()  # the children's garbage collector leaves the parent's pages shared
    for p in procs:
        p.start()
    start.wait(timeout=120)
    deadline, got, before = time.monotonic() + seconds, [], machine_cpu()
    while len(got) < clients:  # returns early once every client has stopped on its own
        wait = 60.0 if stop.is_set() else max(0.01, deadline - time.monotonic())
        try:
            got.append(results.get(timeout=wait))
        except queue.Empty:
            if stop.is_set():
                raise RuntimeError("a client process died") from None
            stop.set()
    stop.set()
    after = machine_cpu()
    for p in procs:
        p.join()
    busy = (after[0] - before[0]) / max(1, after[1] - before[1])
    return sum(n for n, _ in got), sum(c for _, c in got), busy


def check_invariants(ws: int) -> str:
    """remaining >= 0 and = the ledger's sum; allowance - remaining = the cycle's holds
    held or captured."""
    bal = credits.balances(ws)[KIND]
    consumed = db.session.scalar(
        select(func.count())
        .select_from(CreditHold)
        .where(
            CreditHold.workspace_id == ws,
            CreditHold.kind == KIND,
            CreditHold.cycle_start == bal["cycle_start"],
            CreditHold.state != "released",
        )
    )
    ok = (
        bal["remaining"] >= 0
        and credits.ledger_sum(ws, KIND) == bal["remaining"]
        and bal["allowance"] - bal["remaining"] == consumed
    )
    return "ok" if ok else "BROKEN"


def bench_database(
    name: str, url: str, data_dir: str, client_counts: list[int], seconds: float
) -> list[tuple]:
    app = make_app(url, data_dir)
    rows = []
    with app.app_context():
        ws, user_id = new_workspace(10**8)
        db.session.remove()
        for clients in client_counts:
            pairs = bare = 0
            cpu = busy = 0.0
            for _ in range(ROUNDS):  # interleaved, so drifting load hits both alike
                n, c, b = run_clients(clients, seconds, url, data_dir, "ledger", (ws, user_id))
                pairs, cpu, busy = pairs + n, cpu + c, busy + b / ROUNDS
                bare += run_clients(clients, seconds, url, data_dir, "bare")[0]
            rows.append(
                (
                    name,
                    clients,
                    pairs / (ROUNDS * seconds),
                    bare / (ROUNDS * seconds),
                    pairs / bare,
                    1000 * cpu / pairs,
                    busy,
                )
            )
        allowance, clients = 300, 16
        ws, user_id = new_workspace(allowance)
        db.session.remove()
        won = run_clients(clients, 120.0, url, data_dir, "ledger", (ws, user_id), warmup=0)[0]
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
    pg = os.environ.get("TEST_DATABASE_URL", PG_DEFAULT).replace(
        "postgresql://", "postgresql+psycopg://", 1
    )
    rows, load = [], [os.getloadavg()]
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        if args.only != "sqlite":
            rows += bench_database("postgresql", pg, tmp, client_counts, args.seconds)
            load.append(os.getloadavg())
        if args.only != "pg":
            rows += bench_database(
                "sqlite", f"sqlite:///{Path(tmp) / 'bench.db'}", tmp, client_counts, args.seconds
            )
            load.append(os.getloadavg())
    report(rows, load, time.monotonic() - started)


def report(rows: list[tuple], load: list[tuple], elapsed: float) -> None:
    print(
        "clients are processes (forked, one app and connection each); "
        f"client CPU is the clients' own, summed; {os.cpu_count()} CPUs"
    )
    print(
        f"{'database':<11} {'clients':>7} {'pairs/s':>9} {'bare UPDATE/s':>14} {'ratio':>7} "
        f"{'client CPU ms/pair':>19} {'machine CPU busy':>17}"
    )
    for row in rows:
        if row[1] != "overspend":
            name, clients, pairs, bare, ratio, cpu, busy = row
            print(
                f"{name:<11} {clients:>7} {pairs:>9.0f} {bare:>14.0f} {ratio:>7.1%} {cpu:>19.2f}"
                f" {busy:>17.0%}"
            )
    print("(machine CPU busy: all processes on the machine, during the ledger slices)")
    target = [r for r in rows if r[0] == "postgresql" and r[1] == 16]
    for _, _, pairs, _, ratio, _, _ in target:
        print(
            f"\ntarget (PostgreSQL, 16 clients): {pairs:.0f} pairs/s (>= 500: "
            f"{'met' if pairs >= 500 else 'NOT met'}), {ratio:.0%} of bare UPDATE (>= 25 %: "
            f"{'met' if ratio >= 0.25 else 'NOT met'})"
        )
    print(
        "load average (1, 5, 15 min) at start, after each database: "
        + "; ".join(" ".join(f"{v:.1f}" for v in la) for la in load)
        + f" on {os.cpu_count()} CPUs; the bench took {elapsed:.0f} s"
    )
    print()
    for name, _, won, allowance, overspend, inv in (r for r in rows if r[1] == "overspend"):
        print(
            f"{name:<11} overspend: {won} reserves succeeded for {allowance} credits "
            f"-> overspend {overspend}; invariants {inv}"
        )


if __name__ == "__main__":
    main()
