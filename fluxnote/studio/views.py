"""Studio web pages: the projects list with quick create, and the editor at
/studio/<id>, whose every area is an htmx partial with a stable id."""
from flask import (Blueprint, Response, abort, make_response, redirect, render_template, request,
                   send_file, url_for)
from flask_login import current_user, login_required

from fluxnote.accounts.context import current_workspace
from fluxnote.credits.services import InsufficientCredits
from fluxnote.periodic import PERIODIC
from fluxnote.studio import create, edits, forms, media, services
from fluxnote.studio.models import Project
from fluxnote.studio.page import editor_context, preview_png_for
from fluxnote.studio.services import StudioError
from fluxnote.studio.sweeper import sweep
from fluxnote.uploads.services import UploadError, store_upload

bp = Blueprint("studio", __name__)
if sweep not in PERIODIC:
    PERIODIC.append(sweep)


@bp.before_request
@login_required
def _login():
    """Every studio page needs a session."""


def _project(project_id: int) -> Project:
    return services.get_project(current_workspace().id, project_id) or abort(404)


@bp.get("/studio")
def projects():
    return render_template("studio/projects.html", **forms.new_project_context(current_workspace()))


@bp.post("/studio")
def quick_create():
    try:
        req = create.parse_request(forms.create_body(request.form))
        project = create.quick_create(current_workspace(), current_user.id, req)
    except (StudioError, InsufficientCredits) as exc:
        ctx = forms.new_project_context(current_workspace(), request.form, exc)
        return render_template("studio/_new.html", **ctx), 422
    return _go(url_for("studio.editor", project_id=project.id))


@bp.post("/studio/cost")
def quick_create_cost():
    return render_template("studio/_cost.html", **forms.cost_context(current_workspace(), request.form))


@bp.get("/studio/<int:project_id>")
def editor(project_id: int):
    return render_template("studio/editor.html", **editor_context(_project(project_id)))


@bp.get("/studio/<int:project_id>/part/<name>")
def part(project_id: int, name: str):
    """One area re-rendered (the build status polls this while the project is building)."""
    if name not in forms.PARTS:
        abort(404)
    return render_template(f"studio/_{name}.html", **editor_context(_project(project_id)))


@bp.get("/studio/<int:project_id>/preview.png")
def preview(project_id: int):
    png = preview_png_for(_project(project_id), request.args)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=300"})


@bp.get("/studio/<int:project_id>/music.wav")
def music(project_id: int):
    """The project's music track, for the music picker's player."""
    project = _project(project_id)
    path = media.music_path(project.music_track, project.workspace_id) if project.music_track else None
    return send_file(path or abort(404), mimetype="audio/wav", conditional=True)


@bp.post("/studio/<int:project_id>/edit/<action>")
def edit(project_id: int, action: str):
    """Every editor form posts here; the action names the form and the partial answered."""
    project = _project(project_id)
    if action not in forms.ACTIONS:
        abort(404)
    try:
        body, label = forms.patch_body(project, action, request.form)
        project = edits.apply_patch(project, body, label=label)
    except StudioError as exc:
        return _areas(project, forms.ACTIONS[action], error=exc, status=422)
    return _areas(project, forms.ACTIONS[action])


@bp.post("/studio/<int:project_id>/scenes/<int:scene_id>/upload/<use>")
def upload(project_id: int, scene_id: int, use: str):
    """An upload (free) becomes the scene's visual, or its narration (aligned offline)."""
    project = _project(project_id)
    field = {"visual": "asset_id", "narration": "narration_asset_id"}.get(use) or abort(404)
    file = request.files.get("file")
    try:
        if file is None:
            raise StudioError("file", "Choose a file to upload.")
        asset = store_upload(project.workspace_id, current_user.id, file.stream, file.filename or "")
        project = edits.apply_patch(project, {"scenes": [{"id": scene_id, field: asset.id}]},
                                    label=f"Upload a {use}")
    except UploadError as exc:
        return _areas(project, "scenes", error=StudioError("file", exc.message), status=exc.status)
    except StudioError as exc:
        return _areas(project, "scenes", error=exc, status=422)
    return _areas(project, "scenes")


@bp.post("/studio/<int:project_id>/scenes/<int:scene_id>/generate")
def generate_visual(project_id: int, scene_id: int):
    """A new credited generation for one scene (its cost is on the button)."""
    project = _project(project_id)
    try:
        forms.generate_for_scene(project, scene_id, request.form, current_user.id)
    except (StudioError, InsufficientCredits) as exc:
        return _areas(project, "scenes", error=exc, status=422 if isinstance(exc, StudioError) else 402)
    response = _areas(services.get_project(project.workspace_id, project.id), "scenes")
    response.headers["HX-Trigger"] = "credits-changed"
    return response


@bp.post("/studio/<int:project_id>/rebuild")
def rebuild(project_id: int):
    project = _project(project_id)
    if project.status == "failed":
        create.rebuild(project)
    return _areas(project, "editor")


@bp.post("/studio/<int:project_id>/undo")
def undo(project_id: int):
    project = _project(project_id)
    services.undo(project)
    return _areas(project, "editor")


@bp.post("/studio/<int:project_id>/duplicate")
def duplicate(project_id: int):
    copy = services.duplicate(_project(project_id), current_user.id)
    return _go(url_for("studio.editor", project_id=copy.id))


def _go(url: str):
    """htmx follows HX-Redirect; a plain form post gets a normal redirect."""
    if not request.headers.get("HX-Request"):
        return redirect(url, 303)
    response = make_response("", 204)
    response.headers["HX-Redirect"] = url
    return response


def _areas(project: Project, main: str, error: Exception | None = None, status: int = 200):
    """The edited area, plus out-of-band refreshes of the areas an edit also changes."""
    ctx = editor_context(project, error=error)
    html = render_template("studio/_edit_response.html", main=main, **ctx)
    return make_response(html, status)
