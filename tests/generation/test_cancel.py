"""Cancelling an in-flight generation stops it at the provider too: the real fal adapter
against a loopback server speaking its queue protocol, after the cancel's commit, with
the credit released once whatever the provider answers."""

import pytest
from rq.job import Job
from sqlalchemy import select

from fluxnote.credits.models import LedgerEntry
from fluxnote.extensions import db, redis_store
from fluxnote.generation import jobs, settle
from fluxnote.generation.models import Generation, ProviderEvent
from fluxnote.generation.services import CANCEL_RETRIES
from fluxnote.providers.base import ProviderResult
from tests.conftest import auth, build_app, make_token, make_user
from tests.generation.conftest import credits, submit, work
from tests.providers.conftest import FakeServer

CANCEL_PATH = "/fal-ai/flux-2-pro/requests/req-1/cancel"


@pytest.fixture
def fal_app(tmp_path, redis_url):
    server = FakeServer()
    server.start()
    server.on("POST", "/fal-ai/flux-2-pro", json_body={"request_id": "req-1"})
    keys = {
        "FAL_KEY": "k-test",
        "REPLICATE_API_TOKEN": "",
        "OPENAI_API_KEY": "",
        "RUNWAYML_API_SECRET": "",
        "ELEVENLABS_API_KEY": "",
    }
    app = build_app(
        tmp_path, redis_url, PROVIDER_KEYS=keys, PROVIDER_SETTINGS={"FAL_QUEUE_URL": server.url}
    )
    with app.app_context():
        yield app, server
        db.session.remove()
        db.engine.dispose()
    server.stop()


def _running(client, token) -> dict:
    gen = submit(client, token, model="flux-2-pro", prompt="a paper boat")
    work()
    status = client.get(f"/api/v1/generations/{gen['id']}", headers=auth(token)).get_json()
    assert status["status"] == "running"
    return gen


def _releases(gen_id: int) -> int:
    hold_id = db.session.get(Generation, gen_id).hold_id
    return len(
        db.session.scalars(
            select(LedgerEntry).where(
                LedgerEntry.hold_id == hold_id, LedgerEntry.entry_type == "release"
            )
        ).all()
    )


def _cancel_calls(server) -> list:
    return [s for s in server.seen if (s.method, s.path) == ("PUT", CANCEL_PATH)]


def test_cancel_reaches_fal_after_the_commit_and_releases_once(fal_app):
    app, server = fal_app
    client, token = app.test_client(), make_token(make_user())
    gen = _running(client, token)
    server.on("PUT", CANCEL_PATH, status=202, json_body={"status": "CANCELLATION_REQUESTED"})

    canceled = client.post(
        f"/api/v1/generations/{gen['id']}/cancel", headers=auth(token)
    ).get_json()
    assert canceled["status"] == "canceled" and canceled["credit"] == "released"
    assert _cancel_calls(server) == []  # the request did not wait on fal: a job will call it
    assert Job.fetch(f"cancel-{gen['id']}", connection=redis_store.conn).get_status() == "queued"

    work()
    assert len(_cancel_calls(server)) == 1
    assert _cancel_calls(server)[0].headers["authorization"] == "Key k-test"
    event = db.session.scalar(select(ProviderEvent).where(ProviderEvent.event_id == "cancel:req-1"))
    assert (event.generation_id, event.status, event.error) == (gen["id"], "canceled", None)
    assert _releases(gen["id"]) == 1
    assert credits(client, token)["image"] == {
        "allowance": 100,
        "used": 0,
        "reserved": 0,
        "remaining": 100,
    }


def test_a_failing_provider_is_retried_then_given_up_without_touching_credits(fal_app):
    app, server = fal_app
    client, token = app.test_client(), make_token(make_user())
    gen = _running(client, token)
    server.on("PUT", CANCEL_PATH, status=503, body=b"upstream down")

    client.post(f"/api/v1/generations/{gen['id']}/cancel", headers=auth(token))
    work()
    assert len(_cancel_calls(server)) == 1 + CANCEL_RETRIES
    event = db.session.scalar(select(ProviderEvent).where(ProviderEvent.event_id == "cancel:req-1"))
    assert event.status == "failed" and "HTTP 503" in event.error
    assert Job.fetch(f"cancel-{gen['id']}", connection=redis_store.conn).get_status() == "finished"
    assert _releases(gen["id"]) == 1
    assert credits(client, token)["image"]["remaining"] == 100


def test_a_finished_generation_sends_no_cancel(fal_app):
    app, server = fal_app
    client, token = app.test_client(), make_token(make_user())
    gen = _running(client, token)
    settle.fail(gen["id"], "GPU on fire")
    client.post(f"/api/v1/generations/{gen['id']}/cancel", headers=auth(token))
    work()
    assert _cancel_calls(server) == [] and _releases(gen["id"]) == 1


def test_a_job_id_arriving_after_the_cancel_is_canceled_too(client, free, fakes):
    _, token = free
    gen = submit(client, token, model="flux-2-pro")
    jobs._take(gen["id"])  # a worker took it and is still waiting on the provider's answer
    client.post(f"/api/v1/generations/{gen['id']}/cancel", headers=auth(token))
    assert fakes["fal"].canceled == []

    settle.apply_provider_result(gen["id"], ProviderResult("queued", provider_job_id="job-late"))
    work()
    assert fakes["fal"].canceled == ["job-late"]
    assert db.session.get(Generation, gen["id"], populate_existing=True).status == "canceled"
    assert _releases(gen["id"]) == 1
