"""Studio web pages: the projects list with quick create, and the editor at
/studio/<id>, whose every area is an htmx partial with a stable id."""

import uuid

from flask import (
    Blueprint,
    Response,
    abort,
    make_response,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from fluxnote import events, htmx, periodic
from fluxnote.accounts.context import current_workspace
from fluxnote.credits.services import InsufficientCredits
from fluxnote.extensions import db
from fluxnote.storage import orphans
from fluxnote.storage import services as storage
from fluxnote.studio import create, edits, footage, forms, jobs, media, services
from fluxnote.studio.models import Project
from fluxnote.studio.page import editor_context, preview_png_for
from fluxnote.studio.services import StudioError
from fluxnote.studio.sweeper import sweep
from fluxnote.tasks import enqueue_after_commit
from fluxnote.uploads.services import MB, UploadError, max_upload_bytes, store_upload

bp = Blueprint("studio", __name__)
# what an upload becomes in a scene: the edited field and the kinds of file it takes
UPLOAD_USES = {
    "visual": ("asset_id", ("image", "video")),
    "narration": ("narration_asset_id", ("audio",)),
}


def init_app(app) -> None:
    from fluxnote.studio import api

    periodic.register(sweep)
    events.generation_finished.connect(services.on_generation_finished)
    app.add_template_global(services.crop_note)
    orphans.register_owner(services.stored_keys)
    app.register_blueprint(api.bp)
    app.register_blueprint(bp)


@bp.before_request
@login_required
def _login():
    """Every studio page needs a session."""


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc: RequestEntityTooLarge):
    """A body over MAX_CONTENT_LENGTH is refused from its Content-Length before a byte of
    it is read (by whichever reads the form first, the CSRF check included): an upload
    is told so in its scene list, anything else on the error page."""
    message = f"Uploads are limited to {max_upload_bytes() // MB} MB."
    if request.endpoint == "studio.upload" and current_user.is_authenticated:
        project = _project(request.view_args["project_id"])
        return _areas(project, "scenes", error=StudioError("file", message), status=413)
    return render_template("errors/error.html", code=413, message=message), 413


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
        db.session.commit()
    except (StudioError, InsufficientCredits) as exc:
        ctx = forms.new_project_context(current_workspace(), request.form, exc)
        return render_template("studio/_new.html", **ctx), 422
    return htmx.redirect_to(url_for("studio.editor", project_id=project.id))


@bp.post("/studio/cost")
def quick_create_cost():
    return render_template(
        "studio/_cost.html", **forms.cost_context(current_workspace(), request.form)
    )


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
    path = (
        media.music_path(project.music_track, project.workspace_id) if project.music_track else None
    )
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
        return _areas(project, forms.ACTIONS[action], error=exc, status=exc.status)
    response = _areas(project, forms.ACTIONS[action])
    if action in forms.VARIANT_FIELDS:
        response.headers["HX-Trigger"] = "variants-changed"  # the variants list refreshes
    return response


@bp.post("/studio/<int:project_id>/scenes/<int:scene_id>/upload/<use>")
def upload(project_id: int, scene_id: int, use: str):
    """An upload (free) becomes the scene's visual, or its narration (aligned offline)."""
    project = _project(project_id)
    field, kinds = UPLOAD_USES.get(use) or abort(404)
    file = request.files.get("file")
    try:
        if file is None:
            raise StudioError("file", "Choose a file to upload.")
        services.scene_of(project, scene_id)  # the edit is checked before the file is stored
        asset = store_upload(
            project.workspace_id, current_user.id, file.stream, file.filename or "", kinds
        )
        project = edits.apply_patch(
            project, {"scenes": [{"id": scene_id, field: asset.id}]}, label=f"Upload a {use}"
        )
    except UploadError as exc:
        db.session.rollback()
        return _areas(project, "scenes", error=StudioError("file", exc.message), status=exc.status)
    except StudioError as exc:
        db.session.rollback()  # with it the asset row, if the edit was refused before it
        return _areas(project, "scenes", error=exc, status=exc.status)
    return _areas(project, "scenes")


@bp.post("/studio/<int:project_id>/scenes/<int:scene_id>/generate")
def generate_visual(project_id: int, scene_id: int):
    """A new credited generation for one scene (its cost is on the button)."""
    project = _project(project_id)
    try:
        forms.generate_for_scene(project, scene_id, request.form, current_user.id)
        db.session.commit()
    except (StudioError, InsufficientCredits) as exc:
        return _areas(
            project, "scenes", error=exc, status=422 if isinstance(exc, StudioError) else 402
        )
    return htmx.trigger(_areas(services.get_project(project.workspace_id, project.id), "scenes"))


@bp.get("/studio/<int:project_id>/scenes/<int:scene_id>/visual")
def scene_visual(project_id: int, scene_id: int):
    """One scene's visual block (it polls this while a stock alternate is fetched)."""
    project = _project(project_id)
    return _scene_visual(project, scene_of_or_404(project, scene_id))


@bp.post("/studio/<int:project_id>/scenes/<int:scene_id>/stock/<int:choice>")
def swap_stock(project_id: int, scene_id: int, choice: int):
    """Show stock alternate `choice` (free): at once if it was downloaded before, else a
    job fetches it while the block polls."""
    project = _project(project_id)
    scene = scene_of_or_404(project, scene_id)
    try:
        if not footage.request_swap(project, scene, choice):
            enqueue_after_commit(
                "default",
                jobs.swap_stock,
                scene.id,
                choice,
                job_id=f"stock-swap-{scene.id}-{choice}-{uuid.uuid4().hex[:8]}",
            )
        db.session.commit()
    except StudioError as exc:
        return _scene_visual(project, scene, exc), 422
    return _scene_visual(project, scene)


@bp.get("/studio/<int:project_id>/scenes/<int:scene_id>/stock/<int:choice>/thumb")
def stock_thumb(project_id: int, scene_id: int, choice: int):
    """A stock alternate's thumbnail, kept when the scene was searched."""
    scene = scene_of_or_404(_project(project_id), scene_id)
    options = (scene.stock or {}).get("options") or []
    key = options[choice].get("thumb_key") if choice < len(options) else None
    if not key:
        abort(404)
    return send_file(storage.fetch(key), max_age=86400)


def _scene_visual(project: Project, scene, error: Exception | None = None) -> str:
    n = [s.id for s in project.scenes].index(scene.id) + 1
    ctx = editor_context(project, error=error)
    return render_template("studio/_scene_visual.html", scene=scene, n=n, **ctx)


def scene_of_or_404(project: Project, scene_id: int):
    return next((s for s in project.scenes if s.id == scene_id), None) or abort(404)


@bp.post("/studio/<int:project_id>/rebuild")
def rebuild(project_id: int):
    project = _project(project_id)
    if project.status == "failed":
        create.rebuild(project)
        db.session.commit()
    return _areas(project, "editor")


@bp.post("/studio/<int:project_id>/undo")
def undo(project_id: int):
    project = _project(project_id)
    services.undo(project)
    db.session.commit()
    return _areas(project, "editor")


@bp.post("/studio/<int:project_id>/duplicate")
def duplicate(project_id: int):
    copy = services.duplicate(_project(project_id), current_user.id)
    db.session.commit()
    return htmx.redirect_to(url_for("studio.editor", project_id=copy.id))


def _areas(project: Project, main: str, error: Exception | None = None, status: int = 200):
    """The edited area, plus out-of-band refreshes of the areas an edit also changes."""
    ctx = editor_context(project, error=error)
    html = render_template("studio/_edit_response.html", main=main, **ctx)
    return make_response(html, status)
