"""Connecting accounts from /settings: OAuth with PKCE (YouTube) and Login Kit (TikTok),
tokens sealed at rest, per workspace, revocable."""

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from fluxnote.extensions import db
from fluxnote.publishing import crypto
from fluxnote.publishing.models import PublishTarget
from fluxnote.publishing.platforms import youtube
from tests.conftest import auth, login, make_token, make_user
from tests.publishing.conftest import connect


def test_youtube_connects_with_pkce_and_the_upload_scope(creator, google):
    client = creator["client"]
    started = client.get("/settings/publishing/youtube/connect")
    query = {k: v[0] for k, v in parse_qs(urlsplit(started.location).query).items()}
    assert started.location.startswith(f"{google.url}/o/oauth2/v2/auth?")
    assert "https://www.googleapis.com/auth/youtube.upload" in query["scope"].split()
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["redirect_uri"].endswith("/settings/publishing/youtube/callback")
    client.get("/settings")  # the flow survives other pages in between
    back = connect(client, "youtube")
    assert back.status_code == 302 and back.location.endswith("/settings#settings-publishing")
    targets = client.get("/api/v1/publish-targets", headers=creator["headers"]).get_json()
    assert [(t["platform"], t["account_id"], t["account_name"], t["status"]) for t in targets] == [
        ("youtube", "UCowl", "Owl Facts", "connected")
    ]
    page = client.get("/settings").get_data(as_text=True)
    assert "Owl Facts" in page and "Connected YouTube" in page


def test_tokens_are_encrypted_at_rest(creator, google, app):
    connect(creator["client"], "youtube")
    target = db.session.scalar(select(PublishTarget))
    grant = google.grants[0]
    assert grant.access not in target.access_token and grant.refresh not in target.refresh_token
    assert crypto.open_token(target.refresh_token) == grant.refresh
    app.config["SECRET_KEY"] = "rotated"
    with pytest.raises(crypto.TokenUnreadable):
        crypto.open_token(target.refresh_token)


def test_an_explicit_encryption_key_is_used(app):
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    app.config["ENCRYPTION_KEY"] = key
    sealed = crypto.seal("secret-token")
    assert Fernet(key).decrypt(sealed.encode()) == b"secret-token"


def test_tiktok_connects_through_login_kit(creator, tiktok):
    back = connect(creator["client"], "tiktok")
    assert back.status_code == 302
    targets = (
        creator["client"].get("/api/v1/publish-targets", headers=creator["headers"]).get_json()
    )
    assert [(t["platform"], t["account_id"], t["account_name"]) for t in targets] == [
        ("tiktok", "open-owl", "Owl Facts")
    ]


def test_a_forged_or_replayed_callback_connects_nothing(creator, google):
    client = creator["client"]
    client.get("/settings/publishing/youtube/connect")
    forged = client.get("/settings/publishing/youtube/callback?code=abc&state=not-the-state")
    assert forged.status_code == 302
    replay = client.get("/settings/publishing/youtube/callback?code=abc&state=not-the-state")
    assert replay.status_code == 302
    denied = client.get("/settings/publishing/youtube/callback?error=access_denied&state=x")
    assert denied.status_code == 302
    assert db.session.scalar(select(PublishTarget)) is None
    assert "stale" in client.get("/settings").get_data(as_text=True)


def test_targets_belong_to_their_workspace(creator, client):
    connect(creator["client"], "youtube")
    other = make_user()
    assert client.get("/api/v1/publish-targets", headers=auth(make_token(other))).get_json() == []
    target_id = db.session.scalar(select(PublishTarget.id))
    client.get("/logout")
    login(client, other)
    assert client.post(f"/settings/publishing/targets/{target_id}/disconnect").status_code == 404


def test_disconnect_revokes_the_grant_and_forgets_the_tokens(creator, google):
    client = creator["client"]
    connect(client, "youtube")
    target = db.session.scalar(select(PublishTarget))
    refresh = google.grants[0].refresh
    assert client.post(f"/settings/publishing/targets/{target.id}/disconnect").status_code == 302
    assert google.revoked_tokens == [refresh] and google.grants[0].revoked
    db.session.refresh(target)
    assert (
        target.status == "revoked" and target.access_token is None and target.refresh_token is None
    )
    assert client.get("/api/v1/publish-targets", headers=creator["headers"]).get_json() == []


def test_unconfigured_platforms_cannot_be_connected(creator, app):
    app.config["TIKTOK_CLIENT_KEY"] = ""
    answer = creator["client"].get("/settings/publishing/tiktok/connect")
    assert answer.status_code == 302 and "/settings" in answer.location
    page = creator["client"].get("/settings").get_data(as_text=True)
    assert "TikTok is not configured" in page


def test_base_urls_are_replaced_only_under_test_configuration(app):
    app.config["PUBLISH_BASE_URLS"] = {"youtube": {"oauth2": "http://127.0.0.1:9"}}
    assert youtube._oauth2() == "http://127.0.0.1:9"
    app.config["TESTING"] = False
    assert youtube._oauth2() == "https://oauth2.googleapis.com"
