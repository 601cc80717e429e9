"""Hosts that share nothing but the services: a web server (`fluxnote serve --workers 0`)
and two `fluxnote worker` processes, each with its own empty data dir and working
directory, sharing only PostgreSQL, Redis and the bucket. Sign up, quick create,
generate, render and download through HTTP as a creator would."""

import contextlib
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import redis as redis_lib
from PIL import Image

from tests.storage.conftest import CREDENTIALS, objects

pytestmark = pytest.mark.topology
KEEP_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "TMPDIR")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(args: list[str], env: dict, home: Path) -> subprocess.Popen:
    """One host: its own data dir and working directory; output kept for a failure."""
    (home / "data").mkdir(parents=True)
    return subprocess.Popen(
        [sys.executable, "-m", "fluxnote.cli", *args],
        env={**env, "FLUXNOTE_DATA_DIR": str(home / "data")},
        cwd=home,
        start_new_session=True,
        stdout=(home / "log").open("wb"),
        stderr=subprocess.STDOUT,
    )


def stop(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(1.0)  # gently: the API rate limits apply
    raise AssertionError(f"timed out waiting for {what}")


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (360, 640), (20, 120, 220)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def hosts(tmp_path, empty_pg, redis_url, moto_url, bucket):
    """The three hosts on an empty database (`serve` migrates it from scratch)."""
    redis_lib.Redis.from_url(redis_url).flushdb()
    port = free_port()
    env = {k: os.environ[k] for k in KEEP_ENV if k in os.environ}
    env |= {
        **CREDENTIALS,
        "AWS_ENDPOINT_URL": moto_url,
        "FLUXNOTE_STORAGE_URL": f"s3://{bucket}/media",
        "DATABASE_URL": empty_pg.replace("postgresql+psycopg://", "postgresql://"),
        "REDIS_URL": redis_url,
        "SECRET_KEY": "topology-test",
        "FLUXNOTE_RENDER_PRESET": "ultrafast",
        "FLUXNOTE_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    homes = {name: tmp_path / name for name in ("web", "worker1", "worker2")}
    procs = [start(["serve", "--workers", "0", "--port", str(port)], env, homes["web"])]
    procs += [start(["worker"], env, homes[name]) for name in ("worker1", "worker2")]
    try:
        yield f"http://127.0.0.1:{port}", homes
    finally:
        for proc in procs:  # each host's whole process group (gunicorn, clock, work horses)
            stop(proc, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                stop(proc, signal.SIGKILL)
                proc.wait()


def test_web_and_two_workers_share_only_the_services(hosts, moto_url, bucket):
    base, homes = hosts
    web = httpx.Client(base_url=base, timeout=30)

    def up():
        try:
            return web.get("/healthz").status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(up, 150, "the web server")
        # sign up and take an API token, in the browser's forms
        page = web.get("/signup").text
        signed = web.post(
            "/signup",
            data={"email": "crew@example.com", "password": "password123", "csrf_token": csrf(page)},
        )
        assert signed.status_code == 303, signed.text[:500]  # then log in
        page = web.get("/login").text
        logged = web.post(
            "/login",
            data={"email": "crew@example.com", "password": "password123", "csrf_token": csrf(page)},
        )
        assert logged.status_code in (302, 303), logged.text[:500]
        page = web.get("/settings").text
        made = web.post("/settings/tokens", data={"name": "topology", "csrf_token": csrf(page)})
        assert made.status_code == 201, made.text[:500]
        token = re.search(r"data-new-token>([^<]+)<", made.text).group(1)
        api = httpx.Client(
            base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=30
        )

        def state(path: str) -> dict:
            """The resource, or {} while the API answers otherwise (a 429, a restart)."""
            answer = api.get(path)
            return answer.json() if answer.status_code == 200 else {}

        # quick create: a worker narrates and draws; the web host stores an upload
        project = api.post("/projects", json={"topic": "tide pools", "template": "quote"})
        assert project.status_code == 201, project.text
        pid = project.json()["id"]
        upload = api.post("/uploads", files={"file": ("photo.png", png(), "image/png")})
        assert upload.status_code == 201, upload.text
        # generate: a worker stores the result in the bucket
        gen = api.post(
            "/generations", json={"kind": "image", "model": "offline-image", "prompt": "a crab"}
        ).json()
        generated = wait_for(
            lambda: (
                (g := state(f"/generations/{gen['id']}")).get("status") == "succeeded"
                and g["asset_id"]
            ),
            150,
            "the generation",
        )
        ready = wait_for(
            lambda: (p := state(f"/projects/{pid}")).get("status") == "ready" and p,
            150,
            "the project",
        )
        scenes = [s["id"] for s in ready["scenes"]]
        patched = api.patch(
            f"/projects/{pid}",
            json={
                "scenes": [
                    {"id": scenes[0], "asset_id": upload.json()["id"]},
                    {"id": scenes[-1], "asset_id": generated},
                ]
            },
        )
        assert patched.status_code == 200, patched.text

        # render on whichever worker takes it, download through a presigned URL
        render = api.post(f"/projects/{pid}/renders")
        assert render.status_code == 202, render.text
        rid = render.json()["id"]
        done = wait_for(
            lambda: (r := state(f"/renders/{rid}")).get("status") in ("succeeded", "failed") and r,
            150,
            "the render",
        )
        assert done["status"] == "succeeded", done
        answer = api.get(f"/renders/{rid}/file")
        assert answer.status_code == 302
        video = httpx.get(answer.headers["location"])
        assert video.status_code == 200 and video.content[4:8] == b"ftyp"
        assert len(video.content) > 10_000
    except BaseException:
        for home in homes.values():
            print(f"==== {home.name}\n", (home / "log").read_text(errors="replace")[-4000:])
        raise

    # nothing any host needs lives on another host's disk: the web host stored no media
    assert not [p for p in (homes["web"] / "data" / "media").rglob("*") if p.is_file()]
    for name in ("worker1", "worker2"):
        assert not [p for p in (homes[name] / "data" / "media").rglob("*") if p.is_file()]
    assert len(objects(moto_url, bucket)) >= 5
