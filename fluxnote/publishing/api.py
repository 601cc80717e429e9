"""Publishing API: publish a render (202, free), read a publication, list targets."""

from flask import request

from fluxnote.accounts.context import current_actor, current_workspace
from fluxnote.api import openapi
from fluxnote.api.auth import api_blueprint
from fluxnote.errors import ApiError
from fluxnote.extensions import db
from fluxnote.publishing import services, targets
from fluxnote.publishing.models import PLATFORMS, PRIVACY

bp = api_blueprint("publishing_api", __name__)

PUBLICATION = openapi.schema(
    "Publication",
    {
        "type": "object",
        "required": ["id", "render_id", "platform", "status"],
        "properties": {
            "id": {"type": "integer"},
            "render_id": {"type": "integer"},
            "target_id": {"type": "integer"},
            "platform": {"enum": list(PLATFORMS)},
            "status": {"enum": ["scheduled", "queued", "uploading", "published", "failed"]},
            "title": {"type": "string"},
            "privacy": {"enum": list(PRIVACY)},
            "publish_at": {"type": "string", "format": "date-time"},
            "post_id": {"type": "string", "description": "The platform's id of the post"},
            "url": {"type": "string", "description": "The post on the platform"},
            "error": {"type": "string", "description": "Why it failed (or the last retried error)"},
            "created_at": {"type": "string", "format": "date-time"},
            "finished_at": {"type": "string", "format": "date-time"},
        },
    },
)
TARGET = openapi.schema(
    "PublishTarget",
    {
        "type": "object",
        "required": ["id", "platform", "account_name", "status"],
        "properties": {
            "id": {"type": "integer", "description": "Use as target_id"},
            "platform": {"enum": list(PLATFORMS)},
            "account_id": {"type": "string"},
            "account_name": {"type": "string"},
            "status": {
                "enum": ["connected", "expired"],
                "description": "expired: reconnect in /settings",
            },
            "connected_at": {"type": "string", "format": "date-time"},
        },
    },
)
openapi.document(
    "/api/v1/renders/{render_id}/publish",
    "post",
    {
        "summary": "Publish a finished render to a connected YouTube or TikTok account (free)",
        "description": "Uploads in the background (resumable, retried with back-off); poll the "
        "publication. Header `Idempotency-Key` optional: the same key and body return the same "
        "publication, another body is 409.",
        "parameters": [
            {"name": "render_id", "in": "path", "required": True, "schema": {"type": "integer"}},
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 200},
            },
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": services.PUBLISH}},
        },
        "responses": {
            "202": openapi.json_response("The publication, queued or scheduled", PUBLICATION),
            **openapi.error_responses(400, 401, 404, 409, 422),
        },
    },
)
openapi.document(
    "/api/v1/publications/{publication_id}",
    "get",
    {
        "summary": "A publication's status, and the post's id and URL once published",
        "parameters": [
            {
                "name": "publication_id",
                "in": "path",
                "required": True,
                "schema": {"type": "integer"},
            }
        ],
        "responses": {
            "200": openapi.json_response("The publication", PUBLICATION),
            **openapi.error_responses(401, 404),
        },
    },
)
openapi.document(
    "/api/v1/publish-targets",
    "get",
    {
        "summary": "The workspace's connected accounts (connect them from /settings)",
        "responses": {
            "200": openapi.json_response("Targets", {"type": "array", "items": TARGET}),
            **openapi.error_responses(401),
        },
    },
)


@bp.post("/renders/<int:render_id>/publish")
def publish(render_id: int):
    key = request.headers.get("Idempotency-Key", "").strip() or None
    if key and len(key) > 200:
        raise ApiError(400, "Idempotency-Key is longer than 200 characters.")
    try:
        publication = services.publish(
            current_workspace().id,
            current_actor().id,
            render_id,
            request.get_json(silent=True),
            key,
        )
        db.session.commit()
    except LookupError:
        raise ApiError(404, "Render not found.") from None
    except services.PublishInvalid as exc:
        raise ApiError(exc.status, exc.message, field=exc.field, code=exc.code) from None
    return publication.to_json(), 202


@bp.get("/publications/<int:publication_id>")
def publication_detail(publication_id: int):
    publication = services.get_publication(current_workspace().id, publication_id)
    if publication is None:
        raise ApiError(404, "Publication not found.")
    return publication.to_json()


@bp.get("/publish-targets")
def target_list():
    return [t.to_json() for t in targets.list_targets(current_workspace().id)]
