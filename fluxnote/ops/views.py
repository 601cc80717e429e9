"""The ops pages (`/ops`, admins only): one guard in front of the whole blueprint."""

import secrets
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from redis.exceptions import RedisError

from fluxnote import periodic
from fluxnote.billing.services import PlanError, set_plan_as_admin
from fluxnote.extensions import db, login_manager
from fluxnote.ops import inbound_log, queues, services
from fluxnote.webhooks.outbound import recent_deliveries, resend

bp = Blueprint("ops", __name__, url_prefix="/ops")
bp.after_app_request(inbound_log.after_request)


def init_app(app) -> None:
    periodic.register(inbound_log.prune)
    app.register_blueprint(bp)


@bp.before_request
def _admins_only():
    """Anonymous -> the login page; a signed-in non-admin -> 403. Covers every ops URL."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_admin:
        abort(403)


@bp.get("/")
def index():
    return render_template(
        "ops/index.html",
        **_live(),
        **_logs(),
        statuses=("queued", "running", "succeeded", "failed", "canceled"),
    )


def _live() -> dict:
    """Queue numbers from RQ (or the Redis error, which ops most needs to see) and health."""
    live = {
        "queues": [],
        "workers": [],
        "failed": [],
        "redis_error": None,
        "providers": services.provider_health(),
    }
    try:
        live.update(
            queues=queues.queue_stats(), workers=queues.workers(), failed=queues.failed_jobs()
        )
    except RedisError as exc:
        live["redis_error"] = f"{type(exc).__name__}: {exc}"
    return live


def _logs() -> dict:
    return {
        "callbacks": inbound_log.recent(),
        "inbound": services.inbound_events(),
        "outbound": recent_deliveries(limit=50),
    }


@bp.get("/live")
def live():
    return render_template("ops/_live.html", **_live())


@bp.get("/webhooks")
def webhooks():
    return render_template("ops/_webhooks.html", **_logs())


@bp.post("/jobs/<job_id>/retry")
def retry_job(job_id: str):
    if queues.retry_failed(job_id):
        flash(f"Job {job_id} is queued again.", "ok")
    else:
        flash(f"No failed job {job_id}.", "error")
    return redirect(url_for("ops.index"))


@bp.post("/webhooks/deliveries/<int:delivery_id>/resend")
def resend_delivery(delivery_id: int):
    if resend(delivery_id):
        flash(f"Delivery {delivery_id} will be sent again.", "ok")
    else:
        flash(f"No failed delivery {delivery_id}.", "error")
    return redirect(url_for("ops.index"))


@bp.get("/search")
def search():
    kind = request.args.get("kind", "generation")
    filters = {
        "workspace_id": request.args.get("workspace", type=int),
        "status": request.args.get("status", "")[:20] or None,
        "model": request.args.get("model", "")[:60] or None,
        "day_from": _day("from"),
        "day_to": _day("to"),
    }
    return render_template(
        "ops/search.html",
        kind=kind,
        args=request.args,
        rows=services.search(kind, **filters),
        installed=services.table(services.SEARCHABLE.get(kind, "")) is not None,
    )


def _day(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/workspaces")
def workspaces():
    q = request.args.get("q", "")
    return render_template(
        "ops/workspaces.html", q=q, found=services.find_workspaces(q) if q.strip() else []
    )


@bp.get("/workspaces/<int:workspace_id>")
def workspace(workspace_id: int):
    view = services.workspace_view(workspace_id)
    if view is None:
        abort(404)
    return render_template("ops/workspace.html", nonce=secrets.token_hex(16), **view)


@bp.post("/workspaces/<int:workspace_id>/plan")
def set_plan(workspace_id: int):
    """Plans on a self-hosted instance are the operator's: an admin sets them here."""
    try:
        outcome = set_plan_as_admin(workspace_id, request.form.get("plan", ""), current_user)
        db.session.commit()
    except PlanError as exc:
        db.session.rollback()
        if str(exc) == "Workspace not found.":
            abort(404)
        flash(str(exc), "error")
        return redirect(url_for("ops.workspace", workspace_id=workspace_id), 303)
    flash(
        {
            "upgraded": "Plan upgraded now; the extra credits are in this cycle.",
            "scheduled": "Downgrade scheduled for the next billing date.",
            "unchanged": "The plan is unchanged.",
        }[outcome],
        "ok",
    )
    return redirect(url_for("ops.workspace", workspace_id=workspace_id), 303)


@bp.post("/workspaces/<int:workspace_id>/adjust")
def adjust(workspace_id: int):
    form = request.form
    try:
        services.adjust_credits(
            workspace_id,
            form.get("kind", ""),
            form.get("action", ""),
            form.get("amount", 0, type=int),
            form.get("reason", ""),
            current_user.id,
            form.get("nonce", "") or secrets.token_hex(16),
        )
        db.session.commit()
    except services.OpsError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        view = services.workspace_view(workspace_id)
        if view is None:
            abort(404)
        return render_template("ops/workspace.html", nonce=secrets.token_hex(16), **view), 422
    flash("Adjustment recorded in the ledger.", "ok")
    return redirect(url_for("ops.workspace", workspace_id=workspace_id))
