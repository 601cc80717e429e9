"""The dashboard: credit counters (refreshed by the credits-changed event) and usage."""
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from fluxnote.accounts.context import current_workspace
from fluxnote.billing.plans import get_plan
from fluxnote.credits.services import snapshot
from fluxnote.dashboard.services import overview

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    workspace = current_workspace()
    return render_template("dashboard/index.html", workspace=workspace,
                           plan=get_plan(workspace.plan), credits=overview(workspace))


@bp.get("/dashboard/credits")
@login_required
def credits_fragment():
    workspace = current_workspace()
    return render_template("dashboard/_credits.html", workspace=workspace,
                           plan=get_plan(workspace.plan), credits=overview(workspace))


@bp.get("/dashboard/credits/summary")
@login_required
def credit_summary():
    """The one-line balance strip other pages include; refreshed on credits-changed."""
    return render_template("dashboard/_credit_summary.html",
                           balances=snapshot(current_workspace().id))
