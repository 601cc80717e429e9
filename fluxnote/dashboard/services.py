"""What the dashboard shows: recent videos, balances, usage per member and per day, pace
forecast."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from fluxnote.accounts.models import User, Workspace
from fluxnote.assets.models import Asset
from fluxnote.credits import services as credits
from fluxnote.credits.models import LedgerEntry
from fluxnote.extensions import db
from fluxnote.plans import KINDS, all_plans, cheapest_covering, get_plan
from fluxnote.renders.models import Render
from fluxnote.renders.services import latest_playable
from fluxnote.sqltypes import utcnow
from fluxnote.studio.models import Project


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
        result[kind] = dict(
            bal,
            cost_per=plan.cost_per(kind),
            forecast=forecast(kind, bal, plan.id, now),
            members=member_usage(workspace.id, kind, bal["cycle_start"]),
            history=daily_usage(workspace.id, kind, bal["cycle_start"], bal["resets_at"], now),
        )
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
    better = cheapest_covering(kind, projected, plan_id)
    suggestion = (
        f"{better.name} would cover you"
        if better
        else f"even {max(all_plans(), key=lambda p: p.price_monthly).name} would not cover this pace"
    )
    return Forecast(spent, projected, max(runs_out, now), suggestion, early)


def member_usage(workspace_id: int, kind: str, since: datetime) -> list[tuple[str, int]]:
    """(email, credits captured) per member this cycle, most first."""
    rows = db.session.execute(
        select(User.email, func.count(LedgerEntry.id))
        .join(User, User.id == LedgerEntry.user_id)
        .where(
            LedgerEntry.workspace_id == workspace_id,
            LedgerEntry.kind == kind,
            LedgerEntry.entry_type == "capture",
            LedgerEntry.cycle_start == since,
        )
        .group_by(User.email)
        .order_by(func.count(LedgerEntry.id).desc())
    ).all()
    return [(email, n) for email, n in rows]


@dataclass
class Day:
    label: str
    count: int
    height: int
    future: bool


def daily_usage(
    workspace_id: int, kind: str, since: datetime, until: datetime, now: datetime
) -> list[Day]:
    """Captured credits per day over the whole cycle; days after today are `future`.

    `height` (4–100 px) scales each day against the busiest day, for the bar chart.
    """
    stamps = db.session.scalars(
        select(LedgerEntry.created_at).where(
            LedgerEntry.workspace_id == workspace_id,
            LedgerEntry.kind == kind,
            LedgerEntry.entry_type == "capture",
            LedgerEntry.cycle_start == since,
        )
    ).all()
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


@dataclass
class RecentVideo:
    """A project on the dashboard: its newest finished render (if any) and a thumbnail
    source (the render's poster, else the first scene's image, else None)."""

    project: Project
    render: Render | None
    thumb_asset_id: int | None


def recent_videos(workspace_id: int, limit: int = 6) -> list[RecentVideo]:
    """The workspace's newest projects, each with what the dashboard card shows."""
    projects = db.session.scalars(
        select(Project)
        .where(Project.workspace_id == workspace_id)
        .order_by(Project.id.desc())
        .limit(limit)
    ).all()
    return [
        RecentVideo(p, latest_playable(workspace_id, p.id), _first_image(workspace_id, p))
        for p in projects
    ]


def _first_image(workspace_id: int, project: Project) -> int | None:
    """The first scene (in play order) whose visual is an image."""
    ids = [s.asset_id for s in project.scenes if s.asset_id]
    images = set(
        db.session.scalars(
            select(Asset.id).where(
                Asset.workspace_id == workspace_id, Asset.id.in_(ids), Asset.kind == "image"
            )
        )
    )
    return next((i for i in ids if i in images), None)
