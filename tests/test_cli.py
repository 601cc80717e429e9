"""`fluxnote users create` and `fluxnote tokens create` (API.md)."""

from sqlalchemy import select

from fluxnote.accounts.models import User, Workspace
from fluxnote.extensions import db
from tests.conftest import auth, make_user


def test_users_create_makes_a_user_with_a_personal_workspace(runner, client):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Cli@Example.com",
            "--password",
            "secret-pw-1",
            "--plan",
            "pro",
            "--admin",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "cli@example.com"))
    assert user.is_admin
    assert db.session.get(Workspace, user.current_workspace_id).plan == "pro"
    r = client.post("/login", data={"email": "cli@example.com", "password": "secret-pw-1"})
    assert r.headers["Location"] == "/"


def test_users_create_refuses_a_taken_email(runner):
    make_user("taken@example.com")
    result = runner.invoke(args=["users", "create", "taken@example.com", "--password", "x" * 10])
    assert result.exit_code == 1
    assert "An account with this email already exists." in result.output


def test_users_create_refuses_an_unknown_plan(runner):
    result = runner.invoke(
        args=["users", "create", "a@example.com", "--password", "x" * 10, "--plan", "gold"]
    )
    assert result.exit_code == 2
    assert db.session.scalar(select(User)) is None


def test_tokens_create_prints_a_working_token_as_the_last_line(runner, client):
    make_user("dev@example.com", plan="rise")
    result = runner.invoke(args=["tokens", "create", "dev@example.com", "--name", "laptop"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    body = client.get("/api/v1/credits", headers=auth(token)).json
    assert body["plan"] == "rise" and body["video"]["allowance"] == 21


def test_tokens_create_for_unknown_user_fails(runner):
    result = runner.invoke(args=["tokens", "create", "ghost@example.com"])
    assert result.exit_code == 1 and "No user ghost@example.com" in result.output
