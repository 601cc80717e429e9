"""Asset API: metadata and bytes, for the token's workspace only."""

from fluxnote.accounts.context import current_workspace
from fluxnote.api import openapi
from fluxnote.api.auth import api_blueprint
from fluxnote.assets.services import get_asset, stored_keys
from fluxnote.errors import ApiError
from fluxnote.storage import orphans
from fluxnote.storage import responses as storage_responses

bp = api_blueprint("assets_api", __name__)


def init_app(app) -> None:
    orphans.register_owner(stored_keys)
    app.register_blueprint(bp)


ASSET = openapi.schema(
    "Asset",
    {
        "type": "object",
        "required": ["id", "kind", "source", "url"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"enum": ["image", "video", "audio"]},
            "source": {"enum": ["generated", "upload", "stock"]},
            "engine": {"type": "string"},
            "width": {"type": "integer"},
            "height": {"type": "integer"},
            "duration_s": {"type": "number"},
            "url": {"type": "string"},
            "attribution": {
                "type": "object",
                "description": "Stock media: who made it, where it comes from, its licence",
                "required": ["provider", "url", "author", "licence"],
                "properties": {
                    "provider": {"type": "string"},
                    "url": {"type": "string"},
                    "author": {"type": "string"},
                    "licence": {"type": "string"},
                },
            },
        },
    },
)
_ID = [{"name": "asset_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
openapi.document(
    "/api/v1/assets/{asset_id}",
    "get",
    {
        "summary": "An asset's metadata",
        "parameters": _ID,
        "responses": {
            "200": openapi.json_response("Asset", ASSET),
            **openapi.error_responses(401, 404),
        },
    },
)
openapi.document(
    "/api/v1/assets/{asset_id}/file",
    "get",
    {
        "summary": "An asset's bytes",
        "parameters": _ID,
        "responses": {"200": {"description": "The file"}, **openapi.error_responses(401, 404)},
    },
)


def _asset_or_404(asset_id: int):
    asset = get_asset(current_workspace().id, asset_id)
    if asset is None:
        raise ApiError(404, "Asset not found.")
    return asset


@bp.get("/assets/<int:asset_id>")
def asset_detail(asset_id: int):
    return _asset_or_404(asset_id).to_json()


@bp.get("/assets/<int:asset_id>/file")
def asset_file(asset_id: int):
    asset = _asset_or_404(asset_id)
    return storage_responses.send(asset.storage_key, asset.content_type)
