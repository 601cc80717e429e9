"""Faults: Redis stopped and restarted around generations, a worker SIGKILLed mid-job,
SQLite busy under parallel writes. Afterwards every hold is resolved and the ledger
balances. Redis here is a dedicated server started by the test, never the shared one."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta

import psutil
import pytest
import redis

from fluxnote.extensions import db
from fluxnote.sqltypes import utcnow
from fluxnote.tasks import run_worker
from tests.conftest import auth, build_app, make_token, make_user
from tests.hardening.ledger import assert_ledger_balances

IMAGE = {"kind": "image", "model": "offline-image", "prompt": "a lighthouse in a storm"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A throw-away redis-server without persistence: stopping it loses every job."""

    def __init__(self):
        self.port, self.proc = _free_port(), None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                if redis.Redis.from_url(self.url).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def own_redis():
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is needed for the fault tests")
    server = RedisServer()
    server.start()
    yield server
    if server.proc.poll() is None:
        server.stop()


@pytest.fixture
def fault_app(tmp_path, own_redis):
    app = build_app(tmp_path, own_redis.url)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _statuses(client, headers, ids) -> list[str]:
    statuses = [client.get(f"/api/v1/generations/{i}", headers=headers).json["status"] for i in ids]
    db.session.rollback()  # SQLite: the test's session must not hold the write lock
    return statuses


def _sweep(after: timedelta):
    from fluxnote.generation.sweeper import sweep

    return sweep(now=utcnow() + after)


def test_redis_stopped_and_restarted_loses_no_generation(fault_app, own_redis):
    client, user = fault_app.test_client(), make_user(plan="pro")
    headers = auth(make_token(user))
    before = [client.post("/api/v1/generations", json=IMAGE, headers=headers) for _ in range(2)]
    own_redis.stop()  # the queued jobs die with it
    assert client.get("/healthz").status_code == 503
    during = [client.post("/api/v1/generations", json=IMAGE, headers=headers) for _ in range(2)]
    assert [r.status_code for r in before + during] == [202] * 4
    ids = [r.json["id"] for r in before + during]
    own_redis.start()
    assert client.get("/healthz").status_code == 200
    assert _sweep(timedelta(minutes=1))["requeued"] == 4
    db.session.rollback()
    run_worker(fault_app, ["priority", "default"], burst=True)
    assert _statuses(client, headers, ids) == ["succeeded"] * 4
    assert client.get("/api/v1/credits", headers=headers).json["image"]["used"] == 4
    assert_ledger_balances(user.current_workspace_id)


def _kill_tree(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and its work horse: RQ runs each job in a process group of its
    own, so killing the worker's group alone would leave the job running."""
    for proc in [*psutil.Process(worker.pid).children(recursive=True), psutil.Process(worker.pid)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()


def _worker_process(app, tmp_path, queues: str = "priority,default") -> subprocess.Popen:
    env = dict(
        os.environ,
        REDIS_URL=app.config["REDIS_URL"],
        FLUXNOTE_DATA_DIR=str(tmp_path),
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY="test",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "fluxnote.cli", "worker", "--queues", queues],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_worker_sigkilled_mid_generation_is_rerun_and_settled(fault_app, tmp_path):
    client, user = fault_app.test_client(), make_user(plan="pro")
    headers = auth(make_token(user))
    body = {"kind": "video", "model": "offline-video", "prompt": "waves at night", "duration_s": 3}
    gen_id = client.post("/api/v1/generations", json=body, headers=headers).json["id"]
    db.session.rollback()
    worker = _worker_process(fault_app, tmp_path)
    try:
        _wait_for(lambda: _statuses(client, headers, [gen_id]) != ["queued"])
    finally:
        _kill_tree(worker)
        worker.wait()
    assert _statuses(client, headers, [gen_id]) == ["running"], "the job finished before the kill"
    assert client.get("/api/v1/credits", headers=headers).json["video"]["reserved"] == 1
    swept = _sweep(timedelta(minutes=11))
    assert swept["rerun"] == 1
    db.session.rollback()
    run_worker(fault_app, ["priority", "default"], burst=True)
    assert _statuses(client, headers, [gen_id]) in (["succeeded"], ["failed"])
    assert_ledger_balances(user.current_workspace_id)


def test_parallel_writes_on_sqlite_never_oversell_or_error(fault_app):
    user = make_user(plan="free")  # 100 images, 1 video
    token = make_token(user)
    codes, lock = [], threading.Lock()

    def submit(body, n):
        client = fault_app.test_client()
        for _ in range(n):
            code = client.post("/api/v1/generations", json=body, headers=auth(token)).status_code
            with lock:
                codes.append(code)

    threads = [threading.Thread(target=submit, args=(IMAGE, 15)) for _ in range(6)]
    threads += [
        threading.Thread(
            target=submit, args=({**IMAGE, "kind": "video", "model": "offline-video"}, 1)
        )
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(codes)) == [202, 402]
    assert codes.count(202) == 90 + 1 and codes.count(402) == 7
    credits = fault_app.test_client().get("/api/v1/credits", headers=auth(token)).json
    assert credits["image"]["remaining"] == 10 and credits["video"]["remaining"] == 0
    assert_ledger_balances(user.current_workspace_id, settled=False)


def test_worker_sigkilled_mid_render_leaves_no_render_running(fault_app, tmp_path):
    from fluxnote.renders.sweeper import STALE_AFTER, sweep

    client, user = fault_app.test_client(), make_user(plan="pro")
    headers = auth(make_token(user))
    template = client.get("/api/v1/templates", headers=headers).json[0]["id"]
    project = client.post(
        "/api/v1/projects",
        headers=headers,
        json={"source_text": "Cats purr when they are calm.", "template": template},
    ).json
    db.session.rollback()
    run_worker(fault_app, ["priority", "default"], burst=True)  # the studio makes scene visuals
    render_id = client.post(f"/api/v1/projects/{project['id']}/renders", headers=headers).json["id"]
    status = lambda: client.get(f"/api/v1/renders/{render_id}", headers=headers).json["status"]  # noqa: E731
    db.session.rollback()
    worker = _worker_process(fault_app, tmp_path, "render")
    try:
        _wait_for(lambda: (status(), db.session.rollback())[0] != "queued", timeout=60)
    finally:
        _kill_tree(worker)
        worker.wait()
    detail = client.get(f"/api/v1/renders/{render_id}", headers=headers).json
    assert detail["status"] == "running", f"the render ended before the kill: {detail}"
    db.session.rollback()
    counts = sweep(now=utcnow() + STALE_AFTER + timedelta(seconds=1))
    # Where the kill landed decides the repair, exactly one of: killed while planning, the
    # render goes back to the queue; while encoding a segment, that piece does; between
    # the plan's commit and its pieces' enqueue, the pieces whose jobs never reached Redis
    # are sent again. In the last two the render stays running until it is joined.
    repairs = [counts["dead"], counts["dead_pieces"], counts["lost_pieces"]]
    assert sum(1 for n in repairs if n) == 1 and counts["dead"] + counts["dead_pieces"] <= 1, counts
    assert status() == ("queued" if counts["dead"] else "running")
    db.session.rollback()
    run_worker(fault_app, ["render"], burst=True)
    assert status() in ("succeeded", "failed")


class BadProvider:
    """Answers by the prompt: 500s, a crash, garbage bytes, or a status nobody knows."""

    id, name, env_key = "offline", "Bad", None

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path

    def submit(self, request):
        from fluxnote.providers.base import ProviderError, ProviderResult

        behaviour = request.prompt.split()[0]
        if behaviour == "error500":
            raise ProviderError("HTTP 500 from the provider", retryable=True)
        if behaviour == "crash":
            raise ValueError("unexpected payload")
        if behaviour == "garbage":
            path = self.tmp_path / "garbage.png"
            path.write_bytes(b"\x00not an image at all" * 50)
            return ProviderResult(status="succeeded", output_path=path)
        return ProviderResult(status="banana")

    def __getattr__(self, name):
        raise AttributeError(name)


def test_provider_errors_crashes_and_garbage_release_every_credit(
    app, client, tmp_path, monkeypatch
):
    from fluxnote.generation import settle

    monkeypatch.setattr(settle, "provider_for", lambda _id: BadProvider(tmp_path))
    user = make_user(plan="pro")
    headers = auth(make_token(user))
    ids = [
        client.post(
            "/api/v1/generations", headers=headers, json={**IMAGE, "prompt": f"{b} please"}
        ).json["id"]
        for b in ("error500", "crash", "garbage", "banana")
    ]
    db.session.rollback()
    run_worker(app, ["priority", "default"], burst=True)
    gens = [client.get(f"/api/v1/generations/{i}", headers=headers).json for i in ids]
    for gen in gens:
        assert (gen["status"], gen["credit"]) == ("failed", "released"), gen
        assert gen["error"], gen
    assert client.get("/api/v1/credits", headers=headers).json["image"]["used"] == 0
    assert_ledger_balances(user.current_workspace_id)


def test_redis_stopped_while_a_worker_runs_a_generation(fault_app, own_redis, tmp_path):
    client, user = fault_app.test_client(), make_user(plan="pro")
    headers = auth(make_token(user))
    body = {
        "kind": "video",
        "model": "offline-video",
        "prompt": "rain on a window",
        "duration_s": 3,
    }
    gen_id = client.post("/api/v1/generations", json=body, headers=headers).json["id"]
    db.session.rollback()
    worker = _worker_process(fault_app, tmp_path)
    try:
        _wait_for(lambda: _statuses(client, headers, [gen_id]) != ["queued"])
        own_redis.stop()
        _wait_for(
            lambda: worker.poll() is not None or _statuses(client, headers, [gen_id]) != ["running"]
        )
    finally:
        _kill_tree(worker)
        worker.wait()
    own_redis.start()
    _sweep(timedelta(minutes=11))
    db.session.rollback()
    run_worker(fault_app, ["priority", "default"], burst=True)
    assert _statuses(client, headers, [gen_id]) in (["succeeded"], ["failed"])
    assert_ledger_balances(user.current_workspace_id)


def test_rate_limited_routes_keep_working_and_limiting_while_redis_is_down(tmp_path, own_redis):
    from fluxnote.extensions import limiter_storage

    app = build_app(
        tmp_path,
        own_redis.url,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=limiter_storage(own_redis.url),
    )
    with app.app_context():
        user = make_user()
        client = app.test_client()
        own_redis.stop()
        response = client.post("/login", data={"email": user.email, "password": "password123"})
        assert response.status_code == 302
        r = client.post("/api/v1/generations", json=IMAGE, headers=auth(make_token(user)))
        assert r.status_code == 202
        codes = [
            client.post(
                "/login", data={"email": user.email, "password": "wrong-password"}
            ).status_code
            for _ in range(25)
        ]
        assert 429 in codes and 500 not in codes  # still limited, in process memory
        db.session.remove()
        db.engine.dispose()


def test_ops_page_reports_redis_down_instead_of_failing(fault_app, own_redis):
    from tests.conftest import login

    client = fault_app.test_client()
    login(client, make_user(admin=True))
    own_redis.stop()
    for url in ("/ops/", "/ops/live"):
        response = client.get(url)
        assert response.status_code == 200 and "Redis is unreachable" in response.get_data(
            as_text=True
        )


def test_every_page_survives_a_redis_outage(fault_app, own_redis):
    """GET pages and API reads while Redis is down: degraded, never a 500."""
    from tests.conftest import login
    from tests.hardening.factory import build_owned, url_values

    client = fault_app.test_client()
    owned = build_owned(fault_app, client)
    owned.user.is_admin = True  # the ops pages read RQ: they must degrade too
    db.session.commit()
    login(client, owned.user)
    own_redis.stop()
    errors = []
    for rule in fault_app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        path = rule.build(url_values(rule, owned), append_unknown=False)[1]
        response = client.get(path, headers=auth(owned.token))
        db.session.rollback()
        if response.status_code >= 500 and rule.endpoint != "public_api.healthz":
            errors.append(f"{path}: {response.status_code}")
    assert not errors, "\n".join(errors)
