"""API tokens: created and revoked in /settings, stored hashed, and the 401 answer."""

import re

from sqlalchemy import select, text

from fluxnote.accounts.models import ApiToken
from fluxnote.extensions import db
from tests.conftest import auth, login, make_token, make_user


def create_in_settings(client, name="zapier") -> str:
    r = client.post("/settings/tokens", data={"name": name})
    assert r.status_code == 201
    return re.search(r"data-new-token>(fn_[\w-]+)<", r.data.decode()).group(1)


def test_token_created_in_settings_is_shown_once_and_stored_hashed(client):
    user = make_user()
    login(client, user)
    token = create_in_settings(client)
    assert client.get("/api/v1/credits", headers=auth(token)).status_code == 200
    rows = db.session.execute(text("SELECT * FROM api_tokens")).all()
    assert len(rows) == 1
    assert all(token not in str(value) for value in rows[0])
    settings = client.get("/settings").data.decode()
    assert "zapier" in settings and token not in settings
    assert f"<code>{token[:10]}…</code>" in settings


def test_revoked_token_gets_401_and_leaves_the_list(client):
    login(client, make_user())
    token = create_in_settings(client, "ci")
    assert "<td>ci</td>" in client.get("/settings").data.decode()
    token_id = db.session.scalar(select(ApiToken.id))
    r = client.post(f"/settings/tokens/{token_id}/revoke")
    assert r.status_code == 302
    r = client.get("/api/v1/credits", headers=auth(token))
    assert r.status_code == 401
    assert r.json == {"error": {"code": "unauthorized", "message": r.json["error"]["message"]}}
    assert "<td>ci</td>" not in client.get("/settings").data.decode()


def test_overlong_token_name_is_refused(client):
    login(client, make_user())
    r = client.post("/settings/tokens", data={"name": "x" * 81})
    assert r.status_code == 422 and b"Keep the name under 80 characters." in r.data
    assert db.session.scalar(select(ApiToken.id)) is None


def test_cannot_revoke_someone_elses_token(client):
    other = make_user()
    other_token = make_token(other)
    token_id = db.session.scalar(select(ApiToken.id))
    login(client, make_user())
    assert client.post(f"/settings/tokens/{token_id}/revoke").status_code == 404
    assert client.get("/api/v1/credits", headers=auth(other_token)).status_code == 200


def test_401_shape_for_missing_malformed_and_unknown_tokens(client):
    for headers in (
        {},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer"},
        auth("fn_not-a-real-token"),
    ):
        r = client.get("/api/v1/credits", headers=headers)
        assert r.status_code == 401 and r.is_json
        assert set(r.json) == {"error"}
        assert r.json["error"]["code"] == "unauthorized"
        assert "Bearer" in r.json["error"]["message"]


def test_a_token_s_last_use_is_stamped_after_the_request_at_most_once_a_minute(client):
    from datetime import timedelta

    from fluxnote.accounts.services import touch_token
    from fluxnote.sqltypes import utcnow

    token = make_token(make_user())

    def last_used():
        return db.session.scalar(
            select(ApiToken.last_used_at).execution_options(populate_existing=True)
        )

    assert last_used() is None
    assert client.get("/api/v1/credits", headers=auth(token)).status_code == 200
    first = last_used()
    assert first is not None and abs((utcnow() - first).total_seconds()) < 30
    assert client.get("/api/v1/credits", headers=auth(token)).status_code == 200
    assert last_used() == first  # within the minute: not written again
    token_id = db.session.scalar(select(ApiToken.id))
    touch_token(token_id, first + timedelta(seconds=61))
    assert last_used() == first + timedelta(seconds=61)
