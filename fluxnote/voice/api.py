"""Voice API: the catalogue with each voice's availability."""

from flask import jsonify

from fluxnote.api import openapi
from fluxnote.api.auth import api_blueprint
from fluxnote.voice.catalog import catalogue
from fluxnote.voice.services import provider_keys

bp = api_blueprint("voice_api", __name__)

VOICE = openapi.schema(
    "Voice",
    {
        "type": "object",
        "required": ["id", "name", "provider", "language", "available", "preview_url"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "provider": {"enum": ["piper", "espeak", "openai", "elevenlabs"]},
            "language": {"type": "string"},
            "description": {"type": "string"},
            "available": {"type": "boolean"},
            "preview_url": {"type": "string"},
            "unavailable_reason": {"type": "string"},
        },
    },
)
openapi.document(
    "/api/v1/voices",
    "get",
    {
        "summary": "Voices: offline ones always available, third-party ones when their key is set",
        "responses": {
            "200": openapi.json_response("Voices", {"type": "array", "items": VOICE}),
            **openapi.error_responses(401),
        },
    },
)


@bp.get("/voices")
def voices():
    return jsonify(catalogue(provider_keys()))
