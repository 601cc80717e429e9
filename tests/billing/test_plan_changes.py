"""Upgrades (immediate, allowance delta added now) and downgrades (next billing date)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from fluxnote.accounts.models import User, Workspace
from fluxnote.accounts.services import create_token
from fluxnote.billing import backends
from fluxnote.credits import services as credits
from fluxnote.credits.models import LedgerEntry
from fluxnote.extensions import db
from tests.conftest import auth, login, make_token, make_user


@pytest.fixture(autouse=True)
def _self_service_plans(request):
    """The plan rules, as owners meet them where the operator allows self-service
    (tests/billing/test_plan_authority.py covers who may change plans)."""
    for name in ("app", "pg_app"):
        if name in request.fixturenames:
            request.getfixturevalue(name).config["SELF_SERVICE_PLANS"] = True


def owner(client, plan="free"):
    user = make_user(plan=plan)
    login(client, user)
    return user, make_token(user), db.session.get(Workspace, user.current_workspace_id)


def test_upgrade_is_immediate_and_adds_the_allowance_difference(client):
    user, token, ws = owner(client)
    credits.reserve(ws.id, "video", "g1", user.id)
    credits.capture(credits.reserve(ws.id, "image", "i1", user.id)[0].id)
    db.session.commit()
    r = client.post("/settings/plan", data={"plan": "pro"})
    assert r.headers["Location"] == "/settings"
    assert "Upgraded to Pro" in client.get("/settings").data.decode()
    body = client.get("/api/v1/credits", headers=auth(token)).json
    assert body["plan"] == "pro"
    assert body["video"] == {"allowance": 50, "used": 0, "reserved": 1, "remaining": 49}
    assert body["image"] == {"allowance": 2100, "used": 1, "reserved": 0, "remaining": 2099}
    entries = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.entry_type == "upgrade")
    ).all()
    assert sorted((e.kind, e.delta, e.user_id) for e in entries) == [
        ("image", 2000, user.id),
        ("video", 49, user.id),
    ]


def test_two_upgrades_in_one_cycle_add_up(client):
    _, token, _ = owner(client)
    client.post("/settings/plan", data={"plan": "rise"})
    client.post("/settings/plan", data={"plan": "max"})
    body = client.get("/api/v1/credits", headers=auth(token)).json
    assert (body["plan"], body["video"]["allowance"], body["image"]["remaining"]) == (
        "max",
        150,
        5000,
    )


def test_downgrade_is_scheduled_for_the_next_billing_date(client):
    user, token, ws = owner(client, plan="pro")
    client.post("/settings/plan", data={"plan": "rise"})
    body = client.get("/api/v1/credits", headers=auth(token)).json
    assert body["plan"] == "pro" and body["video"]["allowance"] == 50
    db.session.refresh(ws)
    assert (ws.plan, ws.pending_plan) == ("pro", "rise")
    assert (
        "switching to <b>Rise</b> on the next billing date" in client.get("/settings").data.decode()
    )
    assert "switches to Rise on the next billing date" in client.get("/").data.decode()
    resets_at = credits.snapshot(ws.id)["video"]["resets_at"]
    after = credits.snapshot(ws.id, now=resets_at + timedelta(minutes=1))
    assert after["video"]["allowance"] == 21 and after["image"]["remaining"] == 1000
    assert credits.refresh_due(resets_at + timedelta(minutes=1)) == 1
    db.session.refresh(ws)
    assert (ws.plan, ws.pending_plan) == ("rise", None)


def test_choosing_the_current_plan_cancels_a_scheduled_downgrade(client):
    _, _, ws = owner(client, plan="max")
    client.post("/settings/plan", data={"plan": "free"})
    client.post("/settings/plan", data={"plan": "max"})
    db.session.refresh(ws)
    assert (ws.plan, ws.pending_plan) == ("max", None)


def test_htmx_plan_change_returns_the_partial_and_the_credits_changed_event(client):
    _, token, _ = owner(client)
    r = client.post("/settings/plan", data={"plan": "rise"}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert r.headers["HX-Trigger"] == "credits-changed"
    html = r.data.decode()
    assert html.lstrip().startswith('<section id="settings-plan"') and "<html" not in html
    assert "Upgraded to Rise" in html and "<b data-current-plan>Rise</b>" in html
    summary = client.get("/dashboard/credits/summary").data.decode()
    assert summary.lstrip().startswith('<section id="credit-summary"')
    assert "data-allowance>21<" in summary


def test_unknown_plan_changes_nothing(client):
    _, token, ws = owner(client)
    client.post("/settings/plan", data={"plan": "platinum"})
    assert "Unknown plan" in client.get("/settings").data.decode()
    assert client.get("/api/v1/credits", headers=auth(token)).json["plan"] == "free"


def test_refused_payment_changes_nothing(client, monkeypatch):
    class Refusing:
        def change_plan(self, *args):
            raise backends.PaymentRefused("card declined")

    monkeypatch.setattr("fluxnote.billing.services.get_backend", lambda name: Refusing())
    _, token, ws = owner(client)
    client.post("/settings/plan", data={"plan": "max"})
    assert "Payment refused: card declined" in client.get("/settings").data.decode()
    body = client.get("/api/v1/credits", headers=auth(token)).json
    assert body["plan"] == "free" and body["video"]["allowance"] == 1


def test_plan_changes_on_postgresql(pg_app):
    client = pg_app.test_client()
    client.post("/signup", data={"email": "pg@example.com", "password": "password123"})
    client.post("/login", data={"email": "pg@example.com", "password": "password123"})
    token = create_token(db.session.scalar(select(User).where(User.email == "pg@example.com")), "t")
    db.session.commit()
    client.post("/settings/plan", data={"plan": "pro"})
    client.post("/settings/plan", data={"plan": "rise"})
    body = client.get("/api/v1/credits", headers=auth(token)).json
    assert (body["plan"], body["video"]["allowance"], body["image"]["remaining"]) == (
        "pro",
        50,
        2100,
    )
    ws = db.session.get(Workspace, body["workspace_id"])
    assert ws.pending_plan == "rise"
