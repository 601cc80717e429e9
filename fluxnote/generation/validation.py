"""Turning a generation request body (API JSON or studio form) into a checked spec.

The body's shape is checked against `SCHEMA`, the schema the OpenAPI document publishes
for POST /api/v1/generations; what it means (model, duration, source) is checked here.
"""

from dataclasses import dataclass

from sqlalchemy import select

from fluxnote.api.openapi import BodyError, check_body
from fluxnote.assets.services import get_asset
from fluxnote.catalog.services import (
    CatalogModel,
    all_models,
    get_model,
    retired_reason,
    unavailable_reason,
)
from fluxnote.extensions import db
from fluxnote.media.frames import ASPECTS, DEFAULT_ASPECT
from fluxnote.plans import KINDS
from fluxnote.sqltypes import MAX_INT

PROMPT_MAX = 2000
MAX_VARIATIONS = 4
_ID = {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_INT}
SCHEMA = {
    "type": "object",
    "required": ["kind", "model", "prompt"],
    "additionalProperties": False,
    "properties": {
        "kind": {"enum": list(KINDS)},
        "model": {
            "type": "string",
            "description": "A model id of GET /api/v1/models of the same kind",
        },
        "prompt": {"type": "string", "minLength": 1, "maxLength": PROMPT_MAX, "pattern": "\\S"},
        "duration_s": {
            "type": ["integer", "null"],
            "minimum": 1,
            "maximum": max(m.max_duration_s or 0 for m in all_models()),
            "description": "Video only; up to the model's max_duration_s",
        },
        "source_asset_id": {**_ID, "description": "An image asset of this workspace (video only)"},
        "project_id": _ID,
        "aspect": {"enum": list(ASPECTS)},
        "variations": {"type": "integer", "minimum": 1, "maximum": MAX_VARIATIONS},
    },
}


class InvalidRequest(Exception):
    """A request that names `field` wrongly; nothing was written."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field, self.message = field, message


@dataclass(frozen=True)
class GenerationSpec:
    model: CatalogModel
    prompt: str
    aspect: str
    duration_s: int | None
    source_asset_id: int | None
    project_id: int | None
    variations: int


def validate(workspace_id: int, body: object) -> GenerationSpec:
    """Check a request body against the catalogue and the workspace's assets.

    Raises InvalidRequest naming the first bad field: unknown fields, wrong types, an
    unknown, retired, unavailable or wrong-kind model, an empty or over-long prompt, a duration
    over the model's maximum, a source that is not an image of this workspace, a
    project_id that is not a project of this workspace.
    """
    try:
        body = {k: v for k, v in check_body(SCHEMA, body).items() if v is not None}
    except BodyError as exc:
        raise InvalidRequest(exc.field, exc.message) from None
    model = _model(body)
    return GenerationSpec(
        model,
        body["prompt"].strip(),
        body.get("aspect", DEFAULT_ASPECT),
        _duration(model, body.get("duration_s")),
        _source(workspace_id, model, body.get("source_asset_id")),
        _project(workspace_id, body.get("project_id")),
        body.get("variations", 1),
    )


def _model(body: dict) -> CatalogModel:
    model = get_model(body["model"])
    if model is None and retired_reason(body["model"]):
        raise InvalidRequest(
            "model", f"{body['model']} is retired: {retired_reason(body['model'])}."
        )
    if model is None:
        raise InvalidRequest("model", f"Unknown model {body['model']!r}; see GET /api/v1/models.")
    if model.kind != body["kind"]:
        raise InvalidRequest("model", f"{model.name} makes {model.kind}s, not {body['kind']}s.")
    reason = unavailable_reason(model)
    if reason:
        raise InvalidRequest("model", f"{model.name} is unavailable: {reason}.")
    return model


def _duration(model: CatalogModel, duration: int | None) -> int | None:
    if model.kind == "image":
        if duration is not None:
            raise InvalidRequest("duration_s", "duration_s applies to video generations only.")
        return None
    if duration is None:
        return model.durations[0] if model.durations else min(5, model.max_duration_s)
    if model.durations and duration not in model.durations:
        lengths = ", ".join(str(d) for d in model.durations)
        raise InvalidRequest("duration_s", f"{model.name} makes {lengths} s clips.")
    if not 1 <= duration <= model.max_duration_s:
        raise InvalidRequest(
            "duration_s", f"{model.name} makes 1 to {model.max_duration_s} s clips."
        )
    return duration


def _project(workspace_id: int, project_id: int | None) -> int | None:
    """The id of a project of this workspace, or InvalidRequest (no hint whether another
    workspace has it). Read through the table: the studio sits above generation."""
    if project_id is None:
        return None
    projects = db.metadata.tables["projects"]
    found = db.session.scalar(
        select(projects.c.id).where(
            projects.c.id == project_id, projects.c.workspace_id == workspace_id
        )
    )
    if found is None:
        raise InvalidRequest("project_id", "No such project in this workspace.")
    return found


def _source(workspace_id: int, model: CatalogModel, asset_id: int | None) -> int | None:
    if asset_id is None:
        if model.requires_source_image:
            raise InvalidRequest("source_asset_id", f"{model.name} needs a source image.")
        return None
    if not model.image_to_video:
        raise InvalidRequest("source_asset_id", f"{model.name} does not take a source image.")
    asset = get_asset(workspace_id, asset_id)
    if asset is None or asset.kind != "image":
        raise InvalidRequest(
            "source_asset_id", "The source must be an image asset of this workspace."
        )
    return asset.id
