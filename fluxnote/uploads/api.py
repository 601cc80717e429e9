"""`POST /api/v1/uploads`: multipart `file` → 201 ASSET; 413 / 415 store nothing."""

from flask import request

from fluxnote.accounts.context import current_actor, current_workspace
from fluxnote.api import openapi
from fluxnote.api.auth import api_blueprint
from fluxnote.assets.views import ASSET
from fluxnote.errors import ApiError
from fluxnote.extensions import db
from fluxnote.uploads.services import UploadError, max_upload_bytes, store_upload

bp = api_blueprint("uploads_api", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)


openapi.document(
    "/api/v1/uploads",
    "post",
    {
        "summary": "Upload an image (PNG/JPEG/WebP), video (MP4) or audio (WAV/MP3/M4A); free",
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                }
            },
        },
        "responses": {
            "201": openapi.json_response("The stored asset", ASSET),
            **openapi.error_responses(400, 401, 413, 415),
        },
    },
)


@bp.post("/uploads")
def upload():
    if (request.content_length or 0) > max_upload_bytes() + 64 * 1024:
        raise ApiError(413, "The upload is too large.")
    file = request.files.get("file")
    if file is None:
        raise ApiError(400, "Send the file as multipart form field `file`.", field="file")
    try:
        asset = store_upload(
            current_workspace().id, current_actor().id, file.stream, file.filename or ""
        )
    except UploadError as exc:
        raise ApiError(exc.status, exc.message, field="file") from exc
    db.session.commit()
    return asset.to_json(), 201
