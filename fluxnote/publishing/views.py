"""Publishing pages: connect / disconnect accounts from /settings (the OAuth round
trip), and the studio's publish panel for a finished render (an htmx partial that polls
while a publication is in flight)."""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required

from fluxnote import periodic
from fluxnote.accounts.context import current_workspace
from fluxnote.extensions import db
from fluxnote.publishing import services, targets
from fluxnote.publishing.models import PRIVACY
from fluxnote.publishing.platforms import PLATFORMS
from fluxnote.publishing.platforms.base import PublishError
from fluxnote.renders.services import get_render
from fluxnote.studio.models import Project

bp = Blueprint("publishing", __name__)
FLOW = "publish_oauth"


def init_app(app: Flask) -> None:
    from fluxnote.publishing import api
    from fluxnote.publishing.sweeper import sweep

    app.register_blueprint(bp)
    app.register_blueprint(api.bp)
    periodic.register(sweep)
    app.add_template_global(publish_panel)
    app.add_template_global(publishing_settings)


@bp.before_request
@login_required
def _login():
    """Every publishing page needs a session."""


def _redirect_uri(platform: str) -> str:
    path = url_for("publishing.callback", platform=platform)
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


@bp.get("/settings/publishing/<platform>/connect")
def connect(platform: str):
    """Start the OAuth flow. A link, not a form: the CSP's `form-action 'self'` would
    (rightly) stop a form from redirecting to the platform; a link starting a flow the
    creator must still approve on the platform changes nothing here by itself."""
    try:
        url, flow = targets.begin(platform, _redirect_uri(platform))
    except targets.ConnectError as exc:
        flash(str(exc), "error")
        return redirect(url_for("billing.settings") + "#settings-publishing")
    session[FLOW] = flow | {"workspace_id": current_workspace().id}
    return redirect(url)


@bp.get("/settings/publishing/<platform>/callback")
def callback(platform: str):
    flow = session.pop(FLOW, None)
    if flow and (
        flow.get("platform") != platform or flow.get("workspace_id") != current_workspace().id
    ):
        flow = None
    try:
        target = targets.finish(
            current_workspace().id, current_user.id, flow, request.args, _redirect_uri(platform)
        )
    except (targets.ConnectError, PublishError) as exc:
        flash(f"Could not connect: {getattr(exc, 'message', exc)}", "error")
    else:
        flash(f"Connected {PLATFORMS[target.platform].label}: {target.account_name}.", "ok")
    return redirect(url_for("billing.settings") + "#settings-publishing")


@bp.post("/settings/publishing/targets/<int:target_id>/disconnect")
def disconnect(target_id: int):
    if not targets.disconnect(current_workspace().id, target_id):
        abort(404)
    db.session.commit()
    flash("Disconnected; FluxNote's access was revoked.", "ok")
    return redirect(url_for("billing.settings") + "#settings-publishing")


@bp.post("/renders/<int:render_id>/publish")
def publish(render_id: int):
    body = {
        "target_id": request.form.get("target_id", type=int),
        "title": request.form.get("title", ""),
        "description": request.form.get("description", ""),
        "privacy": request.form.get("privacy"),
    }
    try:
        body["publish_at"] = _aware(request.form.get("publish_at"), request.form.get("time_zone"))
        body = {k: v for k, v in body.items() if v not in (None, "")}
        services.publish(current_workspace().id, current_user.id, render_id, body)
        db.session.commit()
    except LookupError:
        abort(404)
    except services.PublishInvalid as exc:
        return _panel(render_id, error=exc, form=request.form), 422
    return _panel(render_id)


@bp.get("/renders/<int:render_id>/publications")
def publications(render_id: int):
    return _panel(render_id)


def _panel(render_id: int, **extra):
    if get_render(current_workspace().id, render_id) is None:
        abort(404)
    return render_template(
        "publishing/_publish.html", panel=publish_panel(current_workspace().id, render_id), **extra
    )


def _aware(value: str | None, zone: str | None) -> str | None:
    """The form's datetime-local value read in the browser's time zone (app.js sends it;
    without script the field says UTC); empty: now. A value that is no date-time is left
    for `services.publish` to refuse with its own message."""
    if not value:
        return None
    try:
        tz = ZoneInfo(zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError, OSError):  # not a zone, or not a zone file
        raise services.PublishInvalid("publish_at", "Unknown time zone.") from None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return value
    return (when if when.tzinfo else when.replace(tzinfo=tz)).isoformat()


def publish_panel(workspace_id: int, render_id: int) -> dict:
    """For the studio's render panel: connected accounts and this render's publications."""
    return {
        "render_id": render_id,
        "targets": [t for t in targets.list_targets(workspace_id) if t.status == "connected"],
        "publications": services.for_render(workspace_id, render_id),
        "title": _project_title(workspace_id, render_id),
        "privacy": PRIVACY,
        "labels": {name: p.label for name, p in PLATFORMS.items()},
    }


def _project_title(workspace_id: int, render_id: int) -> str:
    """The title the publish form starts with: the project's (platforms cap it at 100)."""
    render = get_render(workspace_id, render_id)
    project = render and db.session.get(Project, render.project_id)
    return project.title[:100] if project else ""


def publishing_settings(workspace_id: int) -> dict:
    """For /settings: each platform (configured or not) and the connected accounts."""
    return {
        "platforms": [(name, p.label, p.configured()) for name, p in PLATFORMS.items()],
        "targets": targets.list_targets(workspace_id),
        "labels": {name: p.label for name, p in PLATFORMS.items()},
    }
