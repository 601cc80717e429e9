"""Load benchmark: gunicorn + PostgreSQL + Redis, N concurrent clients, bounded time.

Starts its own redis-server and gunicorn on free loopback ports and a scratch database
on the local PostgreSQL server (dropped afterwards), then drives, one phase each:
`/healthz` (the floor), the dashboard (logged-in page), `GET /api/v1/credits` and
`POST /api/v1/generations` (offline image; jobs are queued, no worker runs, so this
measures the submit path: validation, reservation, insert, enqueue). Prints requests/s,
p50/p95/p99 latency and the error count (anything but the expected status) per phase.

    .venv/bin/python bench/load.py [--clients 8] [--seconds 20] [--pg postgresql://postgres@127.0.0.1:5432/postgres]
"""

import argparse
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
TOKENS_PER_CLIENT = 40  # generation submits are limited to 120/min per token
IMAGE = {"kind": "image", "model": "offline-image", "prompt": "a lighthouse in a storm, bench"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


class Stack:
    """redis-server, a scratch PostgreSQL database and gunicorn, torn down in reverse."""

    def __init__(self, pg_admin: str):
        self.pg_admin, self.procs = pg_admin, []
        self.db_name = f"fluxnote_bench_{secrets.token_hex(4)}"
        self.data_dir = tempfile.mkdtemp(prefix="fluxnote-bench-")
        self.redis_url = f"redis://127.0.0.1:{free_port()}/0"
        self.base = f"http://127.0.0.1:{free_port()}"
        self.db_url = self.pg_admin.rsplit("/", 1)[0] + "/" + self.db_name

    def env(self) -> dict:
        return dict(
            os.environ,
            DATABASE_URL=self.db_url,
            REDIS_URL=self.redis_url,
            FLUXNOTE_DATA_DIR=self.data_dir,
            SECRET_KEY="bench-" + secrets.token_hex(8),
        )

    def start(self) -> None:
        port = self.redis_url.rsplit(":", 1)[1].split("/")[0]
        self.procs.append(
            subprocess.Popen(
                [
                    shutil.which("redis-server"),
                    "--port",
                    port,
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                stdout=subprocess.DEVNULL,
            )
        )
        with psycopg.connect(self.pg_admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from fluxnote import create_app; from fluxnote.extensions import db\n"
                "app = create_app()\nwith app.app_context(): db.create_all()",
            ],
            env=self.env(),
            cwd=ROOT,
            check=True,
        )
        self.procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--bind",
                    self.base[len("http://") :],
                    "--workers",
                    "2",
                    "--threads",
                    "4",
                    "--log-level",
                    "warning",
                    "wsgi:app",
                ],
                env=self.env(),
                cwd=ROOT,
            )
        )
        wait_http(self.base + "/healthz")

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
            proc.wait(timeout=30)
        with psycopg.connect(self.pg_admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        shutil.rmtree(self.data_dir, ignore_errors=True)


def make_clients(stack: Stack, n: int) -> list[dict]:
    """One Max-plan user per client, logged in (session cookie) and holding a token pool."""
    script = (
        "import sys\nfrom fluxnote import create_app\nfrom fluxnote.accounts.services import create_user, create_token\n"
        "app = create_app()\nwith app.app_context():\n"
        f"    for i in range({n}):\n"
        "        u = create_user(f'load{i}@example.com', 'password123', 'max')\n"
        f"        print(' '.join(create_token(u, 'bench') for _ in range({TOKENS_PER_CLIENT})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=stack.env(),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split("\n")
    clients = []
    for i, line in enumerate(out[:n]):
        http = httpx.Client(base_url=stack.base, timeout=30)
        page = http.get("/login").text
        csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        assert (
            http.post(
                "/login",
                data={
                    "email": f"load{i}@example.com",
                    "password": "password123",
                    "csrf_token": csrf,
                },
            ).status_code
            == 302
        )
        clients.append({"http": http, "tokens": line.split()})
    return clients


def _request(client: dict, phase: str, i: int) -> bool:
    http, token = client["http"], client["tokens"][i % len(client["tokens"])]
    bearer = {"Authorization": f"Bearer {token}"}
    if phase == "healthz":
        return http.get("/healthz").status_code == 200
    if phase == "dashboard":
        return http.get("/").status_code == 200
    if phase == "credits":
        return http.get("/api/v1/credits", headers=bearer).status_code == 200
    return http.post("/api/v1/generations", json=IMAGE, headers=bearer).status_code == 202


def run_phase(clients: list[dict], phase: str, seconds: float) -> dict:
    """Warm up (first requests pay imports and connection setup; not counted), then measure."""
    for client in clients:
        for i in range(3):
            _request(client, phase, i)
    latencies, errors, lock = [], [0], threading.Lock()
    stop_at = time.monotonic() + seconds

    def loop(client):
        i, mine, bad = 0, [], 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                ok = _request(client, phase, i)
            except httpx.HTTPError:
                ok = False
            mine.append(time.perf_counter() - started)
            bad += not ok
            i += 1
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=loop, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "phase": phase,
        "requests": len(latencies),
        "rps": len(latencies) / seconds,
        "p50": cuts[49] * 1000,
        "p95": cuts[94] * 1000,
        "p99": cuts[98] * 1000,
        "errors": errors[0],
    }


def report(rows: list[dict], clients: int, seconds: float) -> None:
    floor = rows[0]
    print(
        f"\n{clients} concurrent clients, {seconds:.0f} s per phase, gunicorn 2 workers x 4 threads, "
        f"PostgreSQL + Redis\n"
    )
    print(
        f"{'endpoint':<26}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}{'p50 / floor':>13}"
    )
    names = {
        "healthz": "GET /healthz (floor)",
        "dashboard": "GET / (dashboard)",
        "credits": "GET /api/v1/credits",
        "generations": "POST /api/v1/generations",
    }
    for r in rows:
        print(
            f"{names[r['phase']]:<26}{r['requests']:>9}{r['rps']:>9.1f}{r['p50']:>9.1f}{r['p95']:>9.1f}"
            f"{r['p99']:>9.1f}{r['errors']:>8}{r['p50'] / floor['p50']:>12.1f}x"
        )
    total_errors = sum(r["errors"] for r in rows)
    print(f"\nerrors: {total_errors} ({'OK' if total_errors == 0 else 'FAIL: must be 0'})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--pg",
        default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()
    stack = Stack(args.pg)
    try:
        stack.start()
        clients = make_clients(stack, args.clients)
        rows = [
            run_phase(clients, phase, args.seconds)
            for phase in ("healthz", "dashboard", "credits", "generations")
        ]
    finally:
        stack.stop()
    report(rows, args.clients, args.seconds)
    return 0 if all(r["errors"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
