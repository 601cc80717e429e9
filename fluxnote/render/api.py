"""Render API: start a render of a project (free), read its status, download the MP4."""
from flask import request, send_file

from fluxnote.accounts.context import current_actor, current_workspace
from fluxnote.api import openapi
from fluxnote.api.auth import api_blueprint
from fluxnote.errors import ApiError
from fluxnote.render import services
from fluxnote.render.models import Render
from fluxnote.render.spec import ASPECTS
from fluxnote.storage.services import path_for

bp = api_blueprint("render_api", __name__)

RENDER = openapi.schema("Render", {
    "type": "object",
    "required": ["id", "project_id", "status", "progress", "width", "height", "aspect", "created_at"],
    "properties": {
        "id": {"type": "integer"}, "project_id": {"type": "integer"},
        "status": {"enum": ["queued", "running", "succeeded", "failed"]},
        "progress": {"type": "number", "minimum": 0, "maximum": 1},
        "width": {"type": "integer"}, "height": {"type": "integer"},
        "aspect": {"enum": list(ASPECTS)}, "duration_s": {"type": "number"},
        "url": {"type": "string"}, "error": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "finished_at": {"type": "string", "format": "date-time"}}})
openapi.document("/api/v1/projects/{project_id}/renders", "post", {
    "summary": "Render the project to MP4 (free, never spends credits)",
    "description": "Queues a render at the project's aspect (or `aspect`). A render of the same "
                   "project and aspect already in flight is returned instead of a new one.",
    "parameters": [{"name": "project_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
    "requestBody": {"required": False, "content": {"application/json": {"schema": {
        "type": "object", "additionalProperties": False,
        "properties": {"aspect": {"enum": list(ASPECTS)}}}}}},
    "responses": {"202": openapi.json_response("The render, queued", RENDER),
                  **openapi.error_responses(400, 401, 404, 422)}})
_ID = [{"name": "render_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
openapi.document("/api/v1/renders/{render_id}", "get", {
    "summary": "A render's status and progress (0..1)", "parameters": _ID,
    "responses": {"200": openapi.json_response("The render", RENDER), **openapi.error_responses(401, 404)}})
openapi.document("/api/v1/renders/{render_id}/file", "get", {
    "summary": "The rendered MP4 (404 until the render has succeeded)", "parameters": _ID,
    "responses": {"200": {"description": "The MP4", "content": {"video/mp4": {}}},
                  **openapi.error_responses(401, 404)}})


@bp.post("/projects/<int:project_id>/renders")
def create_render(project_id: int):
    body = request.get_json(silent=True) if request.data else {}
    if not isinstance(body, dict):
        raise ApiError(400, "The body must be a JSON object.")
    for name in sorted(set(body) - {"aspect"}):
        raise ApiError(422, f"Unknown field {name!r}.", field=name)
    aspect = body.get("aspect")
    if aspect is not None and aspect not in ASPECTS:
        raise ApiError(422, f"aspect must be one of {', '.join(ASPECTS)}.", field="aspect")
    try:
        render = services.start_render(current_workspace(), project_id, current_actor(), aspect)
    except services.ProjectNotFound:
        raise ApiError(404, "Project not found.") from None
    return render.to_json(), 202


def _render_or_404(render_id: int) -> Render:
    render = services.get_render(current_workspace().id, render_id)
    if render is None:
        raise ApiError(404, "Render not found.")
    return render


@bp.get("/renders/<int:render_id>")
def render_detail(render_id: int):
    return _render_or_404(render_id).to_json()


@bp.get("/renders/<int:render_id>/file")
def render_file(render_id: int):
    render = _render_or_404(render_id)
    if render.status != "succeeded" or not render.storage_key:
        raise ApiError(404, "The render has no file yet.")
    return send_file(path_for(render.storage_key), mimetype="video/mp4", conditional=True,
                     download_name=f"fluxnote-render-{render.id}.mp4")
