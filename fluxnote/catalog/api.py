"""Catalogue API: `GET /api/v1/models`."""
from flask import jsonify

from fluxnote.api import openapi
from fluxnote.api.auth import api_blueprint
from fluxnote.catalog.services import listing

bp = api_blueprint("catalog_api", __name__)

MODEL = openapi.schema("Model", {
    "type": "object", "required": ["id", "name", "provider", "available"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                   "provider": {"enum": ["offline", "fal", "replicate", "openai", "runway"]},
                   "provider_model": {"type": "string"},
                   "resolutions": {"type": "array", "items": {"type": "string"}},
                   "credit_kind": {"enum": ["video", "image"]},
                   "credit_cost": {"type": "integer", "description": "Credits per generation (always 1)"},
                   "available": {"type": "boolean"}, "unavailable_reason": {"type": "string"},
                   "max_duration_s": {"type": "integer"},
                   "durations": {"type": "array", "items": {"type": "integer"}},
                   "image_to_video": {"type": "boolean"}, "requires_source_image": {"type": "boolean"}}})
openapi.document("/api/v1/models", "get", {
    "summary": "The model catalogue, with each model's availability",
    "responses": {"200": openapi.json_response("Models", openapi.schema("Models", {
        "type": "object", "required": ["video", "image"],
        "properties": {"video": {"type": "array", "items": MODEL},
                       "image": {"type": "array", "items": MODEL}}})),
                  **openapi.error_responses(401)}})


@bp.get("/models")
def models():
    return jsonify(listing())
