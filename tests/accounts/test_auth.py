"""Sign-up, log in/out, wrong passwords, duplicate emails and CSRF on the forms."""

import re

from sqlalchemy import func, select

from fluxnote.accounts.models import Membership, User, Workspace
from fluxnote.credits.models import CreditBalance, LedgerEntry
from fluxnote.extensions import db
from tests.conftest import build_app, login, make_user


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def signup(client, email="new@example.com", password="password123"):
    return client.post("/signup", data={"email": email, "password": password})


def test_signup_creates_personal_free_workspace_with_both_balances(client):
    r = signup(client, "Ada@Example.com")
    assert r.status_code == 303 and r.headers["Location"].startswith("/login")
    assert (
        client.post(
            r.headers["Location"], data={"email": "ada@example.com", "password": "password123"}
        ).headers["Location"]
        == "/"
    )
    user = db.session.scalar(select(User).where(User.email == "ada@example.com"))
    workspace = db.session.get(Workspace, user.current_workspace_id)
    assert workspace.plan == "free" and workspace.owner_id == user.id
    assert [(m.user_id, m.role) for m in workspace.memberships] == [(user.id, "owner")]
    balances = {
        b.kind: (b.allowance, b.remaining)
        for b in db.session.scalars(
            select(CreditBalance).where(CreditBalance.workspace_id == workspace.id)
        )
    }
    assert balances == {"video": (1, 1), "image": (100, 100)}
    assert user.password_hash != "password123"
    page = client.get("/")
    assert page.status_code == 200 and b"ada@example.com" in page.data


def test_after_signup_the_login_form_has_the_email_and_says_why(client):
    page = client.get(signup(client, "Ada@Example.com").headers["Location"]).data.decode()
    assert "One more step" in page and 'value="ada@example.com"' in page
    again = client.get("/login").data.decode()
    assert "Welcome back" in again and "ada@example.com" not in again


def test_signup_rejects_short_password_and_bad_email(client):
    r = client.post("/signup", data={"email": "not-an-email", "password": "short"})
    assert r.status_code == 422
    assert b"Invalid email address" in r.data and b"Use at least 8 characters" in r.data
    assert count(User) == 0


def test_a_taken_email_writes_nothing_and_is_not_revealed(client):
    make_user("taken@example.com")
    before = (count(User), count(Workspace), count(Membership), count(LedgerEntry))
    r = signup(client, "TAKEN@example.com")
    assert r.status_code == 303 and r.headers["Location"].startswith("/login")
    assert b"already exists" not in client.get(r.headers["Location"]).data
    assert (count(User), count(Workspace), count(Membership), count(LedgerEntry)) == before


def test_login_logout(client):
    user = make_user("me@example.com")
    assert b'id="landing"' in client.get("/").data  # a visitor sees what FluxNote is
    r = login(client, user)
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert b"me@example.com" in client.get("/").data
    assert client.post("/logout").headers["Location"].startswith("/login")
    assert client.get("/settings").status_code == 302


def test_login_follows_a_local_next_but_not_an_external_one(client):
    user = make_user()
    r = client.post("/login?next=/settings", data={"email": user.email, "password": "password123"})
    assert r.headers["Location"] == "/settings"
    client.post("/logout")
    for evil in ("//evil.example/x", "/\\evil.example/x", "https://evil.example/"):
        client.post("/logout")
        r = client.post(
            "/login",
            query_string={"next": evil},
            data={"email": user.email, "password": "password123"},
        )
        assert r.headers["Location"] == "/"


def test_logged_in_users_skip_the_login_and_signup_forms(client):
    login(client, make_user())
    assert client.get("/login").headers["Location"] == "/"
    assert client.get("/signup?next=/settings").headers["Location"] == "/settings"


def test_wrong_password_and_unknown_email_get_the_same_answer(client):
    user = make_user("me@example.com")
    wrong = login(client, user, password="nope-nope-nope")
    unknown = client.post("/login", data={"email": "ghost@example.com", "password": "whatever1"})
    for r in (wrong, unknown):
        assert r.status_code == 422 and b"Wrong email or password." in r.data
    assert b'id="landing"' in client.get("/").data


def _csrf(html: bytes) -> str:
    return re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1).decode()


def test_csrf_is_enforced_on_forms(tmp_path, redis_url):
    app = build_app(tmp_path, redis_url, WTF_CSRF_ENABLED=True, SELF_SERVICE_PLANS=True)
    client = app.test_client()
    with app.app_context():
        r = client.post("/signup", data={"email": "x@example.com", "password": "password123"})
        assert r.status_code == 400 and b"This form has expired" in r.data
        assert count(User) == 0
        token = _csrf(client.get("/signup").data)
        r = client.post(
            "/signup",
            data={"email": "x@example.com", "password": "password123", "csrf_token": token},
        )
        assert r.status_code == 303 and count(User) == 1
        r = client.post(
            "/login",
            data={"email": "x@example.com", "password": "password123", "csrf_token": token},
        )
        assert r.status_code == 302
        r = client.post("/settings/plan", data={"plan": "max"})
        assert r.status_code == 400
        assert db.session.scalar(select(Workspace.plan)) == "free"
        r = client.post("/settings/plan", data={"plan": "max"}, headers={"X-CSRFToken": token})
        assert r.status_code == 302
        assert db.session.scalar(select(Workspace.plan)) == "max"
        db.session.remove()
        db.engine.dispose()


def test_login_is_rate_limited(tmp_path, redis_url):
    app = build_app(tmp_path, redis_url, RATELIMIT_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        statuses = [
            client.post(  # a new email each time: the per-account throttle acts sooner
                "/login", data={"email": f"x{n}@example.com", "password": "wrong-pass"}
            ).status_code
            for n in range(21)
        ]
        assert statuses[:20] == [422] * 20 and statuses[20] == 429
        assert client.get("/login").status_code == 200
        db.session.remove()
        db.engine.dispose()
