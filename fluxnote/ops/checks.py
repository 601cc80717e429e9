"""Doctor checks for the two shared services: the database (reachable, schema at the
migrations' head) and Redis (answers PING)."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from fluxnote.checks import Check, CheckFailed
from fluxnote.extensions import db, redis_store


def checks() -> list[Check]:
    return [Check("database", database), Check("redis", redis)]


def database() -> str:
    """The server version and the schema revision; CheckFailed when unreachable or when the
    schema is not at the migrations' head (run `fluxnote db upgrade`)."""
    dialect = db.engine.dialect.name
    query = "select sqlite_version()" if dialect == "sqlite" else "show server_version"
    try:
        with db.engine.connect() as conn:
            version = str(conn.execute(text(query)).scalar()).split()[0]
            revisions = _revisions(conn)
    except SQLAlchemyError as exc:
        raise CheckFailed(f"{dialect} unreachable: {exc.__class__.__name__}: {exc}"[:200]) from exc
    heads = set(ScriptDirectory(current_app.extensions["migrate"].directory).get_heads())
    if revisions != heads:
        have = ", ".join(sorted(revisions)) or "none"
        raise CheckFailed(
            f"{dialect} {version}: schema at {have}, code expects {', '.join(sorted(heads))}; "
            "run `fluxnote db upgrade`"
        )
    return f"{dialect} {version}, schema at head {', '.join(sorted(heads))}"


def _revisions(conn) -> set[str]:
    try:
        return set(conn.execute(text("select version_num from alembic_version")).scalars())
    except SQLAlchemyError:
        conn.rollback()
        return set()


def redis() -> str:
    """Redis answers PING (CheckFailed otherwise)."""
    import redis as redis_lib

    try:
        redis_store.conn.ping()
        info = redis_store.conn.info("server")
    except redis_lib.RedisError as exc:
        raise CheckFailed(f"unreachable: {exc}"[:200]) from exc
    return f"redis {info.get('redis_version', '?')}, PING answered"
