"""Team workspaces: invitations, joining, switching, one shared pool, owner-only actions."""

import logging
import re
from datetime import timedelta

from sqlalchemy import func, select

from fluxnote.accounts.models import Invitation, Membership, Workspace
from fluxnote.credits import services as credits
from fluxnote.extensions import db
from tests.conftest import auth, login, make_token, make_user


def invite(client, email: str) -> str:
    """Invite `email` as the logged-in owner; the token from the link shown on /settings."""
    r = client.post("/team/invite", data={"email": email})
    assert r.status_code == 201
    return re.search(r"data-invite-link>http://localhost/invite/([\w-]+)<", r.data.decode()).group(
        1
    )


def team(app):
    """An owner with a logged-in client, and a member who joined the owner's workspace."""
    owner, member = make_user("owner@example.com"), make_user("member@example.com")
    owner_client, member_client = app.test_client(), app.test_client()
    login(owner_client, owner)
    login(member_client, member)
    token = invite(owner_client, "member@example.com")
    assert member_client.post(f"/invite/{token}").headers["Location"] == "/"
    return owner, member, owner_client, member_client


def test_invitation_link_is_shown_and_never_logged(app, client, caplog):
    owner = make_user("owner@example.com")
    login(client, owner)
    with caplog.at_level(logging.DEBUG):
        token = invite(client, "Friend@Example.com")
    assert token not in caplog.text
    inv = db.session.scalar(select(Invitation))
    assert inv.email == "friend@example.com" and inv.token_hash != token


def test_member_joins_switches_and_shares_the_pool(app):
    owner, member, owner_client, member_client = team(app)
    shared = db.session.get(Workspace, owner.current_workspace_id)
    db.session.refresh(member)
    assert member.current_workspace_id == shared.id
    assert b"owner&#39;s workspace" in member_client.get("/").data
    roles = {m.user.email: m.role for m in shared.memberships}
    assert roles == {"owner@example.com": "owner", "member@example.com": "member"}

    personal = db.session.scalar(
        select(Membership.workspace_id).where(
            Membership.user_id == member.id, Membership.role == "owner"
        )
    )
    assert member_client.post(f"/workspaces/{personal}/switch").status_code == 302
    assert b"member&#39;s workspace" in member_client.get("/").data
    assert member_client.post(f"/workspaces/{shared.id}/switch").status_code == 302

    member_token = make_token(member)
    owner_token = make_token(owner)
    hold = credits.reserve(shared.id, "video", "gen-1", member.id)[0]
    db.session.commit()
    seen = [
        member_client.get("/api/v1/credits", headers=auth(t)).json
        for t in (member_token, owner_token)
    ]
    assert seen[0] == seen[1]
    assert seen[0]["workspace_id"] == shared.id
    assert seen[0]["video"] == {"allowance": 1, "used": 0, "reserved": 1, "remaining": 0}
    credits.capture(hold.id)
    db.session.commit()
    assert b"member@example.com <b>1</b>" in owner_client.get("/").data


def test_invitation_only_for_its_email_and_only_once(app):
    owner, member, owner_client, member_client = team(app)
    token = invite(owner_client, "someone@example.com")
    stranger = app.test_client()
    login(stranger, make_user("stranger@example.com"))
    page = stranger.get(f"/invite/{token}")
    assert (
        page.status_code == 404 and b"This invitation was sent to someone@example.com" in page.data
    )
    stranger.post(f"/invite/{token}")
    assert b"This invitation was sent to someone@example.com" in stranger.get("/").data
    assert member_client.get(f"/invite/{token}").status_code == 404
    used = db.session.scalar(select(Invitation).where(Invitation.email == "member@example.com"))
    assert used.accepted_at is not None
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.workspace_id == owner.current_workspace_id)
        )
        == 2
    )


def test_inviting_an_existing_member_is_refused(app):
    owner, member, owner_client, _ = team(app)
    r = owner_client.post("/team/invite", data={"email": "member@example.com"})
    assert r.status_code == 422 and b"member@example.com is already a member." in r.data
    r = owner_client.post("/team/invite", data={"email": "not an email"})
    assert r.status_code == 422 and b"Invalid email address." in r.data
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 1


def test_new_person_follows_link_signs_up_and_joins(app, client):
    owner = make_user("owner@example.com")
    owner_client = app.test_client()
    login(owner_client, owner)
    token = invite(owner_client, "new@example.com")
    r = client.get(f"/invite/{token}")
    assert r.headers["Location"] == f"/login?next=%2Finvite%2F{token}"
    assert b"Log in (or create an account) to continue." in client.get(r.headers["Location"]).data
    login_page = client.get(r.headers["Location"]).data.decode()
    signup_link = re.search(r'href="(/signup\?next=[^"]+)"', login_page).group(1)
    r = client.post(
        signup_link.replace("&amp;", "&"),
        data={"email": "new@example.com", "password": "password123"},
    )
    r = client.post(
        r.headers["Location"], data={"email": "new@example.com", "password": "password123"}
    )
    assert r.headers["Location"] == f"/invite/{token}"
    page = client.get(f"/invite/{token}").data.decode()
    assert "Join owner&#39;s workspace" in page and "owner@example.com invited you" in page
    client.post(f"/invite/{token}")
    body = client.get("/").data
    assert b"owner&#39;s workspace" in body
    assert client.post(f"/invite/{token}").headers["Location"] == "/"
    assert b"already been used" in client.get("/").data


def test_only_the_owner_can_invite_or_change_the_plan(app):
    app.config["SELF_SERVICE_PLANS"] = True  # even where owners may change plans
    owner, member, _, member_client = team(app)
    r = member_client.post("/team/invite", data={"email": "x@example.com"})
    assert r.status_code == 422 and b"Only the workspace owner can invite members." in r.data
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 1
    member_client.post("/settings/plan", data={"plan": "max"})
    page = member_client.get("/settings").data
    assert b"Only the workspace owner can change the plan." in page
    assert db.session.get(Workspace, owner.current_workspace_id).plan == "free"
    assert b'hx-post="/settings/plan"' not in page


def test_owner_removes_a_member_whose_token_then_stops_working(app):
    owner, member, owner_client, member_client = team(app)
    member_token = make_token(member)
    r = owner_client.post(f"/team/members/{member.id}/remove")
    assert r.headers["Location"] == "/settings"
    assert b"member@example.com was removed" in owner_client.get("/settings").data
    assert member_client.get("/settings").status_code == 302  # their sessions ended
    login(member_client, member)
    assert client_sees_own_workspace(member_client, "member")
    assert member_client.get("/api/v1/credits", headers=auth(member_token)).status_code == 401


def client_sees_own_workspace(client, name: str) -> bool:
    return f"{name}&#39;s workspace".encode() in client.get("/").data


def test_member_leaves_but_owner_cannot(app):
    owner, member, owner_client, member_client = team(app)
    r = member_client.post(f"/team/members/{member.id}/remove")
    assert r.headers["Location"] == "/"
    assert b"You left owner&#39;s workspace." in member_client.get("/").data
    assert client_sees_own_workspace(member_client, "member")
    owner_client.post(f"/team/members/{owner.id}/remove")
    assert b"The owner cannot leave" in owner_client.get("/settings").data
    assert membership_count(owner.current_workspace_id) == 1


def membership_count(workspace_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Membership).where(Membership.workspace_id == workspace_id)
    )


def test_members_cannot_remove_others_and_outsiders_get_404(app):
    owner, member, owner_client, member_client = team(app)
    other = make_user("other@example.com")
    other_client = app.test_client()
    login(other_client, other)
    other_client.post(f"/invite/{invite(owner_client, other.email)}")
    member_client.post(f"/team/members/{other.id}/remove")
    assert b"Only the workspace owner can remove members." in member_client.get("/settings").data
    member_client.post(f"/team/members/{owner.id}/remove")
    outsider = make_user("out@example.com")
    assert owner_client.post(f"/team/members/{outsider.id}/remove").status_code == 404
    assert membership_count(owner.current_workspace_id) == 3


def test_invitations_expire_after_a_week(app):
    owner = make_user("owner@example.com")
    owner_client, member_client = app.test_client(), app.test_client()
    login(owner_client, owner)
    login(member_client, make_user("late@example.com"))
    token = invite(owner_client, "late@example.com")
    invitation = db.session.scalar(select(Invitation))
    invitation.created_at -= timedelta(days=8)
    db.session.commit()
    page = member_client.get(f"/invite/{token}")
    assert page.status_code == 404 and b"This invitation has expired" in page.data
    member_client.post(f"/invite/{token}")
    assert membership_count(owner.current_workspace_id) == 1
