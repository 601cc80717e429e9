"""Studio API: templates, caption styles, projects (quick create, read, patch, duplicate)."""
from flask import request

from fluxnote.accounts.context import current_actor, current_workspace
from fluxnote.api import openapi
from fluxnote.api.auth import api_blueprint
from fluxnote.credits.services import InsufficientCredits
from fluxnote.errors import ApiError
from fluxnote.studio import create, edits, services
from fluxnote.studio.choices import caption_styles
from fluxnote.studio.models import Project
from fluxnote.studio.services import StudioError, get_project
from fluxnote.studio.templates import templates

bp = api_blueprint("studio_api", __name__)

_LIST = {"type": "array", "items": {"type": "object", "required": ["id", "name"],
                                    "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}}
_WORD = {"type": "object", "properties": {"text": {"type": "string"}, "start": {"type": "number"},
                                          "end": {"type": "number"}}}
PROJECT = openapi.schema("Project", {
    "type": "object", "required": ["id", "title", "template", "voice", "caption_style", "aspect", "status",
                                   "scenes", "generations"],
    "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"}, "template": {"type": "string"},
        "voice": {"type": "string"}, "caption_style": {"type": "string"},
        "caption_overrides": {"type": "object"}, "aspect": {"enum": ["9:16", "16:9", "1:1"]},
        "status": {"enum": ["building", "ready", "failed"]}, "progress": {"type": "number"},
        "visuals": {"type": "string"}, "writer": {"type": "string"},
        "parent_id": {"type": ["integer", "null"]}, "duration_s": {"type": "number"},
        "music": {"type": "object"}, "error": {"type": "string"},
        "cost": {"type": "object"},
        "scenes": {"type": "array", "items": {"type": "object", "required": ["id", "text", "duration_s"], "properties": {
            "id": {"type": "integer"}, "text": {"type": "string"}, "asset_id": {"type": "integer"},
            "duration_s": {"type": "number"}, "trim_start": {"type": "number"}, "trim_end": {"type": "number"},
            "words": {"type": "array", "items": _WORD}}}},
        "generations": {"type": "array", "items": {"type": "integer"}}}})
_STR = {"type": "string"}
CREATE = {"type": "object", "required": ["template"], "additionalProperties": False, "properties": {
    "topic": {"type": "string", "maxLength": create.TOPIC_MAX},
    "source_text": {"type": "string", "maxLength": create.SOURCE_MAX}, "template": _STR, "voice": _STR, "caption_style": _STR,
    "aspect": {"enum": ["9:16", "16:9", "1:1"]},
    "visuals": {"enum": ["offline", "generate_images", "generate_video"]}, "model": _STR}}
PATCH = {"type": "object", "additionalProperties": False, "description": edits.__doc__, "properties": {
    "title": {"type": "string", "maxLength": edits.TITLE_MAX}, "voice": _STR, "caption_style": _STR,
    "caption_overrides": {"type": "object"},
    "aspect": {"enum": ["9:16", "16:9", "1:1"]},
    "music": {"type": "object", "properties": {"track": {"type": ["string", "null"]},
                                               "volume": {"type": "number"}, "ducking": {"type": "boolean"}}},
    "scenes": {"type": "array", "items": {"type": "object", "required": ["id"], "properties": {
        "text": {"type": "string", "maxLength": edits.TEXT_MAX}}}},
    "scene_order": {"type": "array", "items": {"type": "integer"}},
    "split": {"type": "object", "properties": {"scene_id": {"type": "integer"}, "word": {"type": "integer"}}}}}
_ID = [{"name": "project_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
_ok = openapi.json_response
openapi.document("/api/v1/templates", "get", {"summary": "Project templates",
                 "responses": {"200": _ok("Templates", _LIST), **openapi.error_responses(401)}})
openapi.document("/api/v1/caption-styles", "get", {"summary": "Caption styles",
                 "responses": {"200": _ok("Caption styles", _LIST), **openapi.error_responses(401)}})
openapi.document("/api/v1/projects", "get", {"summary": "This workspace's projects", "responses": {
    "200": _ok("Projects", {"type": "array", "items": PROJECT}), **openapi.error_responses(401)}})
openapi.document("/api/v1/projects", "post", {
    "summary": "Quick create: topic or pasted text + template → a project (free with offline visuals)",
    "requestBody": {"required": True, "content": {"application/json": {"schema": CREATE}}},
    "responses": {"201": _ok("The new project (status building until its media is made)", PROJECT),
                  **openapi.error_responses(400, 401, 402, 422)}})
openapi.document("/api/v1/projects/{project_id}", "get", {"summary": "A project", "parameters": _ID,
                 "responses": {"200": _ok("Project", PROJECT), **openapi.error_responses(401, 404)}})
openapi.document("/api/v1/projects/{project_id}", "patch", {
    "summary": "Edit voice, captions, aspect, music, scenes (text, order, trims...) — free", "parameters": _ID,
    "requestBody": {"required": True, "content": {"application/json": {"schema": PATCH}}},
    "responses": {"200": _ok("Project", PROJECT), **openapi.error_responses(400, 401, 404, 422)}})
openapi.document("/api/v1/projects/{project_id}/duplicate", "post", {
    "summary": "A variant sharing the project's assets; no credit spent", "parameters": _ID,
    "responses": {"201": _ok("The variant", PROJECT), **openapi.error_responses(401, 404)}})
openapi.document("/api/v1/projects/{project_id}/undo", "post", {
    "summary": "Undo the last edit", "parameters": _ID,
    "responses": {"200": _ok("Project", PROJECT), **openapi.error_responses(401, 404, 409)}})


@bp.get("/templates")
def template_list():
    return [t.to_json() for t in templates().values()]


@bp.get("/caption-styles")
def caption_style_list():
    return caption_styles()


@bp.get("/projects")
def project_list():
    return [services.to_json(p) for p in services.list_projects(current_workspace().id)]


@bp.post("/projects")
def project_create():
    try:
        req = create.parse_request(request.get_json(silent=True))
        script = create.draft(req)
        project = create.quick_create(current_workspace(), current_actor().id, req, script)
    except StudioError as exc:
        raise ApiError(422, exc.message, field=exc.field) from exc
    except InsufficientCredits as exc:
        raise ApiError(402, str(exc), kind=exc.kind, remaining=exc.remaining,
                       resets_at=exc.resets_at.isoformat()) from exc
    body = services.to_json(project)
    if req.credit_kind:
        body["cost"] = {"kind": req.credit_kind, "credits": len(project.scenes)}
    return body, 201


@bp.get("/projects/<int:project_id>")
def project_detail(project_id: int):
    return services.to_json(_project_or_404(project_id))


@bp.patch("/projects/<int:project_id>")
def project_patch(project_id: int):
    project = _project_or_404(project_id)
    body = request.get_json(silent=True)
    try:
        project = edits.apply_patch(project, body, label="API edit")
    except StudioError as exc:
        raise ApiError(422, exc.message, field=exc.field) from exc
    return services.to_json(project)


@bp.post("/projects/<int:project_id>/duplicate")
def project_duplicate(project_id: int):
    copy = services.duplicate(_project_or_404(project_id), current_actor().id)
    return services.to_json(copy), 201


@bp.post("/projects/<int:project_id>/undo")
def project_undo(project_id: int):
    project = _project_or_404(project_id)
    if services.undo(project) is None:
        raise ApiError(409, "Nothing to undo.", code="nothing_to_undo")
    return services.to_json(project)


def _project_or_404(project_id: int) -> Project:
    project = get_project(current_workspace().id, project_id)
    if project is None:
        raise ApiError(404, "Project not found.")
    return project
