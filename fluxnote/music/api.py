"""Music API: the generated royalty-free library."""

from flask import jsonify

from fluxnote.api import openapi
from fluxnote.api.auth import api_blueprint
from fluxnote.music.services import MOODS, tracks

bp = api_blueprint("music_api", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)


TRACK = openapi.schema(
    "MusicTrack",
    {
        "type": "object",
        "required": ["id", "name", "mood", "bpm", "duration_s"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "mood": {"enum": MOODS},
            "bpm": {"type": "integer"},
            "duration_s": {"type": "number"},
        },
    },
)
openapi.document(
    "/api/v1/music",
    "get",
    {
        "summary": "Royalty-free music tracks by mood",
        "responses": {
            "200": openapi.json_response("Tracks", {"type": "array", "items": TRACK}),
            **openapi.error_responses(401),
        },
    },
)


@bp.get("/music")
def music():
    return jsonify(tracks())
