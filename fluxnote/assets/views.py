"""Asset API: metadata and bytes, for the token's workspace only."""
from flask import send_file

from fluxnote.accounts.context import current_workspace
from fluxnote.api import openapi
from fluxnote.api.auth import api_blueprint
from fluxnote.assets.services import get_asset, local_path
from fluxnote.errors import ApiError

bp = api_blueprint("assets_api", __name__)

ASSET = openapi.schema("Asset", {
    "type": "object", "required": ["id", "kind", "source", "url"],
    "properties": {"id": {"type": "integer"}, "kind": {"enum": ["image", "video", "audio"]},
                   "source": {"enum": ["generated", "upload"]}, "engine": {"type": "string"},
                   "width": {"type": "integer"}, "height": {"type": "integer"},
                   "duration_s": {"type": "number"}, "url": {"type": "string"}}})
_ID = [{"name": "asset_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
openapi.document("/api/v1/assets/{asset_id}", "get", {
    "summary": "An asset's metadata", "parameters": _ID,
    "responses": {"200": openapi.json_response("Asset", ASSET), **openapi.error_responses(401, 404)}})
openapi.document("/api/v1/assets/{asset_id}/file", "get", {
    "summary": "An asset's bytes", "parameters": _ID,
    "responses": {"200": {"description": "The file"}, **openapi.error_responses(401, 404)}})


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
    return send_file(local_path(asset), mimetype=asset.content_type, conditional=True)
