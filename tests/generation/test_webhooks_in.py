"""POST /webhooks/<provider>: verify on the raw body, dedupe, forward only, answer fast."""
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
    headers = {"X-Fake-Signature": signature or sign(body), "Content-Type": "application/json",
               "X-Fake-Verified": "1" if verified else "0"}
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
    assert credits(client, token)["image"] == {"allowance": 100, "used": 1, "reserved": 0, "remaining": 99}


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
    assert fakes["fal"].polled == [job]           # asked the provider instead of believing it
    assert _status(client, token, gen_id)["status"] == "running"
    fakes["fal"].poll_answer = ProviderResult("succeeded", provider_job_id=job,
                                              output_url="http://fake/out.png")
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
