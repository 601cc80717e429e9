"""`fluxnote doctor` (API.md): every part checked, one cheap authenticated call per
configured provider against a loopback server speaking each protocol, a one-screen table,
exit 1 when a configured part fails."""

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from fluxnote import site_path
from fluxnote.checks import Check, CheckFailed, run
from fluxnote.extensions import db
from tests.providers.conftest import FakeServer

KEYS = {
    "FAL_KEY": "fal-key",
    "REPLICATE_API_TOKEN": "r8-key",
    "OPENAI_API_KEY": "sk-key",
    "RUNWAYML_API_SECRET": "rw-key",
    "ELEVENLABS_API_KEY": "el-key",
}
USER = {
    "user_id": "u1",
    "workspace_id": "w1",
    "subscription": {"tier": "creator", "character_count": 1200, "character_limit": 100000},
    "is_new_user": False,
    "can_use_delayed_payment_methods": False,
    "is_onboarding_completed": True,
    "is_onboarding_checklist_completed": True,
}


@pytest.fixture
def providers():
    server = FakeServer()
    server.start()
    server.on(
        "POST",
        "/storage/auth/token",
        json_body={
            "token": "t",
            "token_type": "Bearer",
            "base_url": "https://v3.fal.media",
            "expires_at": "2026-12-02T10:00:00+00:00",
        },
    )
    server.on(
        "GET",
        "/v1/account",
        json_body={"type": "organization", "username": "fluxnote", "name": "FluxNote"},
    )
    server.on(
        "GET",
        "/v1/models",
        json_body={
            "object": "list",
            "data": [{"id": "gpt-image-2", "object": "model", "created": 1, "owned_by": "openai"}],
        },
    )
    server.on(
        "GET",
        "/v1/organization",
        json_body={
            "creditBalance": 4200,
            "tier": {"maxMonthlyCreditSpend": 10000, "models": {}},
            "usage": {"models": {}},
        },
    )
    server.on("GET", "/v1/user", json_body=USER)
    server.on("GET", "/v1/search", json_body={"photos": [], "total_results": 0})
    server.on("GET", "/pixabay/", json_body={"hits": [], "total": 0, "totalHits": 0})
    yield server
    server.stop()


@pytest.fixture
def migrated(app):
    """The schema stamped at the migrations' head(s), as `fluxnote db upgrade` leaves it."""
    heads = sorted(ScriptDirectory(str(site_path("migrations"))).get_heads())
    db.session.execute(text("create table alembic_version (version_num varchar(32) primary key)"))
    for head in heads:
        db.session.execute(text("insert into alembic_version values (:v)"), {"v": head})
    db.session.commit()
    yield ", ".join(heads)
    db.session.execute(text("drop table alembic_version"))
    db.session.commit()


def configure(app, server, **keys):
    stock = {name: keys.pop(name, "") for name in ("PEXELS_API_KEY", "PIXABAY_API_KEY")}
    app.config.update(
        STOCK={
            **stock,
            "PEXELS_BASE_URL": server.url,
            "PIXABAY_BASE_URL": f"{server.url}/pixabay",
        },
        PROVIDER_KEYS={**dict.fromkeys(KEYS, ""), **keys},
        PROVIDER_SETTINGS={
            **app.config["PROVIDER_SETTINGS"],
            "FAL_REST_URL": server.url,
            "REPLICATE_BASE_URL": server.url,
            "RUNWAY_BASE_URL": server.url,
        },
        OPENAI_BASE_URL=f"{server.url}/v1",
        ELEVENLABS_BASE_URL=server.url,
    )


def rows(output: str) -> dict[str, list[str]]:
    lines = output.splitlines()[1:-1]
    return {line[:14].strip(): line[14:].split() for line in lines}


def test_everything_configured_and_working_exits_0(app, runner, providers, migrated):
    configure(app, providers, **KEYS, PEXELS_API_KEY="px-key", PIXABAY_API_KEY="pb-key")
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    table = rows(result.output)
    expected = {
        "database",
        "redis",
        "storage",
        "ffmpeg",
        "fonts",
        "offline voice",
        "elevenlabs",
        "fal",
        "replicate",
        "openai",
        "runway",
        "pexels",
        "pixabay",
    }
    assert set(table) == expected
    assert all(cells[0] == "ok" for cells in table.values()), result.output
    assert f"schema at head {migrated}" in result.output
    assert "account fluxnote" in result.output and "4200 credits" in result.output
    assert "gpt-image-2 listed" in result.output and "98800 of 100000 characters" in result.output
    assert result.output.splitlines()[-1] == "13 working, 0 failing, 0 not configured."
    # one authenticated call each, with each provider's own credentials
    auth = {
        s.path: s.headers.get("authorization")
        or s.headers.get("xi-api-key")
        or s.query.get("key", [None])[0]
        for s in providers.seen
    }
    assert auth == {
        "/storage/auth/token": "Key fal-key",
        "/v1/account": "Bearer r8-key",
        "/v1/models": "Bearer sk-key",
        "/v1/organization": "Bearer rw-key",
        "/v1/user": "el-key",
        "/v1/search": "px-key",
        "/pixabay/": "pb-key",
    }
    assert len(providers.seen) == 7


def test_unconfigured_providers_are_off_with_the_variable_to_set(app, runner, providers, migrated):
    configure(app, providers)
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 0, result.output
    table = rows(result.output)
    assert table["fal"] == ["off", "set", "FAL_KEY"]
    assert table["elevenlabs"] == ["off", "set", "ELEVENLABS_API_KEY"]
    assert providers.seen == []
    assert table["pexels"] == ["off", "set", "PEXELS_API_KEY"]
    assert "7 not configured" in result.output.splitlines()[-1]


def test_a_refused_key_and_an_old_schema_fail_the_doctor(app, runner, providers):
    providers.on("GET", "/v1/organization", status=401, json_body={"error": "bad key"})
    configure(app, providers, RUNWAYML_API_SECRET="rw-wrong")
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    table = rows(result.output)
    assert table["runway"][0] == "fail" and "401" in " ".join(table["runway"])
    assert table["database"][0] == "fail" and "fluxnote db upgrade" in result.output
    assert result.output.splitlines()[-1].endswith("Failing: database, runway.")


def test_an_unreachable_provider_fails_within_the_timeout(app, runner, providers, migrated):
    configure(app, providers, FAL_KEY="fal-key")
    app.config["PROVIDER_SETTINGS"]["FAL_REST_URL"] = "http://127.0.0.1:9"
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    assert rows(result.output)["fal"][0] == "fail"


def test_a_crashing_check_is_reported_not_raised():
    def boom():
        raise ZeroDivisionError("division by zero")

    def refused():
        raise CheckFailed("no")

    assert run(Check("x", boom)).detail == "ZeroDivisionError: division by zero"
    assert run(Check("x", refused)).state == "fail"
    assert run(Check("x", None, "set X")).state == "off"
    assert run(Check("x", lambda: "fine")).state == "ok"
