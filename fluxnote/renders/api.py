"""Render API: start a render of a project (free), read its status, download the MP4."""

from fluxnote.accounts.context import current_actor, current_workspace
from fluxnote.api import openapi
from fluxnote.api.auth import api_blueprint
from fluxnote.errors import ApiError
from fluxnote.extensions import db
from fluxnote.media.frames import ASPECTS
from fluxnote.renders import files, services
from fluxnote.renders.models import QUALITIES, Render

bp = api_blueprint("render_api", __name__)

RENDER = openapi.schema(
    "Render",
    {
        "type": "object",
        "required": [
            "id",
            "project_id",
            "status",
            "progress",
            "width",
            "height",
            "aspect",
            "created_at",
        ],
        "properties": {
            "id": {"type": "integer"},
            "project_id": {"type": "integer"},
            "status": {"enum": ["queued", "running", "succeeded", "failed"]},
            "progress": {"type": "number", "minimum": 0, "maximum": 1},
            "width": {"type": "integer"},
            "height": {"type": "integer"},
            "aspect": {"enum": list(ASPECTS)},
            "quality": {"enum": list(QUALITIES)},
            "segments": {
                "type": "object",
                "required": ["total", "reused"],
                "properties": {
                    "total": {"type": "integer", "minimum": 0},
                    "reused": {"type": "integer", "minimum": 0},
                },
                "description": "Video segments of the render and how many were taken "
                "unchanged from earlier renders (set once the render is planned).",
            },
            "duration_s": {"type": "number"},
            "url": {"type": "string"},
            "error": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "finished_at": {"type": "string", "format": "date-time"},
        },
    },
)
NEW_RENDER = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"aspect": {"enum": list(ASPECTS)}, "quality": {"enum": list(QUALITIES)}},
}
openapi.document(
    "/api/v1/projects/{project_id}/renders",
    "post",
    {
        "summary": "Render the project to MP4 (free, never spends credits)",
        "description": "Queues a render at the project's aspect (or `aspect`); `quality` "
        '"preview" is at most 540 px wide with the fastest encoder preset. A render of the same '
        "project, aspect and quality already in flight is returned instead of a new one. Segments "
        "unchanged since an earlier render are reused.",
        "parameters": [
            {"name": "project_id", "in": "path", "required": True, "schema": {"type": "integer"}}
        ],
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": NEW_RENDER}},
        },
        "responses": {
            "202": openapi.json_response("The render, queued", RENDER),
            **openapi.error_responses(400, 401, 404, 422),
        },
    },
)
_ID = [{"name": "render_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
openapi.document(
    "/api/v1/renders/{render_id}",
    "get",
    {
        "summary": "A render's status and progress (0..1)",
        "parameters": _ID,
        "responses": {
            "200": openapi.json_response("The render", RENDER),
            **openapi.error_responses(401, 404),
        },
    },
)
openapi.document(
    "/api/v1/renders/{render_id}/file",
    "get",
    {
        "summary": "The rendered MP4 (404 until the render has succeeded)",
        "parameters": _ID,
        "responses": {
            "200": {"description": "The MP4", "content": {"video/mp4": {}}},
            **openapi.error_responses(401, 404),
        },
    },
)


@bp.post("/projects/<int:project_id>/renders")
def create_render(project_id: int):
    body = openapi.check_body(NEW_RENDER, openapi.json_body(optional=True))
    try:
        render = services.start_render(
            current_workspace(),
            project_id,
            current_actor(),
            body.get("aspect"),
            body.get("quality", "final"),
        )
        db.session.commit()
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
    try:
        return files.send_video(_render_or_404(render_id), attachment=False)
    except files.NotReady:
        raise ApiError(404, "The render has no file yet.") from None
