"""GET /healthz and GET /api/v1/credits exactly as API.md describes them."""

from datetime import datetime

import redis

from fluxnote.credits import services as credits
from fluxnote.credits.cycles import cycle_containing
from fluxnote.extensions import db, redis_store
from tests.conftest import auth, make_token, make_user


def test_healthz_is_ok_without_auth(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json == {"status": "ok", "database": "ok", "redis": "ok"}


def test_healthz_reports_a_dead_redis_with_503(client, monkeypatch):
    monkeypatch.setattr(
        redis_store, "conn", redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    )
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json == {"status": "error", "database": "ok", "redis": "error"}


def test_credits_has_exactly_the_documented_shape(client):
    user = make_user(plan="rise")
    token = make_token(user)
    hold = credits.reserve(user.current_workspace_id, "video", "g1", user.id)[0]
    credits.capture(credits.reserve(user.current_workspace_id, "image", "i1", user.id)[0].id)
    db.session.commit()
    body = client.get("/api/v1/credits", headers=auth(token)).json
    assert set(body) == {"plan", "workspace_id", "cycle", "video", "image"}
    assert body["plan"] == "rise" and body["workspace_id"] == user.current_workspace_id
    assert body["video"] == {"allowance": 21, "used": 0, "reserved": 1, "remaining": 20}
    assert body["image"] == {"allowance": 1000, "used": 1, "reserved": 0, "remaining": 999}
    start = datetime.fromisoformat(body["cycle"]["start"])
    resets_at = datetime.fromisoformat(body["cycle"]["resets_at"])
    assert set(body["cycle"]) == {"start", "resets_at"}
    assert start.utcoffset().total_seconds() == 0
    assert (start, resets_at) == cycle_containing(start, start.day)
    credits.release(hold.id)
    db.session.commit()
    assert client.get("/api/v1/credits", headers=auth(token)).json["video"]["remaining"] == 21


def test_credits_is_documented_in_openapi(client):
    spec = client.get("/api/v1/openapi.json").json
    op = spec["paths"]["/api/v1/credits"]["get"]
    assert {"200", "401"} <= set(op["responses"])
