"""Races on a SQLite file database and on the real PostgreSQL: 20 threads, each with its
own app context, session and connection, released together by a barrier."""

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from fluxnote.accounts.models import User
from fluxnote.credits import services as credits
from fluxnote.credits.models import CreditHold
from fluxnote.extensions import db
from tests.credits.conftest import balance, check_invariants, entries, new_workspace

THREADS = 20


def race(app, action, threads: int = THREADS) -> list:
    """Run `action(i)` in `threads` threads at once; each result or raised exception.

    The main thread must hold no transaction: on SQLite it would keep the write lock.
    """
    db.session.remove()
    barrier, results = threading.Barrier(threads), [None] * threads

    def run(i: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                results[i] = action(i)
                db.session.commit()
            except Exception as exc:
                db.session.rollback()
                results[i] = exc
            finally:
                db.session.remove()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert not any(w.is_alive() for w in workers)
    return results


def now() -> datetime:
    return datetime.now(UTC)


def test_twenty_reserves_against_one_credit_one_wins(any_db_app):
    ws, owner = new_workspace(now())
    results = race(any_db_app, lambda i: credits.reserve(ws, "video", f"race-{i}", owner)[0].id)
    won = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, credits.InsufficientCredits)]
    assert (len(won), len(refused)) == (1, THREADS - 1), results
    assert all(r.kind == "video" and r.remaining == 0 for r in refused)
    bal = balance(ws, "video")
    assert (bal.remaining, bal.reserved) == (0, 1)
    assert [e.hold_id for e in entries(ws, entry_type="reserve")] == won
    check_invariants(ws)


def test_capture_and_release_race_on_one_hold_one_wins(any_db_app):
    ws, owner = new_workspace(now())
    [hold] = credits.reserve(ws, "image", "contested", owner)
    hold_id = hold.id
    db.session.commit()
    results = race(any_db_app, lambda i: (credits.capture if i % 2 else credits.release)(hold_id))
    assert results.count(True) == 1 and results.count(False) == THREADS - 1, results
    state = db.session.get(CreditHold, hold_id).state
    bal = balance(ws, "image")
    expected = {"captured": (1, 0, 99), "released": (0, 0, 100)}[state]
    assert (bal.used, bal.reserved, bal.remaining) == expected
    assert len(entries(ws, hold_id=hold_id)) == 2
    check_invariants(ws)


def test_reserves_racing_a_due_refresh_grant_once_and_all_succeed(any_db_app):
    start = now() - timedelta(days=40)
    ws, owner = new_workspace(start)
    moment = now()
    results = race(
        any_db_app, lambda i: credits.reserve(ws, "image", f"r-{i}", owner, now=moment)[0].id
    )
    assert all(isinstance(r, int) for r in results), results
    bal = balance(ws, "image")
    assert (bal.reserved, bal.remaining) == (THREADS, 100 - THREADS)
    assert bal.cycle_end > moment >= bal.cycle_start
    assert len(entries(ws, kind="image", entry_type="grant")) == 2
    assert len(entries(ws, kind="image", entry_type="expire")) == 1
    check_invariants(ws)


def wait_for_a_lock_wait(timeout: float = 10.0) -> None:
    """Block until some PostgreSQL backend of this database waits on a row lock."""
    deadline = time.monotonic() + timeout
    with db.engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            ).scalar()
            conn.rollback()
            if waiting:
                return
            time.sleep(0.01)
    raise AssertionError("no transaction ever waited for the balance lock")


def test_a_lost_race_undoes_its_own_writes_only(pg_app):
    """B's debit waits on A's lock, then matches nothing: B writes no hold and no entry,
    and the caller's earlier work in B's transaction survives."""
    ws, owner = new_workspace(now())
    db.session.remove()
    debited, release_a, outcome = threading.Event(), threading.Event(), {}
    email = f"b{uuid.uuid4().hex[:8]}@example.com"

    def first() -> None:
        with pg_app.app_context():
            credits.reserve(ws, "video", "first", owner)
            debited.set()
            release_a.wait(10)
            db.session.commit()
            db.session.remove()

    def second() -> None:
        debited.wait(10)
        with pg_app.app_context():
            db.session.add(User(email=email, password_hash="-"))
            db.session.flush()
            try:
                credits.reserve(ws, "video", "second", owner)
            except credits.InsufficientCredits as exc:
                outcome["refused"] = exc
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    debited.wait(10)
    wait_for_a_lock_wait()
    release_a.set()
    for t in threads:
        t.join(20)
    assert outcome["refused"].remaining == 0
    assert db.session.scalar(select(User).where(User.email == email)) is not None
    assert [h.ref for h in holds_of(ws)] == ["first"]
    assert len(entries(ws, entry_type="reserve")) == 1
    check_invariants(ws)


def holds_of(ws: int) -> list[CreditHold]:
    return db.session.scalars(select(CreditHold).where(CreditHold.workspace_id == ws)).all()
