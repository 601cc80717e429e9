"""Credit services: the only code that writes ledger entries, holds and balances.

The generation side uses three calls, all inside the caller's transaction (the caller
commits; nothing here commits except `refresh_due`, the clock's job):

- ``reserve(workspace_id, kind, ref, user_id, count=1)`` -> holds, or InsufficientCredits.
- ``capture(hold_id)`` -> True if this call captured the hold, False if already resolved.
- ``release(hold_id)`` -> True if this call released the hold, False if already resolved.

Rules:
- Every movement is a LedgerEntry with a unique idempotency key and the member who
  caused it (the refresh's own `expire`/`grant` entries have no member); `delta` is the
  change to `remaining`, so `remaining` always equals the sum of the deltas.
- A debit is one conditional UPDATE (``remaining >= n``) whose row count is checked;
  a hold resolves through a conditional UPDATE on its state, so duplicate or late
  signals change nothing.
- The balance row stores only the cycle, its allowance and `remaining`. What is in
  flight and what was used are counted from the holds (`balances`): reserved = holds of
  this cycle still held, carried = holds of earlier cycles still held, used = allowance
  - remaining - reserved. So a capture (delta 0) never writes the balance row: only
  reserve, release, refresh and adjust take its lock, which is held until the caller
  commits and serialises every member of a workspace.
- Refresh (billing day, clamped to month end): unused credits expire, the full
  allowance is granted, once per (workspace, kind, cycle). Just before, the refresh
  sends `events.credit_cycle_ending`, so a plan change scheduled during the cycle
  (billing's rule) takes effect in the terms the new cycle is granted with. Holds still in flight keep their credit: they become
  `carried` (shown as reserved). A carried hold that is captured counts as usage of its
  own cycle; one released after the refresh returns nothing (its credit would have
  expired at the refresh) and is recorded as a zero `release_expired` entry.
- Speed: the writes are prebuilt Core statements (no ORM unit of work, no re-reads). On
  PostgreSQL a reserve and a capture are one statement each, so a reserve locks the
  balance row only from that statement to the caller's commit.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.orm import make_transient_to_detached

from fluxnote import events
from fluxnote.credits.cycles import cycle_containing
from fluxnote.credits.models import CreditBalance, CreditHold, LedgerEntry
from fluxnote.extensions import db
from fluxnote.sqltypes import UTCDateTime, utcnow

REFRESH_BATCH = 500


class InsufficientCredits(Exception):
    """Not enough remaining credits of `kind`; no credit was written."""

    def __init__(self, kind: str, remaining: int, resets_at: datetime):
        super().__init__(f"Out of {kind} credits: {remaining} left, refreshes {resets_at:%b %d}")
        self.kind, self.remaining, self.resets_at = kind, remaining, resets_at

    def details(self) -> dict:
        """What an API refusal (402) carries beside the message."""
        return {
            "kind": self.kind,
            "remaining": self.remaining,
            "resets_at": self.resets_at.isoformat(),
        }


class CreditError(Exception):
    """An adjustment that would break an invariant (e.g. remaining below zero)."""


@dataclass(frozen=True)
class Terms:
    """What the ledger needs to know of a workspace: its billing day and the allowance
    per kind. The owner of workspaces registers `app.extensions["credit_terms"]`, a
    function workspace_id -> Terms, so the ledger imports none of its callers."""

    billing_day: int
    allowances: dict[str, int]
    next_allowances: dict[str, int] | None = None  # from the next cycle on, if they change


def _terms(workspace_id: int) -> Terms:
    return current_app.extensions["credit_terms"](workspace_id)


def open_account(workspace_id: int, user_id: int | None, now: datetime | None = None) -> None:
    """Create the balances of a new (flushed) workspace and grant its first allowance of
    each kind (no commit).

    IntegrityError if the workspace already has balances.
    """
    now = now or utcnow()
    terms = _terms(workspace_id)
    start, end = cycle_containing(now, terms.billing_day)
    for kind, allowance in terms.allowances.items():
        _execute(
            insert(CreditBalance).values(
                workspace_id=workspace_id,
                kind=kind,
                cycle_start=start,
                cycle_end=end,
                allowance=allowance,
                remaining=allowance,
            )
        )
        _entry(
            workspace_id,
            kind,
            "grant",
            allowance,
            start,
            f"grant:{workspace_id}:{kind}:{start:%Y%m%d}",
            user_id,
            now,
        )


def reserve(
    workspace_id: int,
    kind: str,
    ref: str,
    user_id: int | None,
    count: int = 1,
    now: datetime | None = None,
) -> list[CreditHold]:
    """Reserve `count` credits of `kind`, all or nothing, one hold each (refs `ref:i`
    when count > 1).

    One conditional UPDATE debits `remaining`, and only if it matched are the holds and
    their entries written; if it did not, a due refresh is applied and the debit tried
    once more. Raises InsufficientCredits (no credit written; a due refresh may have
    been). A `ref` already reserved in the workspace raises IntegrityError: refs are the
    caller's idempotency keys, and the caller must roll back. ValueError if count < 1.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    now = now or utcnow()
    refs = [ref] if count == 1 else [f"{ref}:{i}" for i in range(count)]
    on_pg = db.session.connection().dialect.name == "postgresql"
    debit_and_hold = _debit_and_hold_pg if on_pg else _debit_then_hold
    holds = debit_and_hold(workspace_id, kind, refs, user_id, now)
    if holds is None:
        # The cycle may have ended, or another transaction won its refresh: try once more.
        _refresh_if_due(workspace_id, now)
        holds = debit_and_hold(workspace_id, kind, refs, user_id, now)
    if holds is None:
        bal = _balance(workspace_id, kind)
        raise InsufficientCredits(kind, bal.remaining, bal.cycle_end)
    return holds


def capture(hold_id: int, user_id: int | None = None, now: datetime | None = None) -> bool:
    """Turn a held credit into a spent one (recorded for `user_id`, default the member
    who reserved it). False, and nothing written, if the hold was already resolved or
    does not exist."""
    now = now or utcnow()
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        return (
            conn.execute(_CAPTURE_PG, {"hold": hold_id, "user": user_id, "now": now}).rowcount == 1
        )
    hold = conn.execute(
        _RESOLVE, {"hold": hold_id, "new_state": "captured", "now": now}
    ).one_or_none()
    if hold is None:
        return False
    conn.execute(
        _INSERT_ENTRY,
        _entry_row(
            hold.workspace_id,
            hold.kind,
            "capture",
            0,
            hold.cycle_start,
            f"capture:{hold.id}",
            user_id or hold.user_id,
            now,
            hold.id,
        ),
    )
    return True


def release(
    hold_id: int, user_id: int | None = None, reason: str | None = None, now: datetime | None = None
) -> bool:
    """Give a held credit back. False, and nothing written, if already resolved or unknown.

    A hold from an earlier cycle returns nothing: that cycle's credits have expired.
    """
    now = now or utcnow()
    conn = db.session.connection()
    hold = conn.execute(
        _RESOLVE, {"hold": hold_id, "new_state": "released", "now": now}
    ).one_or_none()
    if hold is None:
        return False
    refund = {"ws": hold.workspace_id, "k": hold.kind, "cycle": hold.cycle_start}
    if conn.execute(_REFUND, refund).rowcount == 1:
        entry_type, delta = "release", 1
    else:  # the hold was carried: its cycle's credits have expired
        entry_type, delta = "release_expired", 0
    conn.execute(
        _INSERT_ENTRY,
        _entry_row(
            hold.workspace_id,
            hold.kind,
            entry_type,
            delta,
            hold.cycle_start,
            f"release:{hold.id}",
            user_id or hold.user_id,
            now,
            hold.id,
            reason,
        ),
    )
    return True


def adjust(
    workspace_id: int,
    kind: str,
    delta: int,
    key: str,
    user_id: int | None,
    entry_type: str = "adjust",
    reason: str | None = None,
    now: datetime | None = None,
) -> None:
    """Add `delta` to this cycle's allowance and remaining (upgrade, admin grant/refund),
    after applying a due refresh so the change lands in the current cycle (no commit).

    Raises CreditError if remaining would drop below zero (nothing written);
    IntegrityError if `key` was used before.
    """
    now = now or utcnow()
    _refresh_if_due(workspace_id, now)
    cycle_start = _execute(
        update(CreditBalance)
        .where(
            CreditBalance.workspace_id == workspace_id,
            CreditBalance.kind == kind,
            CreditBalance.remaining + delta >= 0,
        )
        .values(
            allowance=CreditBalance.allowance + delta, remaining=CreditBalance.remaining + delta
        )
        .returning(CreditBalance.cycle_start)
    ).scalar_one_or_none()
    if cycle_start is None:
        raise CreditError(f"Adjustment of {delta} would leave negative {kind} credits")
    _entry(workspace_id, kind, entry_type, delta, cycle_start, key, user_id, now, reason=reason)


def refresh(workspace_id: int, now: datetime | None = None) -> bool:
    """Apply a due refresh in the caller's transaction (no commit). Idempotent; True if
    this call refreshed."""
    return _refresh_if_due(workspace_id, now or utcnow())


def refresh_due(now: datetime | None = None) -> int:
    """Refresh workspaces whose cycle has ended, nobody needing to log in (the clock's
    job; at most REFRESH_BATCH per pass, each committed on its own). Returns the count."""
    now = now or utcnow()
    ids = db.session.scalars(
        select(CreditBalance.workspace_id)
        .distinct()
        .where(CreditBalance.cycle_end <= now)
        .order_by(CreditBalance.workspace_id)
        .limit(REFRESH_BATCH)
    ).all()
    db.session.rollback()
    done = 0
    for ws_id in ids:
        done += refresh(ws_id, now)
        db.session.commit()
    return done


def snapshot(workspace_id: int, now: datetime | None = None) -> dict[str, dict]:
    """`balances` as they stand at `now`, read-only: a cycle that has ended but that the
    clock has not refreshed yet is shown as its refresh will leave it (the next cycle's
    allowance, every hold still in flight carried)."""
    now = now or utcnow()
    out = balances(workspace_id)
    if all(b["resets_at"] > now for b in out.values()):
        return out
    terms = _terms(workspace_id)
    start, end = cycle_containing(now, terms.billing_day)
    allowances = terms.next_allowances or terms.allowances
    for kind, b in out.items():
        if b["resets_at"] <= now:
            out[kind] = {
                "allowance": allowances[kind],
                "used": 0,
                "reserved": b["reserved"],
                "carried": b["reserved"],
                "remaining": allowances[kind],
                "cycle_start": start,
                "resets_at": end,
            }
    return out


def balances(workspace_id: int) -> dict[str, dict]:
    """The balances per kind as they stand (no refresh): allowance, used, reserved (in
    flight, including `carried` holds from earlier cycles), carried, remaining, cycle
    start and reset time."""
    rows = db.session.scalars(
        select(CreditBalance)
        .where(CreditBalance.workspace_id == workspace_id)
        .execution_options(populate_existing=True)
    ).all()
    held = db.session.execute(
        select(_H.c.kind, _H.c.cycle_start, func.count())
        .where(_H.c.workspace_id == workspace_id, _H.c.state == "held")
        .group_by(_H.c.kind, _H.c.cycle_start)
    ).all()
    out = {}
    for b in rows:
        reserved = sum(n for kind, start, n in held if kind == b.kind and start == b.cycle_start)
        carried = sum(n for kind, start, n in held if kind == b.kind and start < b.cycle_start)
        out[b.kind] = {
            "allowance": b.allowance,
            "used": b.allowance - b.remaining - reserved,
            "reserved": reserved + carried,
            "carried": carried,
            "remaining": b.remaining,
            "cycle_start": b.cycle_start,
            "resets_at": b.cycle_end,
        }
    return out


def ledger_sum(workspace_id: int, kind: str) -> int:
    """The sum of every entry's delta: always equal to the balance's `remaining`."""
    return db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.delta), 0)).where(
            LedgerEntry.workspace_id == workspace_id, LedgerEntry.kind == kind
        )
    )


def _execute(statement, params=None):
    """Run a Core statement on the session's connection: no ORM bookkeeping, no autoflush."""
    return db.session.connection().execute(statement, params)


# The hot statements are built once: building and caching-keying a statement per call
# costs more than its round trip.
_B, _H = CreditBalance.__table__, CreditHold.__table__
_AT = bindparam("now", type_=UTCDateTime())

_OF_HOLD = (_B.c.workspace_id == bindparam("ws"), _B.c.kind == bindparam("k"))
_IN_CYCLE = _B.c.cycle_start == bindparam("cycle", type_=UTCDateTime())
_DEBIT = (
    update(_B)
    .where(*_OF_HOLD, _B.c.remaining >= bindparam("n"), _B.c.cycle_end > _AT)
    .values(remaining=_B.c.remaining - bindparam("n"))
    .returning(_B.c.cycle_start)
)
_INSERT_HOLDS = insert(_H).returning(_H.c.id, sort_by_parameter_order=True)
_INSERT_ENTRY = insert(LedgerEntry.__table__)
# A hold resolves at most once: only a held hold matches, and RETURNING gives the row count.
_RESOLVE = (
    update(_H)
    .where(_H.c.id == bindparam("hold"), _H.c.state == "held")
    .values(state=bindparam("new_state"), resolved_at=_AT)
    .returning(_H.c.id, _H.c.workspace_id, _H.c.kind, _H.c.cycle_start, _H.c.user_id)
)
# Only while the hold's cycle is current: a carried hold's credit has expired.
_REFUND = update(_B).where(*_OF_HOLD, _IN_CYCLE).values(remaining=_B.c.remaining + 1)

# PostgreSQL does a reserve, and a capture, in one statement (data-modifying CTEs): the
# writes of _debit_then_hold, or of capture's _RESOLVE and entry, in one round trip.
_RESERVE_PG = (
    text("""
    WITH debit AS (
        UPDATE credit_balances SET remaining = remaining - :n
        WHERE workspace_id = :ws AND kind = :k AND remaining >= :n AND cycle_end > :now
        RETURNING cycle_start
    ), holds AS (
        INSERT INTO credit_holds (workspace_id, kind, ref, state, cycle_start, user_id, created_at)
        SELECT :ws, :k, r.ref, 'held', debit.cycle_start, :user, :now
        FROM debit, unnest(CAST(:refs AS varchar[])) WITH ORDINALITY AS r(ref, i) ORDER BY r.i
        RETURNING id, ref, cycle_start
    ), entries AS (
        INSERT INTO ledger_entries (idempotency_key, workspace_id, kind, entry_type, delta,
                                    cycle_start, hold_id, user_id, created_at)
        SELECT 'reserve:' || id, :ws, :k, 'reserve', -1, cycle_start, id, :user, :now FROM holds
    )
    SELECT id, ref, cycle_start FROM holds""")
    .bindparams(bindparam("now", type_=UTCDateTime()))
    .columns(cycle_start=UTCDateTime())
)
_CAPTURE_PG = text("""
    WITH hold AS (
        UPDATE credit_holds SET state = 'captured', resolved_at = :now
        WHERE id = :hold AND state = 'held'
        RETURNING id, workspace_id, kind, cycle_start, user_id
    )
    INSERT INTO ledger_entries (idempotency_key, workspace_id, kind, entry_type, delta,
                                cycle_start, hold_id, user_id, created_at)
    SELECT 'capture:' || id, workspace_id, kind, 'capture', 0, cycle_start, id,
           COALESCE(CAST(:user AS integer), user_id), :now FROM hold""").bindparams(
    bindparam("now", type_=UTCDateTime())
)


def _debit_then_hold(
    workspace_id: int, kind: str, refs: list[str], user_id: int | None, now: datetime
) -> list[CreditHold] | None:
    """Debit the current cycle, then write the holds and their entries; None, with nothing
    written, if the cycle lacks the credits. For SQLite, whose BEGIN IMMEDIATE makes the
    whole transaction the only writer, so the order costs nothing."""
    conn = db.session.connection()
    debit = {"ws": workspace_id, "k": kind, "n": len(refs), "now": now}
    cycle_start = conn.execute(_DEBIT, debit).scalar_one_or_none()
    if cycle_start is None:
        return None
    rows = [
        {
            "workspace_id": workspace_id,
            "kind": kind,
            "ref": r,
            "state": "held",
            "cycle_start": cycle_start,
            "user_id": user_id,
            "created_at": now,
            "resolved_at": None,
        }
        for r in refs
    ]
    for row, hold_id in zip(rows, conn.execute(_INSERT_HOLDS, rows).scalars(), strict=False):
        row["id"] = hold_id
    conn.execute(
        _INSERT_ENTRY,
        [
            _entry_row(
                workspace_id,
                kind,
                "reserve",
                -1,
                cycle_start,
                f"reserve:{row['id']}",
                user_id,
                now,
                row["id"],
            )
            for row in rows
        ],
    )
    return [_persistent(CreditHold(**row)) for row in rows]


def _debit_and_hold_pg(
    workspace_id: int, kind: str, refs: list[str], user_id: int | None, now: datetime
) -> list[CreditHold] | None:
    """_debit_then_hold in one PostgreSQL statement: one round trip, and the balance row
    stays locked only from it to the caller's commit."""
    rows = (
        db.session.connection()
        .execute(
            _RESERVE_PG,
            {
                "ws": workspace_id,
                "k": kind,
                "n": len(refs),
                "refs": refs,
                "user": user_id,
                "now": now,
            },
        )
        .all()
    )
    if not rows:
        return None
    by_ref = {row.ref: row for row in rows}
    return [
        _persistent(
            CreditHold(
                id=by_ref[r].id,
                workspace_id=workspace_id,
                kind=kind,
                ref=r,
                state="held",
                cycle_start=by_ref[r].cycle_start,
                user_id=user_id,
                created_at=now,
                resolved_at=None,
            )
        )
        for r in refs
    ]


def _persistent(hold: CreditHold) -> CreditHold:
    """Attach a hold built from its inserted row to the session without another query."""
    make_transient_to_detached(hold)
    db.session.add(hold)
    return hold


def _refresh_if_due(workspace_id: int, now: datetime) -> bool:
    """Roll every ended balance of the workspace into the cycle containing `now`.

    Conditional on the balance being unchanged since read, so concurrent refreshes (or
    a reserve racing one) cannot grant twice; the loser re-reads and finds nothing due.
    """
    refreshed = False
    for _ in range(5):
        due = db.session.scalars(
            select(CreditBalance)
            .where(CreditBalance.workspace_id == workspace_id, CreditBalance.cycle_end <= now)
            .order_by(CreditBalance.kind)
            .execution_options(populate_existing=True)
        ).all()
        if not due:
            break
        events.credit_cycle_ending.send(workspace_id)  # e.g. a scheduled downgrade applies
        terms = _terms(workspace_id)
        for bal in due:
            refreshed |= _roll(terms, bal, now)
    return refreshed


def _roll(terms: Terms, bal: CreditBalance, now: datetime) -> bool:
    start, end = cycle_containing(now, terms.billing_day)
    allowance = terms.allowances[bal.kind]
    ws, kind, old_start, old_remaining = bal.workspace_id, bal.kind, bal.cycle_start, bal.remaining
    result = _execute(
        update(CreditBalance)
        .where(
            CreditBalance.workspace_id == ws,
            CreditBalance.kind == kind,
            CreditBalance.cycle_start == old_start,
            CreditBalance.remaining == old_remaining,
        )
        .values(cycle_start=start, cycle_end=end, allowance=allowance, remaining=allowance)
    )
    if result.rowcount != 1:
        return False
    if old_remaining:
        _entry(
            ws,
            kind,
            "expire",
            -old_remaining,
            old_start,
            f"expire:{ws}:{kind}:{old_start:%Y%m%d}",
            None,
            now,
        )
    _entry(ws, kind, "grant", allowance, start, f"grant:{ws}:{kind}:{start:%Y%m%d}", None, now)
    return True


def _balance(workspace_id: int, kind: str) -> CreditBalance:
    return db.session.execute(
        select(CreditBalance)
        .where(CreditBalance.workspace_id == workspace_id, CreditBalance.kind == kind)
        .execution_options(populate_existing=True)
    ).scalar_one()


def _entry_row(
    workspace_id: int,
    kind: str,
    entry_type: str,
    delta: int,
    cycle_start: datetime,
    key: str,
    user_id: int | None,
    now: datetime,
    hold_id: int | None = None,
    reason: str | None = None,
) -> dict:
    return {
        "workspace_id": workspace_id,
        "kind": kind,
        "entry_type": entry_type,
        "delta": delta,
        "cycle_start": cycle_start,
        "idempotency_key": key,
        "hold_id": hold_id,
        "user_id": user_id,
        "reason": reason,
        "created_at": now,
    }


def _entry(*args, **kwargs) -> None:
    """Append one ledger entry (arguments as for _entry_row)."""
    _execute(_INSERT_ENTRY, _entry_row(*args, **kwargs))
