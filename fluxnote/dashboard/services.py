"""What the dashboard shows: balances, usage per member and per day, pace forecast."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from fluxnote.accounts.models import User, Workspace
from fluxnote.billing.plans import KINDS, all_plans, get_plan
from fluxnote.credits import services as credits
from fluxnote.credits.models import LedgerEntry
from fluxnote.extensions import db
from fluxnote.models import utcnow


@dataclass
class Forecast:
    spent: int
    projected: int
    runs_out_on: datetime | None
    suggestion: str | None
    early: bool  # less than a day into the cycle: a projection within the allowance says little


def overview(workspace: Workspace, now: datetime | None = None) -> dict:
    """Per kind: the balance snapshot, cost per asset, forecast, member usage, daily history."""
    now = now or utcnow()
    snap = credits.snapshot(workspace.id, now)
    plan = get_plan(workspace.plan)
    result = {}
    for kind in KINDS:
        bal = snap[kind]
        result[kind] = dict(bal, cost_per=plan.cost_per(kind),
                            forecast=forecast(kind, bal, plan.id, now),
                            members=member_usage(workspace.id, kind, bal["cycle_start"]),
                            history=daily_usage(workspace.id, kind, bal["cycle_start"],
                                                bal["resets_at"], now))
    return result


def forecast(kind: str, bal: dict, plan_id: str, now: datetime) -> Forecast:
    """Project this cycle's use at the current pace; name the plan that would cover it."""
    spent = bal["allowance"] - bal["remaining"]  # this cycle's; carried holds are not
    # A pace measured over less than a day swings wildly; treat the first day as a whole day.
    elapsed = (now - bal["cycle_start"]).total_seconds()
    length = (bal["resets_at"] - bal["cycle_start"]).total_seconds()
    rate = spent / max(elapsed, 86400.0)
    projected = round(rate * length)
    early = elapsed < 86400.0
    if rate == 0 or projected <= bal["allowance"]:
        return Forecast(spent, projected, None, None, early)
    runs_out = bal["cycle_start"] + timedelta(seconds=bal["allowance"] / rate)
    better = next((p for p in all_plans() if p.allowance(kind) >= projected
                   and p.price_monthly > get_plan(plan_id).price_monthly), None)
    suggestion = f"{better.name} would cover you" if better else "even Max would not cover this pace"
    return Forecast(spent, projected, max(runs_out, now), suggestion, early)


def member_usage(workspace_id: int, kind: str, since: datetime) -> list[tuple[str, int]]:
    """(email, credits captured) per member this cycle, most first."""
    rows = db.session.execute(
        select(User.email, func.count(LedgerEntry.id))
        .join(User, User.id == LedgerEntry.user_id)
        .where(LedgerEntry.workspace_id == workspace_id, LedgerEntry.kind == kind,
               LedgerEntry.entry_type == "capture", LedgerEntry.cycle_start == since)
        .group_by(User.email).order_by(func.count(LedgerEntry.id).desc())).all()
    return [(email, n) for email, n in rows]


@dataclass
class Day:
    label: str
    count: int
    height: int
    future: bool


def daily_usage(workspace_id: int, kind: str, since: datetime, until: datetime,
                now: datetime) -> list[Day]:
    """Captured credits per day over the whole cycle; days after today are `future`.

    `height` (4–100 px) scales each day against the busiest day, for the bar chart.
    """
    stamps = db.session.scalars(
        select(LedgerEntry.created_at)
        .where(LedgerEntry.workspace_id == workspace_id, LedgerEntry.kind == kind,
               LedgerEntry.entry_type == "capture", LedgerEntry.cycle_start == since)).all()
    counts: dict[date, int] = {}
    for stamp in stamps:
        counts[stamp.date()] = counts.get(stamp.date(), 0) + 1
    peak = max(counts.values(), default=0) or 1
    days, day = [], since.date()
    while day < until.date():
        n = counts.get(day, 0)
        days.append(Day(f"{day:%b} {day.day}", n, 4 + round(96 * n / peak), day > now.date()))
        day += timedelta(days=1)
    return days
