"""Offline generations: throughput with 1 and 2 workers, and pickup latency against RQ.

Everything runs through the real path: `services.submit` (validate, reserve, insert,
enqueue after commit) and `fluxnote worker` processes (RQ, a forked work horse per
job) on the offline engine. Measured in one run:

- engine:     the offline engine drawing one 1080x1920 image (median, p95), in-process;
- throughput: images per minute with 1 and 2 worker processes (first submit -> last done);
- pickup:     submit -> the job starting (`started_at` set by the job's conditional
              queued->running update), median and p95, against the floor: a bare RQ
              no-op job (enqueue -> the no-op running), interleaved in the same run.

    .venv/bin/python bench/generations.py [--images 40] [--samples 20]

Uses DATABASE_URL (default: a temp SQLite file, the embedded default) and TEST_REDIS_URL
(default redis://127.0.0.1:6379/15; that Redis DB is flushed).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from redis import Redis
from rq import Worker
from sqlalchemy import func, select

from fluxnote import create_app
from fluxnote.accounts.services import create_user
from fluxnote.extensions import db
from fluxnote.generation import services
from fluxnote.generation.models import Generation
from fluxnote.providers.base import GenerationRequest
from fluxnote.providers.offline import OfflineProvider
from fluxnote.tasks import get_queue

ROOT = Path(__file__).resolve().parent.parent


def noop(key: str) -> None:
    """The floor job: note when it started, nothing else."""
    from fluxnote.extensions import redis_store

    redis_store.conn.set(key, repr(time.time()))


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def engine_times(n: int, work_dir: Path) -> list[float]:
    engine, times = OfflineProvider(work_dir), []
    for i in range(n):
        start = time.perf_counter()
        result = engine.submit(
            GenerationRequest("image", "offline-image", f"benchmark topic {i}", "9:16", seed=i)
        )
        times.append(time.perf_counter() - start)
        result.output_path.unlink()
    return times


class Bench:
    def __init__(self, data_dir: str, db_url: str, redis_url: str):
        self.env = dict(
            os.environ,
            DATABASE_URL=db_url,
            REDIS_URL=redis_url,
            FLUXNOTE_DATA_DIR=data_dir,
            SECRET_KEY="bench",
            PYTHONPATH=str(ROOT),
        )
        self.app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": db_url.replace(
                    "postgresql://", "postgresql+psycopg://", 1
                ),
                "REDIS_URL": redis_url,
                "DATA_DIR": data_dir,
                "MEDIA_DIR": f"{data_dir}/media",
                "SECRET_KEY": "bench",
                "RATELIMIT_STORAGE_URI": "memory://",
            }
        )
        self.redis = Redis.from_url(redis_url)
        self.workers: list[subprocess.Popen] = []

    def setup(self) -> None:
        with self.app.app_context():
            db.drop_all()
            db.create_all()
            user = create_user(f"bench-{uuid.uuid4().hex[:8]}@example.com", "password123", "max")
            self.user_id, self.workspace_id = user.id, user.current_workspace_id
        self.redis.flushdb()

    def start_workers(self, n: int) -> None:
        for _ in range(n):
            self.workers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "fluxnote.cli",
                        "worker",
                        "--queues",
                        "priority,default",
                    ],
                    env=self.env,
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        while len(Worker.all(connection=self.redis)) < n:
            time.sleep(0.1)
        time.sleep(0.5)

    def stop_workers(self) -> None:
        for proc in self.workers:
            proc.terminate()
        for proc in self.workers:
            proc.wait(timeout=30)
        self.workers.clear()
        self.redis.flushdb()

    def submit(self, prompt: str) -> int:
        from fluxnote.accounts.models import Workspace

        workspace = db.session.get(Workspace, self.workspace_id)
        gen = services.submit(
            workspace,
            self.user_id,
            {"kind": "image", "model": "offline-image", "prompt": prompt, "aspect": "9:16"},
        )[0]
        db.session.commit()  # the request's commit: the job is sent now
        return gen.id

    def wait_done(self, ids: list[int], timeout: float = 600) -> None:
        end = time.monotonic() + timeout
        while True:
            left = db.session.scalar(
                select(func.count()).where(
                    Generation.id.in_(ids), Generation.status.in_(("queued", "running"))
                )
            )
            db.session.rollback()
            if not left:
                return
            if time.monotonic() > end:
                raise TimeoutError(f"{left} generations still in flight")
            time.sleep(0.05)

    def throughput(self, workers: int, images: int) -> float:
        self.start_workers(workers)
        with self.app.app_context():
            start = time.monotonic()
            ids = [self.submit(f"throughput {workers} {i}") for i in range(images)]
            self.wait_done(ids)
            elapsed = time.monotonic() - start
            rows = db.session.execute(
                select(Generation.status, Generation.started_at, Generation.finished_at).where(
                    Generation.id.in_(ids)
                )
            ).all()
        self.stop_workers()
        assert all(r.status == "succeeded" for r in rows), "some generations did not succeed"
        self.in_job = statistics.median(
            (r.finished_at - r.started_at).total_seconds() for r in rows
        )
        return images / elapsed * 60

    def pickup(self, samples: int) -> tuple[list[float], list[float]]:
        self.start_workers(1)
        gen, floor = [], []
        with self.app.app_context():
            for i in range(samples):
                t0 = time.time()
                gen_id = self.submit(f"pickup {i}")
                self.wait_done([gen_id])
                gen.append(db.session.get(Generation, gen_id).started_at.timestamp() - t0)
                db.session.rollback()
                key = f"bench:noop:{i}"
                t0 = time.time()
                get_queue("default").enqueue(
                    "bench.generations.noop", key, job_id=f"bench-noop-{i}"
                )
                while not self.redis.exists(key):
                    time.sleep(0.002)
                floor.append(float(self.redis.get(key)) - t0)
                time.sleep(0.05)
        self.stop_workers()
        return gen, floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=40)
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="fluxnote-bench-")
    db_url = os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir}/bench.db"
    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    print(
        f"database {db_url.split('@')[-1]}, redis {redis_url}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}"
    )

    times = engine_times(10, Path(data_dir) / "engine")
    print(
        f"offline 1080x1920 image (engine only): median {statistics.median(times):.3f} s, "
        f"p95 {pct(times, 95):.3f} s  (target median < 0.5 s)"
    )
    bench = Bench(data_dir, db_url, redis_url)
    try:
        rates = {}
        for workers in (1, 2):
            bench.setup()
            rates[workers] = bench.throughput(workers, args.images)
            print(
                f"throughput, {workers} worker{'s' if workers > 1 else ''}: {rates[workers]:.0f} images/min "
                f"({args.images} generations, submit -> all succeeded; median job "
                f"start -> succeeded {bench.in_job:.3f} s)"
            )
        print(f"scaling 2 workers / 1 worker: {rates[2] / rates[1]:.2f}x")
        bench.setup()
        gen, floor = bench.pickup(args.samples)
    finally:
        bench.stop_workers()
    g50, g95, f50, f95 = (
        statistics.median(gen),
        pct(gen, 95),
        statistics.median(floor),
        pct(floor, 95),
    )
    print(
        f"pickup (submit -> job start), {args.samples} samples: median {g50 * 1000:.0f} ms, p95 {g95 * 1000:.0f} ms"
    )
    print(
        f"floor  (bare RQ no-op job):           median {f50 * 1000:.0f} ms, p95 {f95 * 1000:.0f} ms"
    )
    print(f"pickup p95 / floor p95: {g95 / f95:.2f}x  (target < 2x)")


if __name__ == "__main__":
    main()
