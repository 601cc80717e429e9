"""The sweeper and the queues: lost jobs, dead workers, overdue polls, priority."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from fluxnote.credits.services import ledger_sum
from fluxnote.extensions import db, redis_store
from fluxnote.generation.models import Generation
from fluxnote.generation.sweeper import sweep
from fluxnote.periodic import PERIODIC
from fluxnote.providers.base import ProviderResult
from fluxnote.sqltypes import utcnow
from fluxnote.tasks import run_worker
from tests.conftest import auth, make_token, make_user
from tests.generation.conftest import credits, submit, work


def _status(client, token, gen_id):
    return client.get(f"/api/v1/generations/{gen_id}", headers=auth(token)).get_json()


def test_sweeper_is_periodic(app):
    assert sweep in PERIODIC


def test_lost_job_is_re_enqueued(client, free, fakes):
    _, token = free
    gen = submit(client, token)
    redis_store.conn.flushdb()  # Redis lost the job
    assert sweep()["requeued"] == 0  # too young to call lost
    assert sweep(now=utcnow() + timedelta(minutes=1))["requeued"] == 1
    work()
    assert _status(client, token, gen["id"])["status"] == "succeeded"


def test_overdue_remote_job_is_polled(client, free, fakes):
    _, token = free
    fakes["fal"].mode = "remote"
    gen = submit(client, token, model="flux-2-pro")
    work()
    fakes["fal"].poll_answer = ProviderResult(
        "failed", provider_job_id=f"job-{gen['id']}", error="provider lost it"
    )
    assert sweep(now=utcnow() + timedelta(minutes=1))["polled"] == 1
    assert sweep(now=utcnow() + timedelta(minutes=1))["polled"] == 0  # one poll per interval
    work()
    done = _status(client, token, gen["id"])
    assert done["status"] == "failed" and done["credit"] == "released"


def _start_worker_process(app) -> subprocess.Popen:
    """A separate `python` worker process in its own process group."""
    config = app.config
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.generation.worker_main",
            config["SQLALCHEMY_DATABASE_URI"],
            config["REDIS_URL"],
            config["DATA_DIR"],
        ],
        cwd=Path(__file__).resolve().parents[2],
        start_new_session=True,
    )


def test_worker_killed_mid_job_is_rerun_and_the_ledger_balances(app, client, free, fakes):
    user, token = free
    gen = submit(client, token)
    db.session.rollback()  # the test shares the request's session: free SQLite's write lock
    child = _start_worker_process(app)
    deadline = time.monotonic() + 120  # a cold worker process imports every provider SDK
    while not (Path(app.config["DATA_DIR"]) / "horse.pid").exists():
        assert time.monotonic() < deadline, "the worker never took the job"
        time.sleep(0.1)
    horse = int((Path(app.config["DATA_DIR"]) / "horse.pid").read_text())
    assert _status(client, token, gen["id"])["status"] == "running"
    os.killpg(child.pid, signal.SIGKILL)
    os.kill(horse, signal.SIGKILL)
    assert child.wait() == -signal.SIGKILL
    assert _status(client, token, gen["id"])["credit"] == "reserved"
    assert sweep(now=utcnow() + timedelta(minutes=3))["rerun"] == 0  # may still be working
    assert sweep(now=utcnow() + timedelta(minutes=7))["rerun"] == 1
    work()
    done = _status(client, token, gen["id"])
    assert done["status"] == "succeeded" and done["credit"] == "captured"
    assert credits(client, token)["image"] == {
        "allowance": 100,
        "used": 1,
        "reserved": 0,
        "remaining": 99,
    }
    assert ledger_sum(user.current_workspace_id, "image") == 99


def test_dead_worker_out_of_attempts_releases(client, free, fakes):
    user, token = free
    gen = submit(client, token)
    db.session.query(Generation).filter_by(id=gen["id"]).update(
        {"status": "running", "attempts": 3, "started_at": utcnow() - timedelta(minutes=7)}
    )
    db.session.commit()
    assert sweep()["rerun"] == 1
    done = _status(client, token, gen["id"])
    assert done["status"] == "failed" and done["credit"] == "released"
    assert ledger_sum(user.current_workspace_id, "image") == 100


def test_max_workspace_runs_before_a_full_default_queue(pg_app, fakes):
    client = pg_app.test_client()
    free_token = make_token(make_user())
    max_token = make_token(make_user(plan="max"))
    waiting = [submit(client, free_token, prompt=f"free {i}")["id"] for i in range(10)]
    urgent = submit(client, max_token, prompt="max")["id"]
    run_worker(pg_app, ["priority", "default"], burst=True)
    started = {g.id: g.started_at for g in db.session.query(Generation)}
    assert all(started[urgent] < started[w] for w in waiting)
    assert db.session.get(Generation, urgent).queue == "priority"
