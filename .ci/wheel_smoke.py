"""CI: FluxNote installed from its wheel runs with no checkout in sight.

    python .ci/wheel_smoke.py dist/fluxnote-*.whl

Installs the wheel into a fresh venv, starts `fluxnote serve` from an empty temporary
directory (SQLite and the embedded Redis in ./instance there), then checks /healthz, the
login page, a stylesheet, a quick create that builds, and a render that finishes. Exits
non-zero, with the server's log, when any step fails.
"""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

TIMEOUT_S = 150


def main(wheel: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        venv = home / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, str(Path(wheel).resolve())], check=True)
        run = home / "run"
        run.mkdir()
        cli = str(venv / "bin" / "fluxnote")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FLUXNOTE_", "PYTHON"))}
        env.pop("REDIS_URL", None)
        env.pop("DATABASE_URL", None)
        port = _free_port()
        log = (home / "serve.log").open("w")
        server = subprocess.Popen(
            [cli, "serve", "--port", str(port), "--workers", "1"],
            cwd=run,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_healthy(base, server)
            token = _token(cli, run, env)
            check(base, token)
        except Exception:
            log.flush()
            print((home / "serve.log").read_text()[-6000:], file=sys.stderr)
            raise
        finally:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
        print("wheel smoke test passed")


def check(base: str, token: str) -> None:
    assert b'name="password"' in _get(base + "/login"), "login page has no password field"
    assert b"{" in _get(base + "/static/app.css"), "stylesheet is empty"
    project = _api(
        base,
        token,
        "/api/v1/projects",
        {"source_text": "Wheels carry everything. The app needs no checkout.", "template": "quote"},
    )
    project = _until(base, token, f"/api/v1/projects/{project['id']}", ("ready", "failed"))
    assert project["status"] == "ready", project
    render = _api(base, token, f"/api/v1/projects/{project['id']}/renders", {})
    render = _until(base, token, f"/api/v1/renders/{render['id']}", ("succeeded", "failed"))
    assert render["status"] == "succeeded", render
    video = _get(base + f"/api/v1/renders/{render['id']}/file", token)
    assert video[4:8] == b"ftyp", "the render is not an MP4"
    print(f"project {project['id']} ready, render {render['id']}: {len(video)} bytes")


def _token(cli: str, run: Path, env: dict) -> str:
    def fluxnote(*args: str) -> str:
        return subprocess.run(
            [cli, *args], cwd=run, env=env, check=True, capture_output=True, text=True
        ).stdout

    fluxnote("users", "create", "smoke@example.com", "--password", "smoke-password-1")
    return fluxnote("tokens", "create", "smoke@example.com").strip().splitlines()[-1]


def _wait_healthy(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"fluxnote serve exited with {server.returncode}")
        try:
            if json.loads(_get(base + "/healthz"))["status"] == "ok":
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.5)
    raise RuntimeError("/healthz never answered ok")


def _until(base: str, token: str, path: str, final: tuple[str, ...]) -> dict:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        body = json.loads(_get(base + path, token))
        if body["status"] in final:
            return body
        time.sleep(1)
    raise RuntimeError(f"{path} still {body['status']} after {TIMEOUT_S} s")


def _get(url: str, token: str | None = None) -> bytes:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
        return r.read()


def _api(base: str, token: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return json.loads(r.read())
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"POST {path}: {exc.code} {exc.read()[:500]!r}") from exc


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    main(sys.argv[1])
