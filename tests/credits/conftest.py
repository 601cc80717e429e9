"""Ledger test helpers: workspaces opened at a chosen moment, and the invariant check."""

import uuid
from datetime import datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from fluxnote.accounts.models import Membership, User, Workspace
from fluxnote.credits import services as credits
from fluxnote.credits.models import CreditHold, LedgerEntry
from fluxnote.extensions import db
from fluxnote.plans import KINDS
from tests.conftest import build_app


def new_workspace(
    now: datetime, plan: str = "free", billing_day: int | None = None
) -> tuple[int, int]:
    """A committed owner and workspace whose ledger was opened at `now`: (workspace_id, user_id)."""
    user = User(email=f"o{uuid.uuid4().hex[:10]}@example.com", password_hash="-")
    db.session.add(user)
    db.session.flush()
    ws = Workspace(
        name="ws", plan=plan, billing_day=billing_day or now.day, owner_id=user.id, created_at=now
    )
    db.session.add(ws)
    db.session.flush()
    db.session.add(Membership(workspace_id=ws.id, user_id=user.id, role="owner"))
    credits.open_account(ws.id, user.id, now)
    db.session.commit()
    return ws.id, user.id


def add_member(workspace_id: int) -> int:
    user = User(email=f"m{uuid.uuid4().hex[:10]}@example.com", password_hash="-")
    db.session.add(user)
    db.session.flush()
    db.session.add(Membership(workspace_id=workspace_id, user_id=user.id, role="member"))
    db.session.commit()
    return user.id


def balance(workspace_id: int, kind: str) -> SimpleNamespace:
    """One kind's balance as `credits.balances` counts it, read fresh; `this_cycle` is
    `reserved` without the carried holds."""
    db.session.expire_all()
    bal = credits.balances(workspace_id)[kind]
    return SimpleNamespace(
        **bal, cycle_end=bal["resets_at"], this_cycle=bal["reserved"] - bal["carried"]
    )


def entries(workspace_id: int, **where) -> list[LedgerEntry]:
    query = select(LedgerEntry).where(LedgerEntry.workspace_id == workspace_id).filter_by(**where)
    return db.session.scalars(query.order_by(LedgerEntry.id)).all()


def holds_in(workspace_id: int, kind: str, state: str = "held") -> list[CreditHold]:
    return db.session.scalars(
        select(CreditHold)
        .where(
            CreditHold.workspace_id == workspace_id,
            CreditHold.kind == kind,
            CreditHold.state == state,
        )
        .execution_options(populate_existing=True)
    ).all()


def check_invariants(workspace_id: int) -> None:
    """Every ledger invariant of both balances, read fresh from the database."""
    for kind in KINDS:
        bal = balance(workspace_id, kind)
        held = holds_in(workspace_id, kind)
        assert bal.remaining >= 0
        assert credits.ledger_sum(workspace_id, kind) == bal.remaining
        assert bal.this_cycle == sum(h.cycle_start == bal.cycle_start for h in held)
        assert bal.carried == sum(h.cycle_start < bal.cycle_start for h in held)
        assert bal.allowance - bal.remaining == consumed_in_cycle(
            workspace_id, kind, bal.cycle_start
        )
        assert bal.used >= 0
    resolutions = db.session.execute(
        select(LedgerEntry.hold_id, func.count())
        .where(
            LedgerEntry.workspace_id == workspace_id,
            LedgerEntry.entry_type.in_(("capture", "release", "release_expired")),
        )
        .group_by(LedgerEntry.hold_id)
    ).all()
    assert all(n == 1 for _, n in resolutions)
    resolved = db.session.scalar(
        select(func.count())
        .select_from(CreditHold)
        .where(CreditHold.workspace_id == workspace_id, CreditHold.state != "held")
    )
    assert resolved == len(resolutions)


def consumed_in_cycle(workspace_id: int, kind: str, cycle_start: datetime) -> int:
    """Holds of the cycle that are held or captured: what `allowance - remaining` counts."""
    return db.session.scalar(
        select(func.count())
        .select_from(CreditHold)
        .where(
            CreditHold.workspace_id == workspace_id,
            CreditHold.kind == kind,
            CreditHold.cycle_start == cycle_start,
            CreditHold.state != "released",
        )
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_app(request, tmp_path, redis_url):
    """An app on a SQLite file database or the real PostgreSQL, with a connection pool
    big enough for 20 threads to hold a connection each at the same time."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    app = build_app(
        tmp_path, redis_url, url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 24, "max_overflow": 0}
    )
    with app.app_context():
        yield app
        db.session.remove()
        if url:
            db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _self_service_plans(monkeypatch):
    """Plan changes here exercise the ledger, as an owner allowed to change plans would."""
    from fluxnote.billing import services as billing

    monkeypatch.setattr(billing, "self_service_plans", lambda: True)
