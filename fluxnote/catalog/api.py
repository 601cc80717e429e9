"""Catalogue API: `GET /api/v1/models`."""

from flask import jsonify

from fluxnote.api import openapi
from fluxnote.api.auth import api_blueprint
from fluxnote.catalog.services import listing
from fluxnote.media.frames import ASPECTS

bp = api_blueprint("catalog_api", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)


MODEL = openapi.schema(
    "Model",
    {
        "type": "object",
        "required": ["id", "name", "provider", "available"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "provider": {"enum": ["offline", "fal", "replicate", "openai", "runway"]},
            "provider_model": {"type": "string"},
            "resolutions": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Output size (WIDTHxHEIGHT) for each of `aspects`, same order",
            },
            "aspects": {
                "type": "array",
                "items": {"enum": list(ASPECTS)},
                "description": "Aspects the model frames itself; any other is generated at "
                "the nearest of these and centre-cropped in the render (the generation "
                "carries a `notice` saying so)",
            },
            "credit_kind": {"enum": ["video", "image"]},
            "credit_cost": {"type": "integer", "description": "Credits per generation (always 1)"},
            "available": {"type": "boolean"},
            "unavailable_reason": {"type": "string"},
            "max_duration_s": {"type": "integer"},
            "durations": {"type": "array", "items": {"type": "integer"}},
            "image_to_video": {"type": "boolean"},
            "requires_source_image": {"type": "boolean"},
            "image_sets_aspect": {
                "type": "boolean",
                "description": "Video: with a first frame, the clip takes the frame's shape",
            },
            "output_resolution": {
                "type": "string",
                "description": "Video: the resolution tier it is asked for, e.g. 1080p",
            },
            "audio": {
                "enum": ["none", "off", "discarded"],
                "description": "Video: none = makes no sound; off = could, and is asked not "
                "to (it would double the price); discarded = may add sound, the render drops it",
            },
        },
    },
)
openapi.document(
    "/api/v1/models",
    "get",
    {
        "summary": "The model catalogue, with each model's availability",
        "responses": {
            "200": openapi.json_response(
                "Models",
                openapi.schema(
                    "Models",
                    {
                        "type": "object",
                        "required": ["video", "image"],
                        "properties": {
                            "video": {"type": "array", "items": MODEL},
                            "image": {"type": "array", "items": MODEL},
                        },
                    },
                ),
            ),
            **openapi.error_responses(401),
        },
    },
)


@bp.get("/models")
def models():
    return jsonify(listing())
