"""The ops pages: guard, live queue numbers, failed-job retry, provider health, search,
the workspace view and credit adjustments through the ledger."""

import os
import re
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from rq import Worker
from sqlalchemy import select, update

from fluxnote.credits.models import LedgerEntry
from fluxnote.credits.services import ledger_sum, snapshot
from fluxnote.extensions import db, redis_store
from fluxnote.ops import services
from fluxnote.sqltypes import utcnow
from fluxnote.tasks import get_queue, run_worker
from tests.conftest import login, make_user


def _fill(rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", "1", rule.rule)


def _ops_rules(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("ops.")]
    assert len(rules) >= 6
    return rules


@pytest.fixture
def admin(client):
    user = make_user(admin=True)
    login(client, user)
    return user


def test_every_ops_url_refuses_anonymous_and_creators(app):
    creator = make_user()
    for rule in _ops_rules(app):
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            anon = app.test_client().open(_fill(rule), method=method)
            assert anon.status_code == 302 and "/login" in anon.location, rule
            client = app.test_client()
            login(client, creator)
            assert client.open(_fill(rule), method=method).status_code == 403, rule


def test_admin_sees_ops_and_the_nav_link(client, admin):
    page = client.get("/ops/").get_data(as_text=True)
    assert 'id="ops-live"' in page and 'hx-trigger="every 5s"' in page
    assert 'href="/ops/"' in client.get("/").get_data(as_text=True)


def test_creators_have_no_ops_link(client):
    login(client, make_user())
    assert "/ops" not in client.get("/").get_data(as_text=True)


def _boom():
    raise RuntimeError("provider exploded")


def test_queue_depth_and_oldest_waiting_job(client, admin):
    get_queue("render").enqueue("fluxnote.ops.services.table", "x", job_id="waiting-1")
    html = client.get("/ops/live").get_data(as_text=True)
    row = re.search(r'data-queue="render">.*?</tr>', html, re.S).group(0)
    assert "<td data-waiting>1</td>" in row and " s</td>" in row
    assert re.search(r'data-queue="default">.*?<td data-waiting>0</td>', html, re.S)


def test_failed_job_is_listed_and_can_be_retried(app, client, admin):
    get_queue("default").enqueue(_boom, job_id="doomed-1")
    db.session.rollback()
    run_worker(app, ["default"], burst=True)
    html = client.get("/ops/").get_data(as_text=True)
    assert 'data-job="doomed-1"' in html and "provider exploded" in html
    client.post("/ops/jobs/doomed-1/retry")
    assert "doomed-1" in get_queue("default").job_ids
    assert 'data-job="doomed-1"' not in client.get("/ops/live").get_data(as_text=True)


def _generations(
    workspace_id: int,
    user_id: int,
    outcomes: list[tuple[str, float | None]],
    model: str = "offline-image",
) -> list[int]:
    """Real generations (through the generation service), then forced into `outcomes`."""
    from fluxnote.accounts.models import Workspace
    from fluxnote.generation.models import Generation
    from fluxnote.generation.services import submit

    ids = []
    for status, seconds in outcomes:
        gen = submit(
            db.session.get(Workspace, workspace_id),
            user_id,
            {"kind": "image", "model": model, "prompt": f"ops {status} {seconds}"},
        )[0]
        finished = gen.created_at + timedelta(seconds=seconds) if seconds is not None else None
        db.session.execute(
            update(Generation)
            .where(Generation.id == gen.id)
            .values(status=status, finished_at=finished)
        )
        ids.append(gen.id)
    db.session.commit()
    get_queue("default").empty()
    get_queue("priority").empty()
    return ids


def test_provider_health_counts_and_latency_percentiles(client, admin):
    user = make_user()
    _generations(
        user.current_workspace_id,
        user.id,
        [("succeeded", 1), ("succeeded", 2), ("succeeded", 10), ("failed", 3), ("queued", None)],
    )
    health = {h.provider: h for h in services.provider_health()}["offline"]
    assert (health.succeeded, health.failed, health.in_flight) == (3, 1, 1)
    assert health.error_rate == 0.25
    assert health.p50_s == pytest.approx(2, abs=0.01) and 2 < health.p95_s <= 10
    html = client.get("/ops/live").get_data(as_text=True)
    assert 'data-provider="offline"' in html and "25%" in html


def test_generation_search_filters(client, admin):
    a, b = make_user(), make_user()
    ok, bad = _generations(a.current_workspace_id, a.id, [("succeeded", 1), ("failed", 1)])
    other = _generations(b.current_workspace_id, b.id, [("failed", 1)])[0]
    html = client.get(
        f"/ops/search?kind=generation&workspace={a.current_workspace_id}&status=failed"
    ).get_data(as_text=True)
    assert f'data-row="{bad}"' in html
    assert f'data-row="{ok}"' not in html and f'data-row="{other}"' not in html
    today = utcnow().date()
    dated = client.get(
        f"/ops/search?kind=generation&model=offline-image&from={today}&to={today}"
    ).get_data(as_text=True)
    assert all(f'data-row="{i}"' in dated for i in (ok, bad, other))
    tomorrow = today + timedelta(days=1)
    assert "data-row=" not in client.get(f"/ops/search?kind=generation&from={tomorrow}").get_data(
        as_text=True
    )


def test_workspace_lookup_by_member_email(client, admin):
    user = make_user(email="findme@example.com")
    html = client.get("/ops/workspaces?q=findme").get_data(as_text=True)
    assert f'/ops/workspaces/{user.current_workspace_id}"' in html


def test_workspace_view_shows_members_plan_and_ledger(client, admin):
    user = make_user(email="owner@example.com", plan="pro")
    html = client.get(f"/ops/workspaces/{user.current_workspace_id}").get_data(as_text=True)
    assert "owner@example.com" in html and "Plan <b>pro</b>" in html
    assert html.count("<td>grant</td>") == 2
    assert client.get("/ops/workspaces/99999").status_code == 404


def _adjust(client, workspace_id, **form):
    data = {"kind": "video", "action": "grant", "amount": "5", "reason": "", "nonce": "n1", **form}
    return client.post(f"/ops/workspaces/{workspace_id}/adjust", data=data)


def test_adjustment_requires_a_reason_and_changes_nothing_without_one(client, admin):
    ws = make_user().current_workspace_id
    before = snapshot(ws)["video"]["remaining"]
    r = _adjust(client, ws, reason=" ")
    assert r.status_code == 422 and "reason" in r.get_data(as_text=True)
    assert _adjust(client, ws, reason="goodwill", amount="0").status_code == 422
    assert snapshot(ws)["video"]["remaining"] == before


def test_grant_and_refund_land_in_the_ledger_with_the_admin(client, admin):
    ws = make_user().current_workspace_id
    before = snapshot(ws)["video"]["remaining"]
    assert _adjust(client, ws, reason="launch goodwill", nonce="a").status_code == 302
    assert (
        _adjust(client, ws, reason="launch goodwill", nonce="a").status_code == 422
    )  # double submit
    assert (
        _adjust(
            client, ws, action="refund", amount="2", reason="bad render #12", nonce="b"
        ).status_code
        == 302
    )
    assert snapshot(ws)["video"]["remaining"] == before + 7 == ledger_sum(ws, "video")
    entries = db.session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.workspace_id == ws, LedgerEntry.entry_type.like("admin_%"))
        .order_by(LedgerEntry.id)
    ).all()
    assert [(e.entry_type, e.delta, e.user_id, e.reason) for e in entries] == [
        ("admin_grant", 5, admin.id, "launch goodwill"),
        ("admin_refund", 2, admin.id, "bad render #12"),
    ]
    html = client.get(f"/ops/workspaces/{ws}").get_data(as_text=True)
    assert "bad render #12" in html and admin.email in html


def test_webhook_log_shows_outbound_deliveries(app, client, admin):
    from fluxnote.webhooks import outbound

    app.config["ALLOW_PRIVATE_WEBHOOK_URLS"] = True
    user = make_user()
    outbound.create_endpoint(user.current_workspace_id, user.id, "http://127.0.0.1:9/x")
    outbound.emit(user.current_workspace_id, "render.failed", {"id": 4})
    html = client.get("/ops/webhooks").get_data(as_text=True)
    assert 'id="ops-webhooks"' in html and "render.failed" in html and "pending" in html


def test_ops_reads_and_adjusts_on_postgresql(pg_app):
    client = pg_app.test_client()
    admin = make_user(admin=True)
    login(client, admin)
    user = make_user(email="pg-owner@example.com")
    ws = user.current_workspace_id
    ok, bad = _generations(ws, user.id, [("succeeded", 2), ("failed", 1)])
    today = utcnow().date()
    html = client.get(
        f"/ops/search?kind=generation&workspace={ws}&status=failed&from={today}&to={today}"
    ).get_data(as_text=True)
    assert f'data-row="{bad}"' in html and f'data-row="{ok}"' not in html
    assert f'/ops/workspaces/{ws}"' in client.get("/ops/workspaces?q=PG-OWNER").get_data(
        as_text=True
    )
    assert _adjust(client, ws, reason="pg goodwill", nonce="pg1").status_code == 302
    assert snapshot(ws)["video"]["remaining"] == ledger_sum(ws, "video")
    assert {h.provider for h in services.provider_health()} == {"offline"}
    assert client.get("/ops/").status_code == 200


def test_render_search_finds_queued_renders(app, client, admin):
    from tests.hardening.factory import build_owned

    owned = build_owned(app, app.test_client())
    ws, render_id = owned.ids["workspace_id"], owned.ids["render_id"]
    html = client.get(f"/ops/search?kind=render&workspace={ws}&status=queued").get_data(
        as_text=True
    )
    assert f'data-row="{render_id}"' in html
    assert "data-row=" not in client.get(
        f"/ops/search?kind=render&workspace={ws}&status=failed"
    ).get_data(as_text=True)


def test_running_workers_are_listed_with_heartbeat(app, client, admin, tmp_path):
    env = dict(
        os.environ,
        REDIS_URL=app.config["REDIS_URL"],
        FLUXNOTE_DATA_DIR=str(tmp_path),
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY="test",
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "fluxnote.cli", "worker", "--queues", "render"],
        env=env,
        start_new_session=True,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not Worker.all(connection=redis_store.conn) and time.monotonic() < deadline:
            time.sleep(0.1)
        html = client.get("/ops/live").get_data(as_text=True)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    row = re.search(r'<table class="table" id="ops-workers">.*?</table>', html, re.S).group(0)
    assert f"pid {worker.pid}" in row and "<td>render</td>" in row and " UTC</td>" in row


def test_a_failed_delivery_can_be_resent(app, client, admin):
    from fluxnote.webhooks import outbound
    from fluxnote.webhooks.models import WebhookDelivery

    app.config["ALLOW_PRIVATE_WEBHOOK_URLS"] = True
    user = make_user()
    outbound.create_endpoint(user.current_workspace_id, user.id, "http://127.0.0.1:9/closed")
    outbound.emit(user.current_workspace_id, "render.failed", {"id": 4})
    delivery_id = db.session.scalars(select(WebhookDelivery.id)).one()
    db.session.execute(update(WebhookDelivery).values(status="failed", next_attempt_at=None))
    db.session.commit()
    get_queue("default").empty()
    assert "Resend" in client.get("/ops/webhooks").get_data(as_text=True)
    client.post(f"/ops/webhooks/deliveries/{delivery_id}/resend")
    assert get_queue("default").job_ids == [f"webhook-{delivery_id}-1"]
    assert outbound.deliver(delivery_id) == "pending"  # one more try, logged, back-off again
    assert db.session.get(WebhookDelivery, delivery_id, populate_existing=True).attempts == 1


def test_provider_callbacks_are_logged_with_signature_and_dedupe_outcome(
    app, client, admin, monkeypatch
):
    from fluxnote.generation import callbacks as inbound_view

    anonymous = app.test_client()
    assert (
        anonymous.post(
            "/webhooks/replicate",
            data=b'{"id": "x"}',
            headers={
                "webhook-id": "m1",
                "webhook-timestamp": "1",
                "webhook-signature": "v1,Zm9yZ2Vk",
            },
        ).status_code
        == 401
    )
    assert anonymous.post("/webhooks/nobody", data=b"{}").status_code == 404
    monkeypatch.setattr(inbound_view, "receive", lambda *args: "duplicate")
    assert anonymous.post("/webhooks/fal", data=b'{"request_id": "r1"}').status_code == 200
    html = client.get("/ops/webhooks").get_data(as_text=True)
    rows = re.findall(r'<tr data-callback="\d+">(.*?)</tr>', html, re.S)
    assert len(rows) == 3
    assert "fal" in rows[0] and "valid" in rows[0] and "duplicate" in rows[0]
    assert "nobody" in rows[1] and "unknown provider" in rows[1]
    assert "replicate" in rows[2] and "rejected" in rows[2] and "bad signature" in rows[2]


def test_old_callbacks_are_pruned(app):
    from fluxnote.ops import inbound_log

    db.session.add(
        inbound_log.InboundCallback(
            provider="fal",
            status_code=200,
            outcome="accepted",
            body_bytes=2,
            received_at=utcnow() - timedelta(days=31),
        )
    )
    db.session.commit()
    assert inbound_log.prune() == 1 and inbound_log.recent() == []
