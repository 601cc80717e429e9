"""A member of workspace A gets 404 for everything of workspace B."""

import pytest
from sqlalchemy import delete, select

from fluxnote.accounts import services as accounts
from fluxnote.accounts.models import ApiToken, Membership, User
from fluxnote.assets.services import add_asset
from fluxnote.extensions import db
from fluxnote.storage.services import put_bytes
from tests.conftest import auth, login, make_token, make_user


@pytest.fixture
def two_workspaces(client):
    """Alice (logged in on `client`, with a token) in A; Bob in B on Max, with a token and an asset."""
    alice, bob = make_user("alice@example.com"), make_user("bob@example.com", plan="max")
    bob_token = make_token(bob)
    asset = add_asset(
        bob.current_workspace_id, "image", "upload", put_bytes(b"\x89PNG fake", ".png")
    )
    db.session.commit()
    login(client, alice)
    return {
        "alice": alice,
        "bob": bob,
        "alice_token": make_token(alice),
        "bob_token": bob_token,
        "a": alice.current_workspace_id,
        "b": bob.current_workspace_id,
        "asset_id": asset.id,
    }


def test_switching_into_another_workspace_is_404(client, two_workspaces):
    w = two_workspaces
    assert client.post(f"/workspaces/{w['b']}/switch").status_code == 404
    assert db.session.get(User, w["alice"].id).current_workspace_id == w["a"]
    assert client.post("/workspaces/999999/switch").status_code == 404


def test_revoking_another_users_token_is_404(client, two_workspaces):
    w = two_workspaces
    bob_token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == w["bob"].id))
    assert client.post(f"/settings/tokens/{bob_token_id}/revoke").status_code == 404
    assert client.get("/api/v1/credits", headers=auth(w["bob_token"])).status_code == 200


def test_another_workspaces_assets_are_404(client, two_workspaces):
    w = two_workspaces
    for path in (f"/api/v1/assets/{w['asset_id']}", f"/api/v1/assets/{w['asset_id']}/file"):
        r = client.get(path, headers=auth(w["alice_token"]))
        assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
        assert client.get(path, headers=auth(w["bob_token"])).status_code == 200


def test_credits_and_pages_show_only_ones_own_workspace(client, two_workspaces):
    w = two_workspaces
    assert (
        client.get("/api/v1/credits", headers=auth(w["alice_token"])).json["workspace_id"] == w["a"]
    )
    for path in ("/", "/dashboard/credits", "/settings"):
        html = client.get(path).data.decode()
        assert "bob" not in html and "data-allowance>150<" not in html


def test_cannot_mint_a_token_for_another_workspace(two_workspaces):
    with pytest.raises(accounts.AccountError):
        accounts.create_token(two_workspaces["alice"], "sneaky", workspace_id=two_workspaces["b"])


def test_a_removed_member_falls_back_to_their_own_workspace(client, two_workspaces):
    w = two_workspaces
    bob_ws = db.session.get(accounts.Workspace, w["b"])
    accounts.accept_invitation(w["alice"], accounts.invite(bob_ws, w["bob"], "alice@example.com"))
    db.session.commit()
    alice_in_b = make_token(w["alice"])
    assert "bob&#39;s workspace" in client.get("/").data.decode()
    db.session.execute(
        delete(Membership).where(
            Membership.user_id == w["alice"].id, Membership.workspace_id == w["b"]
        )
    )
    db.session.commit()
    assert "alice&#39;s workspace" in client.get("/").data.decode()
    assert "bob" not in client.get("/settings").data.decode()
    assert client.get("/api/v1/credits", headers=auth(alice_in_b)).status_code == 401
