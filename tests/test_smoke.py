from tests.conftest import auth, make_token, make_user


def test_healthz(client):
    assert client.get("/healthz").json == {"status": "ok", "database": "ok", "redis": "ok"}


def test_credits_needs_token(client):
    r = client.get("/api/v1/credits")
    assert r.status_code == 401
    assert r.json["error"]["code"] == "unauthorized"


def test_credits_for_new_free_user(client):
    token = make_token(make_user(plan="free"))
    body = client.get("/api/v1/credits", headers=auth(token)).json
    assert body["plan"] == "free"
    assert body["video"] == {"allowance": 1, "used": 0, "reserved": 0, "remaining": 1}
    assert body["image"]["remaining"] == 100
