"""Generation test helpers: a scriptable fake provider behind the provider registry,
API submit shortcuts and an in-process burst worker on the real Redis. Tests without
the `fakes` fixture run the real registry (the offline engine; no third-party keys)."""

import hashlib
import hmac
import json
import os
import tempfile
import time
from pathlib import Path

import pytest
from PIL import Image
from rq import SimpleWorker

from fluxnote.extensions import redis_store
from fluxnote.providers import registry
from fluxnote.providers.base import InvalidSignature, ProviderError, ProviderResult, WebhookEvent
from tests.conftest import auth, make_token, make_user

SECRET = b"fake-webhook-secret"


def png_file(color=(200, 40, 90), size=(108, 192)) -> Path:
    handle, name = tempfile.mkstemp(suffix=".png")
    with open(handle, "wb") as out:
        Image.new("RGB", size, color).save(out, "PNG")
    return Path(name)


class FakeProvider:
    """A provider whose answer each test scripts with `mode`.

    succeed: a PNG at once · fail / moderate: a failed result · crash: an exception ·
    retryable: a retryable ProviderError once, then success · remote: a provider job id
    (the result comes by webhook or poll) · sleep: blocks (to be killed).
    `cancel` records the job ids it was asked to stop in `canceled`.
    Webhooks: JSON {"id", "job", "status"}; `x-fake-signature` = HMAC-SHA256(body), and
    `x-fake-verified: 0` marks the event unverified (a hint).
    """

    env_key = "FAKE_KEY"

    def __init__(self, provider_id: str, mode: str = "succeed", pid_file: str | None = None):
        self.id, self.name, self.mode, self.pid_file = (
            provider_id,
            f"Fake {provider_id}",
            mode,
            pid_file,
        )
        self.submitted, self.polled, self.canceled, self.calls = [], [], [], 0
        self.poll_answer: ProviderResult | None = None

    def submit(self, request):
        self.submitted.append(request)
        self.calls += 1
        if self.mode == "sleep":
            Path(self.pid_file).write_text(str(os.getpid()))
            time.sleep(60)
        if self.mode == "crash":
            raise RuntimeError("engine bug")
        if self.mode == "retryable" and self.calls == 1:
            raise ProviderError("busy", retryable=True)
        if self.mode == "fail":
            return ProviderResult("failed", error="GPU on fire")
        if self.mode == "moderate":
            return ProviderResult("failed", error="nsfw", moderated=True)
        if self.mode == "remote":
            return ProviderResult("queued", provider_job_id=f"job-{request.seed}")
        return ProviderResult(
            "succeeded", output_path=png_file(), meta={"width": 108, "height": 192}
        )

    def poll(self, provider_job_id, model=None):
        self.polled.append(provider_job_id)
        return self.poll_answer or ProviderResult("running", provider_job_id=provider_job_id)

    def cancel(self, provider_job_id, model=None):
        self.canceled.append(provider_job_id)

    def parse_webhook(self, headers, body):
        expected = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get("x-fake-signature", ""), expected):
            raise InvalidSignature("bad signature")
        data = json.loads(body)
        result = ProviderResult(
            data["status"],
            provider_job_id=data["job"],
            output_url="http://fake/out.png",
            error=data.get("error"),
        )
        return WebhookEvent(
            data["id"], data["job"], result, verified=headers.get("x-fake-verified", "1") == "1"
        )

    def fetch_result(self, result, dest_dir):
        path = Path(dest_dir) / "out.png"
        Image.new("RGB", (64, 64), (10, 200, 10)).save(path, "PNG")
        return path


def sign(body: bytes) -> str:
    return hmac.new(SECRET, body, hashlib.sha256).hexdigest()


@pytest.fixture
def fakes(monkeypatch):
    """Fake providers for every provider id, every one configured, behind the registry."""
    providers = {pid: FakeProvider(pid) for pid in registry.PROVIDER_IDS}
    monkeypatch.setattr(registry, "get_provider", providers.__getitem__)
    monkeypatch.setattr(registry, "missing_key", lambda pid: None)
    return providers


def work(queues=("priority", "default")) -> None:
    """Run every queued job in this process (a burst SimpleWorker on the real Redis)."""
    from fluxnote.tasks import get_queue

    SimpleWorker([get_queue(q) for q in queues], connection=redis_store.conn).work(
        burst=True, with_scheduler=False, logging_level="WARNING"
    )


def submit(client, token, expect=202, key=None, **body):
    """POST /api/v1/generations with `body` (defaults: an offline image)."""
    body = {"kind": "image", "model": "offline-image", "prompt": "a red fox", **body}
    headers = auth(token) | ({"Idempotency-Key": key} if key else {})
    resp = client.post("/api/v1/generations", json=body, headers=headers)
    assert resp.status_code == expect, resp.get_json()
    return resp.get_json()


def credits(client, token) -> dict:
    return client.get("/api/v1/credits", headers=auth(token)).get_json()


@pytest.fixture
def free(app):
    """A Free-plan user and their API token."""
    user = make_user()
    return user, make_token(user)
