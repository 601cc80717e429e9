"""Studio API: templates, caption styles, projects (quick create, read, patch, duplicate)."""

from fluxnote.accounts.context import current_actor, current_workspace
from fluxnote.api import openapi
from fluxnote.api.auth import api_blueprint
from fluxnote.errors import ApiError
from fluxnote.extensions import db
from fluxnote.media.frames import ASPECTS
from fluxnote.studio import create, edits, services
from fluxnote.studio.choices import caption_styles
from fluxnote.studio.models import Project
from fluxnote.studio.services import StudioError, get_project
from fluxnote.studio.templates import templates

bp = api_blueprint("studio_api", __name__)

_LIST = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["id", "name"],
        "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
    },
}
_WORD = {
    "type": "object",
    "properties": {
        "text": {"type": "string"},
        "start": {"type": "number"},
        "end": {"type": "number"},
    },
}
PROJECT = openapi.schema(
    "Project",
    {
        "type": "object",
        "required": [
            "id",
            "title",
            "template",
            "voice",
            "caption_style",
            "aspect",
            "status",
            "scenes",
            "generations",
        ],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "template": {"type": "string"},
            "voice": {"type": "string"},
            "caption_style": {"type": "string"},
            "caption_overrides": {"type": "object"},
            "aspect": {"enum": list(ASPECTS)},
            "status": {"enum": ["building", "ready", "failed"]},
            "progress": {"type": "number"},
            "visuals": {"type": "string"},
            "writer": {"type": "string"},
            "source_url": {"type": "string", "description": "The article it was made from"},
            "parent_id": {"type": ["integer", "null"]},
            "duration_s": {"type": "number"},
            "music": {"type": "object"},
            "error": {"type": "string"},
            "cost": {"type": "object"},
            "scenes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "text", "duration_s"],
                    "properties": {
                        "id": {"type": "integer"},
                        "text": {"type": "string"},
                        "asset_id": {"type": "integer"},
                        "duration_s": {"type": "number"},
                        "trim_start": {"type": "number"},
                        "trim_end": {"type": "number"},
                        "words": {"type": "array", "items": _WORD},
                        "stock": {
                            "type": "object",
                            "description": "Stock footage: search terms, the pick and "
                            "alternates (swap with PATCH asset_id or in the studio), a note "
                            "when none was found",
                        },
                    },
                },
            },
            "generations": {"type": "array", "items": {"type": "integer"}},
        },
    },
)
CREATE, PATCH = create.SCHEMA, edits.SCHEMA
_ID = [{"name": "project_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_ok = openapi.json_response
openapi.document(
    "/api/v1/templates",
    "get",
    {
        "summary": "Project templates",
        "responses": {"200": _ok("Templates", _LIST), **openapi.error_responses(401)},
    },
)
openapi.document(
    "/api/v1/caption-styles",
    "get",
    {
        "summary": "Caption styles",
        "responses": {"200": _ok("Caption styles", _LIST), **openapi.error_responses(401)},
    },
)
openapi.document(
    "/api/v1/projects",
    "get",
    {
        "summary": "This workspace's projects",
        "responses": {
            "200": _ok("Projects", {"type": "array", "items": PROJECT}),
            **openapi.error_responses(401),
        },
    },
)
openapi.document(
    "/api/v1/projects/{project_id}",
    "get",
    {
        "summary": "A project",
        "parameters": _ID,
        "responses": {"200": _ok("Project", PROJECT), **openapi.error_responses(401, 404)},
    },
)
openapi.document(
    "/api/v1/projects/{project_id}",
    "patch",
    {
        "summary": "Edit voice, captions, aspect, music, scenes (text, order, trims...) — free",
        "description": "New words and voices are spoken before the answer (a few seconds "
        "per scene). 409 `voice_failed`: the voice service failed, nothing changed, try "
        "again; 409 `edit_conflict`: the project changed meanwhile.",
        "parameters": _ID,
        "requestBody": {"required": True, "content": {"application/json": {"schema": PATCH}}},
        "responses": {
            "200": _ok("Project", PROJECT),
            **openapi.error_responses(400, 401, 404, 409, 422),
        },
    },
)
openapi.document(
    "/api/v1/projects/{project_id}/duplicate",
    "post",
    {
        "summary": "A variant sharing the project's assets; no credit spent",
        "parameters": _ID,
        "responses": {"201": _ok("The variant", PROJECT), **openapi.error_responses(401, 404)},
    },
)
openapi.document(
    "/api/v1/projects/{project_id}/undo",
    "post",
    {
        "summary": "Undo the last edit",
        "parameters": _ID,
        "responses": {"200": _ok("Project", PROJECT), **openapi.error_responses(401, 404, 409)},
    },
)


@bp.get("/templates")
def template_list():
    return [t.to_json() for t in templates().values()]


@bp.get("/caption-styles")
def caption_style_list():
    return caption_styles()


@bp.get("/projects")
def project_list():
    return [services.to_json(p) for p in services.list_projects(current_workspace().id)]


@bp.get("/projects/<int:project_id>")
def project_detail(project_id: int):
    return services.to_json(_project_or_404(project_id))


@bp.patch("/projects/<int:project_id>")
def project_patch(project_id: int):
    project = _project_or_404(project_id)
    try:
        project = edits.apply_patch(project, openapi.json_body(), label="API edit")
    except StudioError as exc:
        raise ApiError(exc.status, exc.message, field=exc.field, code=exc.code) from exc
    return services.to_json(project)


@bp.post("/projects/<int:project_id>/duplicate")
def project_duplicate(project_id: int):
    copy = services.duplicate(_project_or_404(project_id), current_actor().id)
    db.session.commit()
    return services.to_json(copy), 201


@bp.post("/projects/<int:project_id>/undo")
def project_undo(project_id: int):
    project = _project_or_404(project_id)
    if services.undo(project) is None:
        raise ApiError(409, "Nothing to undo.", code="nothing_to_undo")
    db.session.commit()
    return services.to_json(project)


def _project_or_404(project_id: int) -> Project:
    project = get_project(current_workspace().id, project_id)
    if project is None:
        raise ApiError(404, "Project not found.")
    return project
