"""The `fluxnote` command: a Flask CLI group bound to the app factory."""

import os
import shutil
import signal
import subprocess
import sys
import time

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from fluxnote.plans import all_plans
from fluxnote.tasks import QUEUES, run_worker


def _create_app(*_args) -> Flask:
    from fluxnote import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main():
    """FluxNote: a self-hostable AI short-video studio."""


def init_app(app: Flask) -> None:
    app.cli.add_command(users)
    app.cli.add_command(tokens)
    app.cli.add_command(worker)
    app.cli.add_command(serve)
    app.cli.add_command(clock)
    app.cli.add_command(doctor)
    from fluxnote.videos.cli import make

    app.cli.add_command(make)


@click.group()
def users():
    """Manage users."""


@users.command("create")
@click.argument("email")
@click.option("--password", required=True)
@click.option("--plan", type=click.Choice([p.id for p in all_plans()]), default="free")
@click.option("--admin", is_flag=True)
@with_appcontext
def users_create(email: str, password: str, plan: str, admin: bool):
    """Create a user and their personal workspace."""
    from fluxnote.accounts.services import AccountError, create_user
    from fluxnote.extensions import db

    try:
        user = create_user(email, password, plan=plan, admin=admin)
        db.session.commit()
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.email} (workspace {user.current_workspace_id}, plan {plan})")


@click.group()
def tokens():
    """Manage API tokens."""


@tokens.command("create")
@click.argument("email")
@click.option("--name", default="cli")
@with_appcontext
def tokens_create(email: str, name: str):
    """Print a new API token for EMAIL's current workspace as the last line."""
    from sqlalchemy import select

    from fluxnote.accounts.models import User
    from fluxnote.accounts.services import create_token
    from fluxnote.extensions import db

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if not user:
        raise click.ClickException(f"No user {email}")
    token = create_token(user, name)
    db.session.commit()
    click.echo(f"Token for {user.email} in workspace {user.current_workspace_id}:")
    click.echo(token)


@click.command()
@click.option(
    "--queues", default="priority,default,render", help="Comma-separated, drained in order."
)
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
def worker(queues: str, burst: bool):
    """Run one RQ worker with an app context."""
    names = [q.strip() for q in queues.split(",") if q.strip()]
    unknown = set(names) - set(QUEUES)
    if unknown:
        raise click.BadParameter(f"unknown queue(s): {', '.join(sorted(unknown))}")
    run_worker(current_app._get_current_object(), names, burst=burst)


@click.command()
@click.option("--interval", default=30.0, help="Seconds between sweeps.")
@with_appcontext
def clock(interval: float):
    """Run periodic jobs (credit refresh, sweeper) forever."""
    from fluxnote.periodic import run_forever

    run_forever(interval)


@click.command()
@click.option("--port", default=5000)
@click.option("--host", default="127.0.0.1")
@click.option("--workers", "n_workers", default=2, help="RQ worker processes to start.")
@click.option(
    "--clock/--no-clock",
    "with_clock",
    default=True,
    help="Also run the clock (--no-clock on every web host but one, or with a separate clock).",
)
@with_appcontext
def serve(port: int, host: str, n_workers: int, with_clock: bool):
    """The whole studio on one machine: migrate, web server, embedded Redis, workers, clock.
    With `--workers 0` this host serves the web (and the clock) only; workers run
    elsewhere as `fluxnote worker`."""
    from flask_migrate import upgrade

    app = current_app._get_current_object()
    upgrade(directory=app.extensions["migrate"].directory)
    env = dict(
        os.environ, REDIS_URL=app.config["REDIS_URL"], FLUXNOTE_DATA_DIR=app.config["DATA_DIR"]
    )
    exe = [sys.executable, "-m", "fluxnote.cli"]
    children = [subprocess.Popen(exe + ["worker"], env=env) for _ in range(n_workers)]
    if with_clock:
        children.append(subprocess.Popen(exe + ["clock"], env=env))
    children.append(
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"{host}:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "fluxnote:create_app()",
            ],
            env=env,
        )
    )
    click.echo(f"FluxNote is up on http://{host}:{port}  (Ctrl-C to stop)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the children on SIGTERM too
    try:
        while all(c.poll() is None for c in children):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=20)


if __name__ == "__main__":
    main()


STATE_STYLE = {"ok": "green", "fail": "red", "off": "yellow"}


def doctor_checks() -> list:
    """Every domain's checks, in the order the doctor prints them."""
    from fluxnote.media import checks as media
    from fluxnote.ops import checks as ops
    from fluxnote.providers import checks as providers
    from fluxnote.stock import checks as stock
    from fluxnote.storage import checks as storage
    from fluxnote.voice import checks as voice

    domains = (ops, storage, media, voice, providers, stock)
    return [check for domain in domains for check in domain.checks()]


@click.command()
@with_appcontext
def doctor():
    """Check the database, Redis, storage, ffmpeg, fonts, voices and every configured
    provider (one cheap authenticated call each); exit 1 when a configured part fails."""
    from fluxnote.checks import run

    width = shutil.get_terminal_size((100, 24)).columns
    outcomes = []
    click.echo(f"{'part':<14} {'state':<5} {'time':>8}  detail")
    for check in doctor_checks():
        outcome = run(check)
        outcomes.append(outcome)
        took = f"{outcome.ms} ms" if outcome.ms is not None else ""
        detail = outcome.detail
        if outcome.state != "fail" and len(detail) > width - 32:
            detail = detail[: max(width - 33, 20)] + "…"
        state = click.style(f"{outcome.state:<5}", fg=STATE_STYLE[outcome.state], bold=True)
        click.echo(f"{outcome.name:<14} {state} {took:>8}  {detail}")
    failed = [o.name for o in outcomes if o.state == "fail"]
    off = sum(o.state == "off" for o in outcomes)
    working = len(outcomes) - len(failed) - off
    summary = f"{working} working, {len(failed)} failing, {off} not configured."
    if failed:
        click.echo(f"{summary} Failing: {', '.join(failed)}.")
        sys.exit(1)
    click.echo(summary)
