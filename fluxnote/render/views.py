"""Render pages for the web session: the studio's render panel (a self-polling htmx
partial), starting a render from it, and the download."""
from flask import Blueprint, Flask, abort, render_template, request, send_file
from flask_login import current_user, login_required

from fluxnote.accounts.context import current_workspace
from fluxnote.periodic import PERIODIC
from fluxnote.render import services
from fluxnote.render.api import bp as api_bp  # noqa: F401  (registers the model and docs)
from fluxnote.render.spec import ASPECTS
from fluxnote.storage.services import path_for

bp = Blueprint("render", __name__)


def init_app(app: Flask) -> None:
    from fluxnote.render.sweeper import sweep
    if sweep not in PERIODIC:
        PERIODIC.append(sweep)


def _panel(render, project_id: int, status: int = 200):
    return render_template("render/_render_status.html", render=render, project_id=project_id,
                           aspects=list(ASPECTS)), status


@bp.post("/projects/<int:project_id>/render")
@login_required
def start(project_id: int):
    aspect = request.form.get("aspect") or None
    if aspect is not None and aspect not in ASPECTS:
        abort(422)
    try:
        render = services.start_render(current_workspace(), project_id, current_user, aspect)
    except services.ProjectNotFound:
        abort(404)
    return _panel(render, project_id)


@bp.get("/renders/<int:render_id>/status")
@login_required
def status(render_id: int):
    render = services.get_render(current_workspace().id, render_id) or abort(404)
    return _panel(render, render.project_id)


@bp.get("/renders/<int:render_id>/download")
@login_required
def download(render_id: int):
    render = services.get_render(current_workspace().id, render_id) or abort(404)
    if render.status != "succeeded" or not render.storage_key:
        abort(404)
    return send_file(path_for(render.storage_key), mimetype="video/mp4", as_attachment=True,
                     download_name=f"fluxnote-render-{render.id}.mp4")
