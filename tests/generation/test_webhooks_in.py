"""POST /webhooks/<provider>: verify on the raw body, dedupe, forward only, answer fast."""

import io
import json

from fluxnote.extensions import db
from fluxnote.generation.models import ProviderEvent
from tests.generation.conftest import credits, sign, submit, work


def _remote(client, token, fakes):
    fakes["fal"].mode = "remote"
    gen = submit(client, token, model="flux-2-pro")
    work()
    return gen["id"], f"job-{gen['id']}"


def _post(client, event_id, job, status="succeeded", verified=True, signature=None, **extra):
    body = json.dumps({"id": event_id, "job": job, "status": status, **extra}).encode()
    headers = {
        "X-Fake-Signature": signature or sign(body),
        "Content-Type": "application/json",
        "X-Fake-Verified": "1" if verified else "0",
    }
    return client.post("/webhooks/fal", data=body, headers=headers)


def _status(client, token, gen_id):
    from tests.conftest import auth

    return client.get(f"/api/v1/generations/{gen_id}", headers=auth(token)).get_json()


def test_verified_success_then_duplicates_and_late_failure_capture_once(client, free, fakes):
    _, token = free
    gen_id, job = _remote(client, token, fakes)
    resp = _post(client, "evt-1", job)
    assert resp.status_code == 200 and resp.get_json() == {"status": "accepted"}
    assert _post(client, "evt-1", job).get_json() == {"status": "duplicate"}
    work()
    assert _post(client, "evt-1", job).status_code == 200
    assert _post(client, "evt-2", job, status="failed", error="late").status_code == 200
    work()
    done = _status(client, token, gen_id)
    assert done["status"] == "succeeded" and done["credit"] == "captured"
    assert credits(client, token)["image"] == {
        "allowance": 100,
        "used": 1,
        "reserved": 0,
        "remaining": 99,
    }


def test_verified_failure_releases_at_once(client, free, fakes):
    _, token = free
    gen_id, job = _remote(client, token, fakes)
    assert _post(client, "evt-f", job, status="failed", error="bad gateway").status_code == 200
    done = _status(client, token, gen_id)
    assert done["status"] == "failed" and done["credit"] == "released"


def test_bad_signatures_are_401_and_change_nothing(client, free, fakes):
    _, token = free
    gen_id, job = _remote(client, token, fakes)
    body = json.dumps({"id": "evt-x", "job": job, "status": "succeeded"}).encode()
    tampered = body.replace(b"succeeded", b"failed\x20\x20\x20")
    for data, signature in ((body, "0" * 64), (tampered, sign(body)), (body, "")):
        resp = client.post("/webhooks/fal", data=data, headers={"X-Fake-Signature": signature})
        assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "unauthorized"
    work()
    assert _status(client, token, gen_id)["status"] == "running"
    assert db.session.query(ProviderEvent).count() == 0


def test_unknown_provider_is_404(client, fakes):
    assert client.post("/webhooks/nope", data=b"{}").status_code == 404
    assert client.post("/webhooks/offline", data=b"{}").status_code == 404


def test_unverified_callback_is_only_a_hint(client, free, fakes):
    from fluxnote.providers.base import ProviderResult

    _, token = free
    gen_id, job = _remote(client, token, fakes)
    assert _post(client, "hint-1", job, verified=False).status_code == 200
    work()
    assert fakes["fal"].polled == [job]  # asked the provider instead of believing it
    assert _status(client, token, gen_id)["status"] == "running"
    fakes["fal"].poll_answer = ProviderResult(
        "succeeded", provider_job_id=job, output_url="http://fake/out.png"
    )
    assert _post(client, "hint-2", job, status="failed", verified=False).status_code == 200
    work()
    done = _status(client, token, gen_id)
    assert done["status"] == "succeeded" and done["credit"] == "captured"


def test_event_for_an_unknown_job_is_acknowledged(client, fakes):
    resp = _post(client, "evt-u", "job-nobody")
    assert resp.status_code == 200 and resp.get_json() == {"status": "unmatched"}


def test_callback_before_the_job_id_is_recorded_still_settles(client, free, fakes):
    _, token = free
    fakes["fal"].mode = "remote"
    gen = submit(client, token, model="flux-2-pro")
    assert _post(client, "early", f"job-{gen['id']}").get_json() == {"status": "unmatched"}
    work()  # runs the generation, records job-<id>, then settles the early event
    done = _status(client, token, gen["id"])
    assert done["status"] == "succeeded" and done["credit"] == "captured"


def test_providers_without_webhooks_answer_404_and_store_nothing(app, client):
    # the real registry: Runway, OpenAI and the offline engine never call back
    junk = json.dumps({"id": "x" * 500_000, "status": "SUCCEEDED"})
    for provider in ("runway", "openai", "offline"):
        for _ in range(20):
            resp = client.post(f"/webhooks/{provider}", data=junk)
            assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    assert db.session.query(ProviderEvent).count() == 0


class CountingStream(io.BytesIO):
    """A request body that records how much of it the server read."""

    def read(self, *args):
        data = super().read(*args)
        self.read_bytes = getattr(self, "read_bytes", 0) + len(data)
        return data


def test_callback_bodies_over_1_mib_are_413_before_they_are_read(client, fakes):
    stream = CountingStream(b"x" * 4096)
    resp = client.post(
        "/webhooks/fal",
        input_stream=stream,
        content_type="application/json",
        environ_overrides={"CONTENT_LENGTH": str(5 * 1024 * 1024)},
    )
    assert resp.status_code == 413 and resp.get_json()["error"]["code"] == "too_large"
    assert getattr(stream, "read_bytes", 0) == 0
    big = b'{"id": "e", "job": "j", "status": "running", "pad": "' + b"x" * (1 << 20) + b'"}'
    resp = client.post("/webhooks/fal", data=big, headers={"X-Fake-Signature": sign(big)})
    assert resp.status_code == 413 and db.session.query(ProviderEvent).count() == 0


def test_rejected_callbacks_are_logged_at_a_bounded_rate(client):
    from fluxnote.ops.inbound_log import REJECTED_PER_MINUTE, InboundCallback

    for n in range(REJECTED_PER_MINUTE + 20):
        client.post(f"/webhooks/{'z' * 300}{n}", data=b"{}")
    rows = db.session.query(InboundCallback).all()
    assert len(rows) == REJECTED_PER_MINUTE
    assert all(len(row.provider) <= 40 for row in rows)
