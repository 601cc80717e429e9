"""Monthly refresh: billing day with month-end clamp, idempotent per cycle, lazy and periodic,
plan changes at the right moment, and holds that span a refresh."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from fluxnote.accounts.models import Workspace
from fluxnote.billing.services import change_plan
from fluxnote.credits import services as credits
from fluxnote.credits.cycles import cycle_containing
from fluxnote.extensions import db
from fluxnote.periodic import PERIODIC
from fluxnote.sqltypes import utcnow
from tests.conftest import make_user
from tests.credits.conftest import balance, check_invariants, entries, new_workspace


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


T0 = utc(2026, 1, 15, 12)  # billing day 15: cycle Jan 15 - Feb 15
REFRESH = utc(2026, 2, 15)


def spend(ws: int, user: int, kind: str, n: int, now: datetime, capture: bool = True) -> list[int]:
    holds = credits.reserve(ws, kind, f"{kind}-{now:%m%d%H%M%S}", user, count=n, now=now)
    if capture:
        for hold in holds:
            credits.capture(hold.id, now=now)
    db.session.commit()
    return [h.id for h in holds]


@pytest.mark.parametrize(
    "moment, billing_day, start, end",
    [
        (utc(2026, 1, 31, 9), 31, utc(2026, 1, 31), utc(2026, 2, 28)),
        (utc(2026, 2, 28, 0), 31, utc(2026, 2, 28), utc(2026, 3, 31)),
        (utc(2026, 3, 30, 23), 31, utc(2026, 2, 28), utc(2026, 3, 31)),
        (utc(2028, 2, 29, 5), 30, utc(2028, 2, 29), utc(2028, 3, 30)),
        (utc(2028, 2, 28, 23), 31, utc(2028, 1, 31), utc(2028, 2, 29)),
        (utc(2026, 12, 20), 15, utc(2026, 12, 15), utc(2027, 1, 15)),
        (utc(2027, 1, 3), 15, utc(2026, 12, 15), utc(2027, 1, 15)),
        (
            datetime(2026, 3, 1, 1, tzinfo=timezone(timedelta(hours=3))),
            1,
            utc(2026, 2, 1),
            utc(2026, 3, 1),
        ),
    ],
)
def test_cycles_start_on_the_billing_day_clamped_to_month_end(moment, billing_day, start, end):
    assert cycle_containing(moment, billing_day) == (start, end)


def test_refresh_on_the_billing_day_expires_unused_and_grants_in_full(any_db_app):
    ws, owner = new_workspace(T0)
    spend(ws, owner, "image", 30, T0)
    assert credits.snapshot(ws, now=REFRESH - timedelta(seconds=1))["image"]["remaining"] == 70
    snap = credits.snapshot(ws, now=REFRESH)["image"]
    assert (snap["allowance"], snap["used"], snap["reserved"], snap["remaining"]) == (
        100,
        0,
        0,
        100,
    )
    assert (snap["cycle_start"], snap["resets_at"]) == (REFRESH, utc(2026, 3, 15))
    assert entries(ws, kind="image", entry_type="expire") == []  # a read never writes
    assert credits.refresh_due(REFRESH) == 1  # the clock's job
    assert credits.snapshot(ws, now=REFRESH)["image"] == snap
    assert [e.delta for e in entries(ws, kind="image", entry_type="expire")] == [-70]
    assert [e.delta for e in entries(ws, kind="image", entry_type="grant")] == [100, 100]
    check_invariants(ws)


def test_refresh_twice_grants_once(any_db_app):
    ws, owner = new_workspace(T0)
    assert credits.refresh(ws, REFRESH + timedelta(hours=1)) is True
    assert credits.refresh(ws, REFRESH + timedelta(hours=2)) is False
    db.session.commit()
    assert credits.refresh_due(REFRESH + timedelta(hours=3)) == 0
    assert len(entries(ws, kind="video", entry_type="grant", cycle_start=REFRESH)) == 1
    assert balance(ws, "video").remaining == 1
    check_invariants(ws)


def test_refresh_across_a_short_month(any_db_app):
    jan31 = utc(2026, 1, 31, 10)
    ws, owner = new_workspace(jan31, billing_day=31)
    spend(ws, owner, "video", 1, jan31)
    assert credits.snapshot(ws, now=utc(2026, 2, 27, 23, 59))["video"]["remaining"] == 0
    feb = credits.snapshot(ws, now=utc(2026, 2, 28, 0, 1))["video"]
    assert (feb["remaining"], feb["cycle_start"], feb["resets_at"]) == (
        1,
        utc(2026, 2, 28),
        utc(2026, 3, 31),
    )
    spend(ws, owner, "video", 1, utc(2026, 3, 1))
    assert credits.snapshot(ws, now=utc(2026, 3, 30, 23))["video"]["remaining"] == 0
    mar = credits.snapshot(ws, now=utc(2026, 3, 31, 0, 1))["video"]
    assert (mar["remaining"], mar["cycle_start"], mar["resets_at"]) == (
        1,
        utc(2026, 3, 31),
        utc(2026, 4, 30),
    )
    check_invariants(ws)


def test_reserve_after_the_cycle_ended_refreshes_lazily(any_db_app):
    ws, owner = new_workspace(T0)
    spend(ws, owner, "video", 1, T0)
    later = REFRESH + timedelta(days=3)
    [hold] = credits.reserve(ws, "video", "next-month", owner, now=later)
    db.session.commit()
    assert hold.cycle_start == REFRESH
    bal = balance(ws, "video")
    assert (bal.cycle_start, bal.reserved, bal.remaining) == (REFRESH, 1, 0)
    check_invariants(ws)


def test_a_workspace_nobody_touched_is_refreshed_by_the_periodic_job(any_db_app):
    quiet, owner = new_workspace(T0)
    other, _ = new_workspace(utc(2026, 1, 20), billing_day=20)
    spend(quiet, owner, "image", 10, T0)
    months_later = utc(2026, 4, 16)
    assert credits.refresh_due(utc(2026, 2, 14)) == 0
    assert credits.refresh_due(months_later) == 2
    assert credits.refresh_due(months_later) == 0
    bal = balance(quiet, "image")
    assert (bal.cycle_start, bal.cycle_end, bal.remaining) == (
        utc(2026, 4, 15),
        utc(2026, 5, 15),
        100,
    )
    assert balance(other, "image").cycle_start == utc(2026, 3, 20)
    assert credits.refresh_due in PERIODIC  # run by `fluxnote clock` every 30 s
    check_invariants(quiet)
    check_invariants(other)


def test_upgrade_adds_the_allowance_difference_now(any_db_app):
    user = make_user(plan="free")
    ws = user.current_workspace_id
    [hold] = credits.reserve(ws, "video", "v1", user.id)
    db.session.commit()
    assert change_plan(db.session.get(Workspace, ws), "pro", user) == "upgraded"
    db.session.commit()
    snap = credits.snapshot(ws)
    assert (snap["video"]["allowance"], snap["video"]["reserved"], snap["video"]["remaining"]) == (
        50,
        1,
        49,
    )
    assert (snap["image"]["allowance"], snap["image"]["remaining"]) == (2100, 2100)
    [entry] = entries(ws, kind="video", entry_type="upgrade")
    assert (entry.delta, entry.user_id) == (49, user.id)
    assert db.session.get(Workspace, ws).plan == "pro"
    check_invariants(ws)


def test_downgrade_takes_effect_at_the_next_cycle(any_db_app):
    user = make_user(plan="pro")
    ws = user.current_workspace_id
    assert change_plan(db.session.get(Workspace, ws), "rise", user) == "scheduled"
    db.session.commit()
    now = utcnow()
    snap = credits.snapshot(ws, now)["video"]
    assert (snap["allowance"], snap["remaining"]) == (50, 50)
    assert db.session.get(Workspace, ws).plan == "pro"
    nxt = credits.snapshot(ws, snap["resets_at"])["video"]
    assert (nxt["allowance"], nxt["remaining"], nxt["cycle_start"]) == (21, 21, snap["resets_at"])
    assert db.session.get(Workspace, ws).plan == "pro"  # shown ahead, applied by the clock
    assert credits.refresh_due(snap["resets_at"]) == 1
    assert credits.snapshot(ws, snap["resets_at"])["video"] == nxt
    workspace = db.session.get(Workspace, ws)
    assert (workspace.plan, workspace.pending_plan) == ("rise", None)
    check_invariants(ws)


def test_hold_reserved_before_a_refresh_is_carried(any_db_app):
    ws, owner = new_workspace(T0)
    kept, dropped = spend(ws, owner, "image", 2, T0, capture=False)
    assert credits.snapshot(ws, now=REFRESH)["image"]["carried"] == 2
    credits.refresh_due(REFRESH)
    bal = balance(ws, "image")
    assert (bal.allowance, bal.this_cycle, bal.carried, bal.remaining) == (100, 0, 2, 100)
    assert credits.snapshot(ws, now=REFRESH)["image"]["reserved"] == 2
    check_invariants(ws)

    assert credits.capture(kept, now=REFRESH + timedelta(hours=1)) is True
    db.session.commit()
    bal = balance(ws, "image")
    assert (bal.used, bal.carried, bal.remaining) == (0, 1, 100)
    [cap] = entries(ws, entry_type="capture")
    assert (cap.delta, cap.cycle_start) == (0, T0.replace(hour=0))

    assert credits.release(dropped, now=REFRESH + timedelta(hours=2)) is True
    db.session.commit()
    bal = balance(ws, "image")
    assert (bal.carried, bal.reserved, bal.remaining) == (0, 0, 100)
    [rel] = entries(ws, entry_type="release_expired")
    assert (rel.delta, rel.hold_id, rel.user_id) == (0, dropped, owner)
    assert entries(ws, entry_type="release") == []
    assert credits.release(dropped) is False and credits.capture(kept) is False
    check_invariants(ws)


def test_credit_released_before_the_refresh_expires_with_it(any_db_app):
    ws, owner = new_workspace(T0)
    [hold] = spend(ws, owner, "video", 1, T0, capture=False)
    credits.release(hold, now=REFRESH - timedelta(minutes=1))
    db.session.commit()
    credits.refresh_due(REFRESH)
    assert [e.delta for e in entries(ws, kind="video", entry_type="expire")] == [-1]
    assert balance(ws, "video").remaining == 1
    check_invariants(ws)
