"""Never pay for a failure: every way a generation can end leaves the ledger right."""

import threading
from datetime import timedelta

import pytest

from fluxnote.credits.models import LedgerEntry
from fluxnote.credits.services import ledger_sum
from fluxnote.extensions import db
from fluxnote.generation import settle
from fluxnote.generation.models import Generation
from fluxnote.generation.sweeper import sweep
from fluxnote.providers.base import ProviderResult
from fluxnote.sqltypes import utcnow
from tests.conftest import auth, make_token, make_user
from tests.generation.conftest import credits, png_file, submit, work


def _get(client, token, gen_id):
    return client.get(f"/api/v1/generations/{gen_id}", headers=auth(token)).get_json()


@pytest.mark.parametrize(
    "mode, message",
    [("fail", "GPU on fire"), ("moderate", "content policy"), ("crash", "engine failed")],
)
def test_provider_failure_moderation_and_crash_release(client, free, fakes, mode, message):
    _, token = free
    fakes["offline"].mode = mode
    gen = submit(client, token)
    work()
    done = _get(client, token, gen["id"])
    assert done["status"] == "failed" and done["credit"] == "released" and message in done["error"]
    assert credits(client, token)["image"] == {
        "allowance": 100,
        "used": 0,
        "reserved": 0,
        "remaining": 100,
    }


def test_retryable_error_is_retried_then_succeeds(client, free, fakes):
    _, token = free
    fakes["offline"].mode = "retryable"
    gen = submit(client, token)
    work()
    assert _get(client, token, gen["id"])["status"] == "succeeded"
    assert fakes["offline"].calls == 2
    assert credits(client, token)["image"]["used"] == 1


def test_timeout_past_deadline_releases(client, free, fakes):
    user, token = free
    fakes["fal"].mode = "remote"
    gen = submit(client, token, model="flux-2-pro")
    work()
    assert _get(client, token, gen["id"])["status"] == "running"
    assert sweep(now=utcnow() + timedelta(hours=2))["expired"] == 1
    done = _get(client, token, gen["id"])
    assert (
        done["status"] == "failed" and done["credit"] == "released" and "Timed out" in done["error"]
    )
    assert ledger_sum(user.current_workspace_id, "image") == 100


def test_late_success_after_timeout_changes_nothing(app, client, free, fakes):
    user, token = free
    fakes["fal"].mode = "remote"
    gen = submit(client, token, model="flux-2-pro")
    work()
    sweep(now=utcnow() + timedelta(hours=2))
    late = ProviderResult("succeeded", provider_job_id=f"job-{gen['id']}", output_path=png_file())
    assert settle.apply_provider_result(gen["id"], late) is False
    assert _get(client, token, gen["id"])["credit"] == "released"
    assert credits(client, token)["image"]["used"] == 0


def test_out_of_order_and_duplicate_results_capture_once(client, free, fakes):
    user, token = free
    fakes["fal"].mode = "remote"
    gen = submit(client, token, model="flux-2-pro")
    work()
    job = f"job-{gen['id']}"
    results = [
        ProviderResult("succeeded", provider_job_id=job, output_path=png_file()),
        ProviderResult("running", provider_job_id=job),
        ProviderResult("succeeded", provider_job_id=job, output_path=png_file()),
        ProviderResult("failed", provider_job_id=job, error="late failure"),
    ]
    assert [settle.apply_provider_result(gen["id"], r) for r in results] == [
        True,
        False,
        False,
        False,
    ]
    done = _get(client, token, gen["id"])
    assert done["status"] == "succeeded" and done["credit"] == "captured"
    entries = db.session.query(LedgerEntry.entry_type).filter_by(kind="image").all()
    assert sorted(e for (e,) in entries) == ["capture", "grant", "reserve"]


def test_capture_and_release_race_exactly_one_wins(pg_app, fakes):
    user = make_user()
    token = make_token(user)
    client = pg_app.test_client()
    fakes["fal"].mode = "remote"
    gens = [submit(client, token, model="flux-2-pro")["id"] for _ in range(5)]
    work()
    outcomes = []

    def settle_with(gen_id, result):
        with pg_app.app_context():
            outcomes.append((gen_id, result.status, settle.apply_provider_result(gen_id, result)))
            db.session.remove()

    threads = []
    for gen_id in gens:
        job = f"job-{gen_id}"
        for result in (
            ProviderResult("succeeded", provider_job_id=job, output_path=png_file()),
            ProviderResult("failed", provider_job_id=job, error="boom"),
        ):
            threads.append(threading.Thread(target=settle_with, args=(gen_id, result)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for gen_id in gens:
        assert sum(won for g, _, won in outcomes if g == gen_id) == 1
    snap = credits(client, token)["image"]
    captured = sum(1 for _, status, won in outcomes if won and status == "succeeded")
    assert snap == {"allowance": 100, "used": captured, "reserved": 0, "remaining": 100 - captured}
    assert ledger_sum(user.current_workspace_id, "image") == snap["remaining"]
    db.session.expire_all()
    statuses = {g.status for g in db.session.query(Generation)}
    assert statuses <= {"succeeded", "failed"}


def test_outcomes_are_sent_to_the_workspace_webhooks(client, free, fakes, monkeypatch):
    from fluxnote.webhooks import outbound

    sent = []
    monkeypatch.setattr(outbound, "emit", lambda ws, kind, data: sent.append((ws, kind, data)))
    user, token = free
    ok = submit(client, token)
    work()
    fakes["offline"].mode = "fail"
    bad = submit(client, token)
    work()
    ws = user.current_workspace_id
    assert [(w, k, d["id"], d["status"], d["credit"]) for w, k, d in sent] == [
        (ws, "generation.succeeded", ok["id"], "succeeded", "captured"),
        (ws, "generation.failed", bad["id"], "failed", "released"),
    ]
    assert sent[0][2]["asset_id"]
