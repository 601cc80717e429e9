"""Rate limits (Flask-Limiter on the app's Redis): login, sign-up, token creation and
generation submits answer 429 — the error shape for the API, a page for the browser."""

import uuid

import pytest

from fluxnote.extensions import db, limiter_storage
from tests.conftest import auth, build_app, login, make_token, make_user


@pytest.fixture
def limited(tmp_path, redis_url):
    app = build_app(
        tmp_path,
        redis_url,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=limiter_storage(redis_url),
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _until_limited(send, at_most: int):
    for n in range(1, at_most + 1):
        response = send()
        if response.status_code == 429:
            return n, response
    raise AssertionError(f"no 429 after {at_most} requests")


def _assert_friendly_page(response):
    assert response.mimetype == "text/html" and int(response.headers["Retry-After"]) >= 1
    assert "Too many requests" in response.get_data(as_text=True)


def test_login_is_limited(limited):
    client = limited.test_client()
    n, response = _until_limited(
        lambda: client.post(
            "/login",  # a new email each time: the per-account throttle is tested elsewhere
            data={"email": f"x{uuid.uuid4().hex[:8]}@example.com", "password": "wrong-password"},
        ),
        40,
    )
    assert n == 21
    _assert_friendly_page(response)
    assert client.get("/login").status_code == 200  # only attempts are limited


def test_signup_is_limited(limited):
    client = limited.test_client()
    n, response = _until_limited(
        lambda: client.post("/signup", data={"email": "not-an-email", "password": "x"}), 20
    )
    assert n == 11
    _assert_friendly_page(response)


def test_token_creation_is_limited(limited):
    client = limited.test_client()
    login(client, make_user())
    n, response = _until_limited(lambda: client.post("/settings/tokens", data={"name": "t"}), 40)
    assert n == 31
    _assert_friendly_page(response)


def test_generation_submits_are_limited_with_the_error_shape(limited):
    client = limited.test_client()
    headers = auth(make_token(make_user()))
    n, response = _until_limited(
        lambda: client.post("/api/v1/generations", json={}, headers=headers), 200
    )
    assert n == 121
    assert response.json["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1
    other = auth(make_token(make_user()))
    assert (
        client.post("/api/v1/generations", json={}, headers=other).status_code == 422
    )  # per token


def test_limits_live_in_the_shared_redis(limited, redis_url):
    import redis

    client = limited.test_client()
    client.post("/login", data={"email": "x@example.com", "password": "wrong-password"})
    assert any(
        b"LIMIT" in key or b"limit" in key for key in redis.Redis.from_url(redis_url).keys("*")
    )
