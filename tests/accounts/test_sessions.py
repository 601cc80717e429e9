"""Sessions end when they should: logout, a new password and removal from a workspace end
every copy of the cookie; login cannot be brute-forced per account nor timed; sign-up
and the logs tell nobody which emails exist; nothing secret travels in the cookie."""

import logging
import re

import pytest
from flask_limiter.util import get_remote_address

from fluxnote.accounts import services, throttle
from fluxnote.accounts.models import Workspace
from fluxnote.extensions import db
from tests.conftest import auth, build_app, login, make_token, make_user


def _copy(client, app):
    """A second browser holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _logged_in(client) -> bool:
    return client.get("/settings").status_code == 200


def test_logout_ends_every_copy_of_the_session(app, client):
    user = make_user()
    login(client, user)
    thief = _copy(client, app)
    assert _logged_in(thief)
    assert client.post("/logout").status_code == 303
    assert not _logged_in(client) and not _logged_in(thief)
    login(client, user)  # logging in again works
    assert _logged_in(client)


def test_logout_is_post_only(app, client):
    login(client, make_user())
    assert client.get("/logout").status_code == 405
    assert _logged_in(client)


def test_a_new_password_ends_other_sessions_and_keeps_this_one(app, client):
    user = make_user()
    login(client, user)
    other = app.test_client()
    login(other, user)
    wrong = client.post(
        "/settings/password", data={"current": "not-it-at-all", "new": "a-new-password"}
    )
    assert wrong.status_code == 422 and _logged_in(other)
    changed = client.post(
        "/settings/password", data={"current": "password123", "new": "a-new-password"}
    )
    assert changed.status_code == 303
    assert _logged_in(client) and not _logged_in(other)
    assert services.authenticate(user.email, "a-new-password")
    assert services.authenticate(user.email, "password123") is None


def test_a_removed_member_is_logged_out_and_their_tokens_stay_revoked(app, client):
    owner, mate = make_user(), make_user()
    workspace = db.session.get(Workspace, owner.current_workspace_id)
    services.accept_invitation(mate, services.invite(workspace, owner, mate.email))
    db.session.commit()
    token = make_token(mate)  # made in the shared workspace
    mate_browser = app.test_client()
    login(mate_browser, mate)
    assert client.get("/api/v1/credits", headers=auth(token)).status_code == 200
    login(client, owner)
    assert client.post(f"/team/members/{mate.id}/remove").status_code == 302
    assert not _logged_in(mate_browser)
    assert client.get("/api/v1/credits", headers=auth(token)).status_code == 401
    services.accept_invitation(mate, services.invite(workspace, owner, mate.email))
    db.session.commit()
    assert client.get("/api/v1/credits", headers=auth(token)).status_code == 401


def test_login_costs_one_hash_check_whether_or_not_the_email_exists(app, monkeypatch):
    user = make_user()
    calls = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda h, p: calls.append(h) or real(h, p))
    for email in (user.email, "nobody@example.com"):
        calls.clear()
        assert services.authenticate(email, "wrong-password") is None
        assert len(calls) == 1
        assert calls[0].split("$")[0] == user.password_hash.split("$")[0]  # same algorithm


def test_signup_answers_a_taken_email_like_a_new_one(app, client):
    taken = make_user()
    answers = []
    for email in (taken.email, "brand-new@example.com"):
        answer = client.post("/signup", data={"email": email, "password": "whatever-123"})
        page = client.get(answer.headers["Location"]).get_data(as_text=True)
        answers.append((answer.status_code, answer.headers["Location"], _flashes(page)))
    assert answers[0] == answers[1]
    assert services.authenticate(taken.email, "password123")  # the account is untouched
    assert services.authenticate("brand-new@example.com", "whatever-123")


def _flashes(page: str) -> list[str]:
    return re.findall(r'class="flash[^"]*">([^<]*)<', page)


def test_wrong_passwords_for_one_account_get_a_growing_delay(app, client):
    user = make_user()
    for n in range(throttle.FREE_FAILURES):
        environ = {"REMOTE_ADDR": f"10.0.0.{n}"}  # from anywhere: the account counts
        answer = client.post(
            "/login", data={"email": user.email, "password": "guess"}, environ_base=environ
        )
        assert answer.status_code == 422
    locked = client.post("/login", data={"email": user.email, "password": "password123"})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1
    assert "Too many failed logins" in locked.get_data(as_text=True)
    assert login(app.test_client(), make_user()).status_code == 302  # others unaffected
    delays = [throttle.record_failure(user.email) for _ in range(12)]
    assert delays == sorted(delays) and delays[0] >= 2 and delays[-1] == throttle.MAX_DELAY_S
    throttle.clear(user.email)
    assert login(client, user).status_code == 302


@pytest.mark.parametrize("proxies", [0, 1, 2])
def test_rate_limits_key_on_the_client_behind_configured_proxies(tmp_path, redis_url, proxies):
    app = build_app(tmp_path, redis_url, PROXY_COUNT=proxies)
    # what the limiter keys on (flask_limiter's get_remote_address), seen by a request
    app.add_url_rule("/_key", "limit_key", lambda: get_remote_address())
    with app.app_context():
        key = app.test_client().get(
            "/_key",
            headers={"X-Forwarded-For": "198.51.100.9, 203.0.113.7"},  # forged, then real
            environ_base={"REMOTE_ADDR": "10.0.0.2"},  # the proxy next to us
        )
        # behind N proxies the client is the address the outermost one saw; without a
        # proxy the header is anyone's to forge and the socket address counts
        expected = {0: "10.0.0.2", 1: "203.0.113.7", 2: "198.51.100.9"}[proxies]
        assert key.get_data(as_text=True) == expected
        db.session.remove()
        db.engine.dispose()


def test_invitation_links_never_reach_the_log(app, client, caplog):
    owner = make_user()
    login(client, owner)
    with caplog.at_level(logging.DEBUG):
        page = client.post("/team/invite", data={"email": "mate@example.com"})
    link = re.search(r"data-invite-link>([^<]+)<", page.get_data(as_text=True)).group(1)
    token = link.rsplit("/", 1)[1]
    assert token and token not in caplog.text


def test_the_webhook_secret_is_never_in_the_session_cookie(app, client):
    app.config["ALLOW_PRIVATE_WEBHOOK_URLS"] = True
    login(client, make_user())
    page = client.post("/settings/webhooks", data={"url": "http://127.0.0.1:9/hook"})
    secret = re.search(r"whsec_[A-Za-z0-9+/=]+", page.get_data(as_text=True)).group(0)
    assert page.status_code == 201
    cookie = client.get_cookie("session").value
    session = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert secret not in repr(session) and "whsec_" not in repr(session)
