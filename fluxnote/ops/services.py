"""Ops reads across domains, and the one ops write: an admin credit adjustment.

Other domains' tables (generations, renders, provider events) are read through the
shared metadata by column name, and only when the table and the columns exist, so the
ops page keeps working while those domains change.
"""

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Table, func, select
from sqlalchemy.exc import IntegrityError

from fluxnote.accounts.models import Membership, User, Workspace
from fluxnote.credits import services as credits
from fluxnote.credits.models import LedgerEntry
from fluxnote.extensions import db, savepoint
from fluxnote.plans import KINDS, all_plans
from fluxnote.sqltypes import utcnow

SEARCHABLE = {"generation": "generations", "render": "renders"}
ADJUSTMENTS = ("grant", "refund")
MAX_ADJUSTMENT = 10000
LATENCY_SAMPLE = 2000  # newest successes per provider behind the p50/p95


class OpsError(Exception):
    """A refused ops action; the message is safe to show."""


def table(name: str, *columns: str) -> Table | None:
    """The named table if its domain is installed and has every one of `columns`."""
    found = db.metadata.tables.get(name)
    if found is None or any(c not in found.c for c in columns):
        return None
    return found


@dataclass
class ProviderHealth:
    provider: str
    succeeded: int
    failed: int
    in_flight: int
    p50_s: float | None
    p95_s: float | None

    @property
    def error_rate(self) -> float:
        done = self.succeeded + self.failed
        return self.failed / done if done else 0.0


def provider_health(hours: int = 24, now: datetime | None = None) -> list[ProviderHealth]:
    """Per provider over the last `hours`: outcomes (counted in the database) and
    submit-to-finish latency percentiles over its newest LATENCY_SAMPLE successes."""
    gens = table("generations", "provider", "status", "created_at", "finished_at")
    if gens is None:
        return []
    since = (now or utcnow()) - timedelta(hours=hours)
    recent = gens.c.created_at >= since
    counts: dict[str, Counter] = {}
    for provider, status, n in db.session.execute(
        select(gens.c.provider, gens.c.status, func.count())
        .where(recent)
        .group_by(gens.c.provider, gens.c.status)
    ):
        counts.setdefault(provider, Counter())[status] = n
    return [
        _health(provider, counts[provider], _latencies(gens, provider, recent))
        for provider in sorted(counts)
    ]


def _latencies(gens: Table, provider: str, recent) -> list[float]:
    rows = db.session.execute(
        select(gens.c.created_at, gens.c.finished_at)
        .where(
            recent,
            gens.c.provider == provider,
            gens.c.status == "succeeded",
            gens.c.finished_at.is_not(None),
        )
        .order_by(gens.c.created_at.desc())
        .limit(LATENCY_SAMPLE)
    )
    return sorted(_as_utc(done).timestamp() - _as_utc(start).timestamp() for start, done in rows)


def _health(provider: str, counts: Counter, latencies: list[float]) -> ProviderHealth:
    return ProviderHealth(
        provider,
        counts["succeeded"],
        counts["failed"],
        counts["queued"] + counts["running"],
        _percentile(latencies, 50),
        _percentile(latencies, 95),
    )


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _percentile(sorted_values: list[float], pct: int) -> float | None:
    if not sorted_values:
        return None
    if len(sorted_values) == 1:
        return sorted_values[0]
    return statistics.quantiles(sorted_values, n=100, method="inclusive")[pct - 1]


def inbound_events(limit: int = 50) -> list:
    """Newest provider callbacks received (verified or a hint), with what they matched."""
    events = table("provider_events", "provider", "event_id", "received_at")
    if events is None:
        return []
    return (
        db.session.execute(select(events).order_by(events.c.received_at.desc()).limit(limit))
        .mappings()
        .all()
    )


def search(
    kind: str,
    workspace_id: int | None = None,
    status: str | None = None,
    model: str | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
    limit: int = 100,
) -> list:
    """Generations or renders matching every given filter, newest first ([] if not installed)."""
    rows = table(SEARCHABLE.get(kind, ""), "id", "workspace_id", "status", "created_at")
    if rows is None:
        return []
    query = select(rows).order_by(rows.c.id.desc()).limit(limit)
    if workspace_id:
        query = query.where(rows.c.workspace_id == workspace_id)
    if status:
        query = query.where(rows.c.status == status)
    if model and "model" in rows.c:
        query = query.where(rows.c.model == model)
    if day_from:
        query = query.where(rows.c.created_at >= datetime.combine(day_from, time(), UTC))
    if day_to:
        query = query.where(
            rows.c.created_at < datetime.combine(day_to + timedelta(days=1), time(), UTC)
        )
    return db.session.execute(query).mappings().all()


def find_workspaces(q: str, limit: int = 50) -> list[Workspace]:
    """Workspaces by id, by name fragment, or by a member's email fragment."""
    q = q.strip()[:254]
    if q.isdigit():
        found = db.session.get(Workspace, int(q))
        return [found] if found else []
    like = f"%{q.lower()}%"
    by_member = select(Membership.workspace_id).join(User).where(User.email.ilike(like))
    return db.session.scalars(
        select(Workspace)
        .where(Workspace.name.ilike(like) | Workspace.id.in_(by_member))
        .order_by(Workspace.id)
        .limit(limit)
    ).all()


def workspace_view(workspace_id: int) -> dict | None:
    """Members, plan, current cycle balances and the full ledger, or None if no such workspace."""
    workspace = db.session.get(Workspace, workspace_id)
    if workspace is None:
        return None
    ledger = db.session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.workspace_id == workspace_id)
        .order_by(LedgerEntry.id.desc())
    ).all()
    return {
        "workspace": workspace,
        "plans": all_plans(),
        "balances": credits.snapshot(workspace_id),
        "members": workspace.memberships,
        "ledger": ledger,
        "sums": {k: credits.ledger_sum(workspace_id, k) for k in KINDS},
        "users": {
            u.id: u.email
            for u in db.session.scalars(
                select(User).where(User.id.in_({e.user_id for e in ledger if e.user_id}))
            ).all()
        },
    }


def adjust_credits(
    workspace_id: int, kind: str, action: str, amount: int, reason: str, admin_id: int, nonce: str
) -> None:
    """Grant or refund `amount` credits of `kind`, recorded with the admin and the reason.

    Goes through credits.adjust like every other credit movement (the caller commits). The form's
    `nonce` is the ledger idempotency key, so a double submit applies once. Raises
    OpsError for bad input or a repeated nonce.
    """
    reason = (reason or "").strip()
    if kind not in KINDS or action not in ADJUSTMENTS:
        raise OpsError("Choose a credit kind and grant or refund.")
    if not 1 <= amount <= MAX_ADJUSTMENT:
        raise OpsError(f"Amount must be between 1 and {MAX_ADJUSTMENT}.")
    if not 3 <= len(reason) <= 300:
        raise OpsError("A reason (3 to 300 characters) is required.")
    if db.session.get(Workspace, workspace_id) is None:
        raise OpsError("No such workspace.")
    try:
        with savepoint():
            credits.adjust(
                workspace_id,
                kind,
                amount,
                f"ops:{workspace_id}:{nonce[:64]}",
                admin_id,
                entry_type=f"admin_{action}",
                reason=reason,
            )
    except IntegrityError:
        raise OpsError("This adjustment was already applied.") from None
