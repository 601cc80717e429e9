"""Plan changes and the plan advisor. Services flush; the caller commits (and rolls
back on a PlanError)."""

import math
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from fluxnote.accounts.models import User, Workspace
from fluxnote.billing import stripe_backend
from fluxnote.billing.backends import PaymentRefused, get_backend
from fluxnote.billing.models import BillingAccount, BillingEvent
from fluxnote.credits import services as credits
from fluxnote.extensions import db, savepoint
from fluxnote.plans import KINDS, Plan, all_plans, get_plan, rank
from fluxnote.sqltypes import utcnow


class PlanError(Exception):
    """A refused plan change; the message is safe to show."""


class PlansManaged(PlanError):
    """Self-service plan changes are off on this instance (the operator sets plans)."""


def self_service_plans() -> bool:
    """Whether owners may change their own plan: with a real billing backend (Stripe), or
    when the operator opts in (SELF_SERVICE_PLANS). A self-hosted instance's plans are
    the operator's otherwise: a free switch to Max would spend their provider money."""
    cfg = current_app.config
    return cfg.get("BILLING_BACKEND") == "stripe" or bool(cfg.get("SELF_SERVICE_PLANS"))


def change_plan(workspace: Workspace, plan_id: str, user: User) -> str:
    """Upgrade now (adding the allowance difference to this cycle) or downgrade at the next
    billing date. Returns "upgraded", "scheduled" or "unchanged". PlansManaged when
    self-service is off, PlanError for any other refusal."""
    new = _plan(plan_id)
    if not self_service_plans():
        raise PlansManaged("Plans on this instance are set by its administrator.")
    if workspace.owner_id != user.id:
        raise PlanError("Only the workspace owner can change the plan.")
    return _change(workspace, new, user, charge=True)


def set_plan_as_admin(workspace_id: int, plan_id: str, admin: User) -> str:
    """Ops: an administrator changes a workspace's plan, by the same rules and with no
    payment (upgrade now with the difference, downgrade on the next billing date).
    Returns like change_plan; PlanError for an unknown plan or workspace."""
    workspace = db.session.get(Workspace, workspace_id)
    if workspace is None:
        raise PlanError("Workspace not found.")
    return _change(workspace, _plan(plan_id), admin, charge=False)


def _plan(plan_id: str) -> Plan:
    try:
        return get_plan(plan_id)
    except KeyError:
        raise PlanError(f"Unknown plan {plan_id!r}.") from None


def _change(workspace: Workspace, new: Plan, user: User, charge: bool) -> str:
    credits.refresh(workspace.id)
    old = get_plan(workspace.plan)
    if new.id == old.id:
        workspace.pending_plan = None
        db.session.flush()
        return "unchanged"
    downgrade = rank(new.id) < rank(old.id)
    try:
        if charge:
            get_backend(current_app.config.get("BILLING_BACKEND", "selfhosted")).change_plan(
                workspace.id, old.id, new.id, "next_cycle" if downgrade else "now"
            )
    except stripe_backend.CheckoutRequired:
        raise
    except PaymentRefused as exc:
        raise PlanError(f"Payment refused: {exc}") from exc
    if downgrade:
        workspace.pending_plan = new.id
        db.session.flush()
        return "scheduled"
    _upgrade(workspace, old, new, user)
    return "upgraded"


def _upgrade(workspace: Workspace, old: Plan, new: Plan, user: User) -> None:
    """Switch the plan with a conditional write, so two racing upgrades grant once."""
    switched = db.session.execute(
        update(Workspace)
        .where(Workspace.id == workspace.id, Workspace.plan == old.id)
        .values(plan=new.id, pending_plan=None)
    ).rowcount
    if switched != 1:
        raise PlanError("The plan was changed meanwhile; reload the page and try again.")
    key = f"upgrade:{workspace.id}:{old.id}>{new.id}:{utcnow().isoformat()}"
    for kind in KINDS:
        credits.adjust(
            workspace.id,
            kind,
            new.allowance(kind) - old.allowance(kind),
            f"{key}:{kind}",
            user.id,
            entry_type="upgrade",
            reason=f"Upgrade {old.name} → {new.name}",
        )


def apply_scheduled_plan(workspace_id: int) -> None:
    """Receiver of events.credit_cycle_ending: a downgrade scheduled during the cycle
    takes effect as the next cycle starts (inside the refresh's transaction)."""
    workspace = db.session.get(Workspace, workspace_id, populate_existing=True)
    if workspace.pending_plan:
        workspace.plan, workspace.pending_plan = workspace.pending_plan, None


def handle_stripe_event(event: dict) -> bool:
    """Apply a verified Stripe webhook event once; False for a redelivery (nothing done).

    checkout.session.completed records the subscription and applies the paid upgrade;
    customer.subscription.deleted schedules Free for the next billing date.
    """
    try:
        with savepoint():
            db.session.add(BillingEvent(id=event["id"], type=event["type"]))
            db.session.flush()
    except IntegrityError:
        return False
    data = event["data"]["object"]
    if event["type"] == "checkout.session.completed" and data.get("subscription"):
        _paid_checkout(
            int(data["metadata"]["workspace_id"]),
            data["metadata"]["plan"],
            data["customer"],
            data["subscription"],
        )
    elif event["type"] == "customer.subscription.deleted":
        _subscription_ended(data["id"])
    db.session.flush()
    return True


def _paid_checkout(workspace_id: int, plan_id: str, customer_id: str, subscription_id: str) -> None:
    workspace = db.session.get(Workspace, workspace_id)
    db.session.merge(
        BillingAccount(
            workspace_id=workspace_id,
            customer_id=customer_id,
            subscription_id=subscription_id,
            item_id=stripe_backend.subscription_item(subscription_id),
        )
    )
    if workspace and rank(plan_id) > rank(workspace.plan):
        _upgrade(
            workspace,
            get_plan(workspace.plan),
            get_plan(plan_id),
            db.session.get(User, workspace.owner_id),
        )


def _subscription_ended(subscription_id: str) -> None:
    account = db.session.scalar(
        select(BillingAccount).where(BillingAccount.subscription_id == subscription_id)
    )
    if account is None:
        return
    workspace = db.session.get(Workspace, account.workspace_id)
    if workspace.plan != "free":
        workspace.pending_plan = "free"
    db.session.delete(account)


@dataclass
class Advice:
    videos: int
    images: int
    buffered_videos: int
    buffered_images: int
    plan: Plan | None
    lines: list[str]


BUFFER = 0.25


def advise(
    finished_videos: int, variations: int = 4, images_per_video: int = 10, members: int = 1
) -> Advice:
    """The cheapest plan covering the need plus a 25 % buffer, with the arithmetic."""
    videos = finished_videos * variations * members
    images = finished_videos * images_per_video * members
    bv, bi = math.ceil(videos * (1 + BUFFER)), math.ceil(images * (1 + BUFFER))
    plan = next((p for p in all_plans() if p.video >= bv and p.image >= bi), None)
    lines = [
        f"Video credits: {finished_videos} videos × {_n(variations, 'variation')} × "
        f"{_n(members, 'member')} = {videos:,}",
        f"Image credits: {finished_videos} videos × {_n(images_per_video, 'image')} × "
        f"{_n(members, 'member')} = {images:,}",
        f"With a {int(BUFFER * 100)} % buffer: {bv:,} video and {bi:,} image credits a month",
    ]
    if plan:
        lines.append(
            f"{plan.name} covers it: {plan.video:,} video and {plan.image:,} image "
            f"credits for ${plan.price_monthly:g}/month"
        )
    else:
        top = all_plans()[-1]
        lines.append(
            f"No single plan covers it: {top.name} gives {top.video:,} video and "
            f"{top.image:,} image credits, so you need "
            f"{math.ceil(max(bv / top.video, bi / top.image))} {top.name} workspaces"
        )
    return Advice(videos, images, bv, bi, plan, lines)


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
