"""Who may change a plan: on a self-hosted instance the operator (admins on /ops); owners
only with Stripe or when the operator opts in. Sign-up follows the operator's mode."""

import pytest

from fluxnote.accounts import services as accounts
from fluxnote.accounts.models import Workspace
from fluxnote.credits.services import snapshot
from fluxnote.extensions import db
from tests.conftest import login, make_user


def _plan(user) -> str:
    db.session.expire_all()
    return db.session.get(Workspace, user.current_workspace_id).plan


def test_self_hosted_owners_cannot_give_themselves_max(app, client):
    user = make_user()
    login(client, user)
    for headers in ({}, {"HX-Request": "true"}):
        answer = client.post("/settings/plan", data={"plan": "max"}, headers=headers)
        assert answer.status_code in (302, 403)
    assert _plan(user) == "free"
    assert snapshot(user.current_workspace_id)["video"]["allowance"] == 1
    page = client.get("/settings").get_data(as_text=True)
    assert "data-plans-managed" in page and 'data-plan="max"' not in page


def test_the_operator_opt_in_allows_self_service(app, client):
    app.config["SELF_SERVICE_PLANS"] = True
    user = make_user()
    login(client, user)
    client.post("/settings/plan", data={"plan": "pro"})
    assert _plan(user) == "pro"


def test_admins_set_plans_on_ops(app, client):
    admin, user = make_user(admin=True), make_user()
    login(client, admin)
    ws = user.current_workspace_id
    assert client.post(f"/ops/workspaces/{ws}/plan", data={"plan": "max"}).status_code == 303
    assert _plan(user) == "max" and snapshot(ws)["video"]["allowance"] == 150
    assert client.post(f"/ops/workspaces/{ws}/plan", data={"plan": "nope"}).status_code == 303
    assert _plan(user) == "max"
    assert client.post("/ops/workspaces/999999/plan", data={"plan": "pro"}).status_code == 404
    assert 'id="ops-plan"' in client.get(f"/ops/workspaces/{ws}").get_data(as_text=True)
    member = app.test_client()
    login(member, user)
    assert member.post(f"/ops/workspaces/{ws}/plan", data={"plan": "free"}).status_code == 403


@pytest.mark.parametrize("mode", ["open", "invite", "closed"])
def test_signup_modes(app, client, mode):
    app.config["SIGNUP_MODE"] = mode
    login_page = client.get("/login").get_data(as_text=True)
    assert f'data-signup="{mode}"' in login_page
    answer = client.post("/signup", data={"email": "new@example.com", "password": "password123"})
    assert answer.status_code == (303 if mode == "open" else 403)
    assert (accounts.authenticate("new@example.com", "password123") is not None) is (mode == "open")


def test_invite_only_signup_goes_through_the_invitation(app, client):
    app.config["SIGNUP_MODE"] = "invite"
    owner = make_user()
    token = accounts.invite(db.session.get(Workspace, owner.current_workspace_id), owner, "m@x.io")
    db.session.commit()
    data = {"email": "other@x.io", "password": "password123"}
    assert client.post(f"/signup?next=/invite/{token}", data=data).status_code == 403
    data["email"] = "m@x.io"
    assert client.post(f"/signup?next=/invite/{token}", data=data).status_code == 303
    assert accounts.authenticate("m@x.io", "password123")


def test_members_cannot_add_or_delete_webhooks(app, client):
    from tests.conftest import auth, make_token

    app.config["ALLOW_PRIVATE_WEBHOOK_URLS"] = True
    owner, mate = make_user(), make_user()
    workspace = db.session.get(Workspace, owner.current_workspace_id)
    accounts.accept_invitation(mate, accounts.invite(workspace, owner, mate.email))
    db.session.commit()
    owner_token, mate_token = make_token(owner), make_token(mate)
    url = "http://127.0.0.1:9/hook"
    made = client.post("/api/v1/webhook-endpoints", json={"url": url}, headers=auth(owner_token))
    assert made.status_code == 201
    refused = client.post("/api/v1/webhook-endpoints", json={"url": url}, headers=auth(mate_token))
    assert refused.status_code == 403 and "secret" not in refused.get_data(as_text=True)
    path = f"/api/v1/webhook-endpoints/{made.json['id']}"
    assert client.delete(path, headers=auth(mate_token)).status_code == 403
    login(client, mate)
    assert client.post("/settings/webhooks", data={"url": url}).status_code == 403
    assert client.post(f"/settings/webhooks/{made.json['id']}/delete").status_code == 403
    page = client.get("/settings").get_data(as_text=True)
    assert "Only the owner can add or delete endpoints" in page
    listed = client.get("/api/v1/webhook-endpoints", headers=auth(mate_token)).json
    assert [e["id"] for e in listed["endpoints"]] == [made.json["id"]]
