"""Render pages for the web session: the studio's render panel (a self-polling htmx
partial), starting a render from it, the player's video and poster, and the download."""

from flask import Blueprint, Flask, abort, make_response, render_template, request, send_file
from flask_login import current_user, login_required

from fluxnote import events, periodic
from fluxnote.accounts.context import current_workspace
from fluxnote.extensions import db
from fluxnote.media.frames import ASPECTS
from fluxnote.renders import files, services
from fluxnote.renders.models import QUALITIES
from fluxnote.storage import orphans

bp = Blueprint("render", __name__)


def init_app(app: Flask) -> None:
    from fluxnote.renders import api
    from fluxnote.renders.sweeper import collect, sweep

    periodic.register(sweep)
    periodic.register(collect)
    orphans.register_owner(services.stored_keys)
    for signal in (events.project_finished, events.generation_finished):
        signal.connect(services.on_project_event)
    app.register_blueprint(bp)
    app.register_blueprint(api.bp)
    # the studio page shows the latest render without the studio importing renders
    app.add_template_global(services.latest_render)
    app.add_template_global(services.latest_playable)


def _panel(render, project_id: int, status: int = 200):
    return render_template(
        "render/_render_status.html",
        render=render,
        playable=services.latest_playable(render.workspace_id, project_id),
        project_id=project_id,
        aspects=list(ASPECTS),
    ), status


@bp.post("/projects/<int:project_id>/render")
@login_required
def start(project_id: int):
    aspect = request.form.get("aspect") or None
    quality = request.form.get("quality") or "final"
    if (aspect is not None and aspect not in ASPECTS) or quality not in QUALITIES:
        abort(422)
    try:
        render = services.start_render(
            current_workspace(), project_id, current_user, aspect, quality
        )
        db.session.commit()
    except services.ProjectNotFound:
        abort(404)
    return _panel(render, project_id)


@bp.get("/renders/<int:render_id>/status")
@login_required
def status(render_id: int):
    """The panel; the progress poll (HX-Target render-progress) gets only the progress
    while the render runs, and the whole panel, retargeted, once it has finished."""
    render = services.get_render(current_workspace().id, render_id) or abort(404)
    polling = request.headers.get("HX-Target") == "render-progress"
    if polling and render.in_flight:
        return render_template("render/_render_progress_poll.html", render=render)
    response = make_response(_panel(render, render.project_id))
    if polling:
        response.headers["HX-Retarget"] = "#render-status"
        response.headers["HX-Reswap"] = "outerHTML"
    return response


def _finished(render_id: int):
    return services.get_render(current_workspace().id, render_id) or abort(404)


@bp.get("/renders/<int:render_id>/download")
@login_required
def download(render_id: int):
    """The MP4 as an attachment named after the project's title."""
    try:
        return files.send_video(_finished(render_id), attachment=True)
    except files.NotReady:
        abort(404)


@bp.get("/renders/<int:render_id>/video")
@login_required
def video(render_id: int):
    """The MP4 inline for the studio's player (range requests answer 206)."""
    try:
        return files.send_video(_finished(render_id), attachment=False)
    except files.NotReady:
        abort(404)


@bp.get("/renders/<int:render_id>/poster.jpg")
@login_required
def poster(render_id: int):
    """A frame of the render (the player's poster, the dashboard's thumbnail)."""
    try:
        path = files.poster_path(_finished(render_id))
    except files.NotReady:
        abort(404)
    return send_file(path, mimetype="image/jpeg", conditional=True, max_age=86400)
