"""`fluxnote db upgrade` builds the schema from empty, and the migration matches the models.

The upgrade runs in a subprocess through the real console script: Alembic's env.py
reconfigures logging, which must not leak into the other tests.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from fluxnote import create_app, site_path
from fluxnote.extensions import db


def fluxnote_cli(*args: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    script = Path(sys.executable).parent / "fluxnote"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "fluxnote.cli"]
    return subprocess.run(
        command + list(args),
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def upgrade_and_compare(tmp_path: Path, database_url: str, redis_url: str) -> None:
    result = fluxnote_cli(
        "db",
        "upgrade",
        env={
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "FLUXNOTE_DATA_DIR": str(tmp_path),
        },
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis_url,
            "DATA_DIR": str(tmp_path),
            "MEDIA_DIR": str(tmp_path / "media"),
            "SECRET_KEY": "test",
            "TESTING": True,
        }
    )
    with app.app_context():
        with db.engine.connect() as conn:
            assert {"users", "workspaces", "credit_balances", "ledger_entries"} <= set(
                inspect(conn).get_table_names()
            )
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
            assert diff == [], "models differ from the migration (regenerate it):\n" + describe(
                diff
            )
        db.engine.dispose()


def describe(diff: list) -> str:
    """One line per difference, naming the table/column/constraint instead of reprs."""
    lines = []
    for change in diff:
        change = change[0] if isinstance(change, list) else change
        subject = getattr(change[1], "name", None) or change[2:4]
        lines.append(f"  {change[0]} {subject}")
    return "\n".join(lines)


def test_exactly_one_head():
    config = Config(str(site_path("migrations") / "alembic.ini"))
    config.set_main_option("script_location", str(site_path("migrations")))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_upgrade_from_empty_on_sqlite(tmp_path, redis_url):
    upgrade_and_compare(tmp_path, f"sqlite:///{tmp_path / 'fresh.db'}", redis_url)


@pytest.fixture
def empty_pg(pg_url):
    """The test PostgreSQL database with an empty public schema, emptied again afterwards."""
    engine = create_engine(pg_url, isolation_level="AUTOCOMMIT")

    def wipe():
        with engine.connect() as conn:
            conn.execute(
                text("SET lock_timeout = '20s'")
            )  # fail clearly if a test leaked a transaction
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))

    wipe()
    yield pg_url
    wipe()
    engine.dispose()


def test_upgrade_from_empty_on_postgresql(tmp_path, redis_url, empty_pg):
    upgrade_and_compare(tmp_path, empty_pg, redis_url)
