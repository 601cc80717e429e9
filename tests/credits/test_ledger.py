"""The ledger rules: reserve, capture, release, adjust, idempotency and members."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from fluxnote.credits import services as credits
from fluxnote.credits.models import AppendOnlyError, CreditHold
from fluxnote.extensions import db
from tests.credits.conftest import (
    add_member,
    balance,
    check_invariants,
    entries,
    holds_in,
    new_workspace,
)

T0 = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)  # billing day 15: cycle Jan 15 - Feb 15


def reserve_one(ws: int, user: int, ref: str, kind: str = "image") -> CreditHold:
    hold = credits.reserve(ws, kind, ref, user, now=T0)[0]
    db.session.commit()
    return hold


def test_reserve_debits_at_once_and_records_who(any_db_app):
    ws, owner = new_workspace(T0)
    member = add_member(ws)
    hold = reserve_one(ws, member, "gen-1")
    bal = balance(ws, "image")
    assert (bal.allowance, bal.used, bal.reserved, bal.remaining) == (100, 0, 1, 99)
    assert (hold.state, hold.ref, hold.user_id) == ("held", "gen-1", member)
    [entry] = entries(ws, entry_type="reserve")
    assert (entry.delta, entry.hold_id, entry.user_id) == (-1, hold.id, member)
    assert entry.idempotency_key == f"reserve:{hold.id}"
    assert credits.snapshot(ws, now=T0)["image"]["remaining"] == 99
    check_invariants(ws)


def test_capture_resolves_a_hold_once(any_db_app):
    ws, owner = new_workspace(T0)
    hold = reserve_one(ws, owner, "gen-1")
    assert credits.capture(hold.id, now=T0) is True
    db.session.commit()
    written = len(entries(ws))
    assert credits.capture(hold.id, now=T0) is False
    assert credits.release(hold.id, now=T0) is False
    db.session.commit()
    bal = balance(ws, "image")
    assert (bal.used, bal.reserved, bal.remaining) == (1, 0, 99)
    assert len(entries(ws)) == written
    assert db.session.get(CreditHold, hold.id).state == "captured"
    check_invariants(ws)


def test_release_gives_the_credit_back_once(any_db_app):
    ws, owner = new_workspace(T0)
    hold = reserve_one(ws, owner, "gen-1")
    assert credits.release(hold.id, reason="provider failed", now=T0) is True
    db.session.commit()
    written = len(entries(ws))
    assert credits.release(hold.id, now=T0) is False
    assert credits.capture(hold.id, now=T0) is False
    db.session.commit()
    bal = balance(ws, "image")
    assert (bal.used, bal.reserved, bal.remaining) == (0, 0, 100)
    [entry] = entries(ws, entry_type="release")
    assert (entry.delta, entry.reason, entry.user_id) == (1, "provider failed", owner)
    assert len(entries(ws)) == written
    check_invariants(ws)


def test_unknown_hold_is_not_resolved(any_db_app):
    ws, _ = new_workspace(T0)
    assert credits.capture(12345) is False
    assert credits.release(12345) is False
    assert len(entries(ws)) == 2


def test_out_of_credits_raises_and_writes_nothing(any_db_app):
    ws, owner = new_workspace(T0)
    reserve_one(ws, owner, "video-1", kind="video")
    written = len(entries(ws))
    with pytest.raises(credits.InsufficientCredits) as exc:
        credits.reserve(ws, "video", "video-2", owner, now=T0)
    db.session.rollback()
    assert (exc.value.kind, exc.value.remaining) == ("video", 0)
    assert exc.value.resets_at == datetime(2026, 2, 15, tzinfo=UTC)
    assert len(entries(ws)) == written
    assert len(holds_in(ws, "video")) == 1
    assert balance(ws, "video").remaining == 0
    check_invariants(ws)


def test_variations_reserve_all_or_nothing(any_db_app):
    ws, owner = new_workspace(T0)
    credits.adjust(ws, "image", -97, "admin:shrink", owner, now=T0)
    db.session.commit()
    with pytest.raises(credits.InsufficientCredits):
        credits.reserve(ws, "image", "batch", owner, count=4, now=T0)
    db.session.rollback()
    assert balance(ws, "image").remaining == 3
    assert holds_in(ws, "image") == []
    holds = credits.reserve(ws, "image", "batch", owner, count=3, now=T0)
    db.session.commit()
    assert [h.ref for h in holds] == ["batch:0", "batch:1", "batch:2"]
    assert len(entries(ws, entry_type="reserve")) == 3
    assert balance(ws, "image").remaining == 0
    check_invariants(ws)


def test_a_ref_reserves_only_once(any_db_app):
    ws, owner = new_workspace(T0)
    reserve_one(ws, owner, "gen-1")
    with pytest.raises(IntegrityError):
        credits.reserve(ws, "image", "gen-1", owner, now=T0)
    db.session.rollback()
    assert balance(ws, "image").remaining == 99
    check_invariants(ws)


def test_every_entry_has_a_unique_key_and_its_member(any_db_app):
    ws, owner = new_workspace(T0)
    member = add_member(ws)
    first, second, third = (reserve_one(ws, member, ref) for ref in "abc")
    credits.capture(first.id, now=T0)  # by default, the member who reserved it
    credits.capture(third.id, user_id=owner, now=T0)
    credits.release(second.id, user_id=owner, now=T0)
    credits.adjust(ws, "video", 5, "admin:gift", owner, now=T0)
    db.session.commit()
    rows = entries(ws)
    assert len({e.idempotency_key for e in rows}) == len(rows) == 9
    assert [(e.entry_type, e.user_id) for e in rows] == [
        ("grant", owner),
        ("grant", owner),
        ("reserve", member),
        ("reserve", member),
        ("reserve", member),
        ("capture", member),
        ("capture", owner),
        ("release", owner),
        ("adjust", owner),
    ]
    with pytest.raises(IntegrityError):
        credits.adjust(ws, "video", 1, "admin:gift", owner, now=T0)
    db.session.rollback()
    assert balance(ws, "video").remaining == 6


def test_adjust_cannot_make_remaining_negative(any_db_app):
    ws, owner = new_workspace(T0)
    reserve_one(ws, owner, "v", kind="video")
    with pytest.raises(credits.CreditError):
        credits.adjust(ws, "video", -1, "admin:take", owner, now=T0)
    db.session.rollback()
    bal = balance(ws, "video")
    assert (bal.allowance, bal.remaining) == (1, 0)
    assert entries(ws, entry_type="adjust") == []
    check_invariants(ws)


@pytest.mark.parametrize("remaining", ["-1", "allowance + 1"])
def test_database_refuses_remaining_outside_zero_to_allowance(any_db_app, remaining):
    ws, _ = new_workspace(T0)
    with pytest.raises(IntegrityError):
        db.session.execute(
            text(f"UPDATE credit_balances SET remaining = {remaining} WHERE workspace_id = :ws"),
            {"ws": ws},
        )
    db.session.rollback()
    assert balance(ws, "video").remaining == 1


def test_entries_cannot_be_rewritten_through_the_orm(any_db_app):
    ws, _ = new_workspace(T0)
    grant = entries(ws, kind="video")[0]
    grant.delta = 1000
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(entries(ws, kind="video")[0])
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    assert [e.delta for e in entries(ws, kind="video")] == [1]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET delta = 1000 WHERE workspace_id = :ws",
        "DELETE FROM ledger_entries WHERE workspace_id = :ws",
    ],
)
def test_the_database_refuses_to_rewrite_entries(any_db_app, statement):
    ws, _ = new_workspace(T0)
    with pytest.raises(IntegrityError, match="append-only"):
        db.session.execute(text(statement), {"ws": ws})
    db.session.rollback()
    assert [e.delta for e in entries(ws, kind="video")] == [1]
    check_invariants(ws)


def test_postgresql_refuses_to_truncate_the_ledger(pg_app):
    new_workspace(T0)
    with pytest.raises(IntegrityError, match="append-only"):
        db.session.execute(text("TRUNCATE ledger_entries CASCADE"))
    db.session.rollback()
