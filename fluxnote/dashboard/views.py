"""`/`: the landing page for a visitor; for a creator, the dashboard: create a video,
recent videos, what the install has connected, credit counters (refreshed by the
credits-changed event) and usage."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from fluxnote import config
from fluxnote.accounts.context import current_workspace
from fluxnote.credits.services import snapshot
from fluxnote.dashboard.services import overview, recent_videos
from fluxnote.dashboard.setup import checklist
from fluxnote.plans import get_plan
from fluxnote.studio.templates import templates

bp = Blueprint("dashboard", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return render_template("dashboard/landing.html", templates=list(templates().values()))
    workspace = current_workspace()
    return render_template(
        "dashboard/index.html",
        workspace=workspace,
        plan=get_plan(workspace.plan),
        credits=overview(workspace),
        recent=recent_videos(workspace.id),
        templates=list(templates().values()),
        checks=checklist(config.current()),
    )


@bp.get("/dashboard/credits")
@login_required
def credits_fragment():
    workspace = current_workspace()
    return render_template(
        "dashboard/_credits.html",
        workspace=workspace,
        plan=get_plan(workspace.plan),
        credits=overview(workspace),
    )


@bp.get("/dashboard/credits/summary")
@login_required
def credit_summary():
    """The one-line balance strip other pages include; refreshed on credits-changed."""
    return render_template(
        "dashboard/_credit_summary.html", balances=snapshot(current_workspace().id)
    )
