"""Generations API: submit (202), read, cancel. Errors use the API error shape."""

import hashlib

from flask import request

from fluxnote.accounts.context import current_actor, current_workspace
from fluxnote.api import openapi
from fluxnote.api.auth import api_blueprint
from fluxnote.credits.services import InsufficientCredits
from fluxnote.errors import ApiError
from fluxnote.extensions import db, limiter
from fluxnote.generation import services, validation
from fluxnote.generation.validation import InvalidRequest
from fluxnote.media.frames import ASPECTS

bp = api_blueprint("generation_api", __name__)

GENERATION = openapi.schema(
    "Generation",
    {
        "type": "object",
        "required": ["id", "kind", "model", "status", "credit", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"enum": ["image", "video"]},
            "model": {"type": "string"},
            "engine": {"type": "string"},
            "status": {"enum": ["queued", "running", "succeeded", "failed", "canceled"]},
            "credit": {"enum": ["reserved", "captured", "released"]},
            "prompt": {"type": "string"},
            "aspect": {"enum": list(ASPECTS)},
            "duration_s": {"type": "integer"},
            "source_asset_id": {"type": "integer"},
            "project_id": {"type": "integer"},
            "asset_id": {"type": "integer"},
            "error": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "finished_at": {"type": "string", "format": "date-time"},
            "variation_ids": {"type": "array", "items": {"type": "integer"}},
            "notice": {
                "type": "string",
                "description": "Present when the model cannot frame `aspect`: it is generated "
                "at the model's nearest aspect and centre-cropped in the render",
            },
        },
    },
)
NEW_GENERATION = openapi.schema("NewGeneration", validation.SCHEMA)
_ID = [{"name": "generation_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
openapi.document(
    "/api/v1/generations",
    "post",
    {
        "summary": "Start a generation (reserves 1 credit per variation at once)",
        "parameters": [
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 200},
            }
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": NEW_GENERATION}},
        },
        "responses": {
            "202": openapi.json_response("Accepted", GENERATION),
            **openapi.error_responses(400, 401, 402, 409, 422, 429),
        },
    },
)
openapi.document(
    "/api/v1/generations/{generation_id}",
    "get",
    {
        "summary": "A generation's status and credit state",
        "parameters": _ID,
        "responses": {
            "200": openapi.json_response("Generation", GENERATION),
            **openapi.error_responses(401, 404),
        },
    },
)
openapi.document(
    "/api/v1/generations/{generation_id}/cancel",
    "post",
    {
        "summary": "Cancel a queued or running generation (its credit is released)",
        "parameters": _ID,
        "responses": {
            "200": openapi.json_response("Generation", GENERATION),
            **openapi.error_responses(401, 404),
        },
    },
)


def _rate_key() -> str:
    """Per token (the limiter runs before authentication, so hash the header)."""
    return "gen:" + hashlib.sha256(request.headers.get("Authorization", "").encode()).hexdigest()


@bp.post("/generations")
@limiter.limit("120 per minute", key_func=_rate_key)
def create_generation():
    body = openapi.json_body()
    key = request.headers.get("Idempotency-Key", "").strip() or None
    if key and len(key) > 200:
        raise ApiError(400, "Idempotency-Key is longer than 200 characters.")
    try:
        gens = services.submit(current_workspace(), current_actor().id, body, key)
        db.session.commit()
    except InvalidRequest as exc:
        raise ApiError(422, exc.message, field=exc.field) from None
    except services.IdempotencyConflict as exc:
        raise ApiError(409, str(exc)) from None
    except InsufficientCredits as exc:
        raise ApiError(402, str(exc), **exc.details()) from None
    return {**gens[0].to_json(), "variation_ids": [gen.id for gen in gens]}, 202


def _generation_or_404(generation_id: int):
    gen = services.get_generation(current_workspace().id, generation_id)
    if gen is None:
        raise ApiError(404, "Generation not found.")
    return gen


@bp.get("/generations/<int:generation_id>")
def generation_detail(generation_id: int):
    gen = _generation_or_404(generation_id)
    return {**gen.to_json(), "variation_ids": services.batch_of(gen)}


@bp.post("/generations/<int:generation_id>/cancel")
def cancel_generation(generation_id: int):
    _generation_or_404(generation_id)
    gen = services.cancel(current_workspace().id, generation_id)
    db.session.commit()
    return {**gen.to_json(), "variation_ids": services.batch_of(gen)}
