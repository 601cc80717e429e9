"""API for outgoing webhook endpoints: create (the secret is shown once), list, delete."""

from flask import Flask, jsonify

from fluxnote import events, periodic
from fluxnote.accounts.context import current_actor, current_workspace
from fluxnote.api import openapi
from fluxnote.api.auth import api_blueprint
from fluxnote.errors import ApiError
from fluxnote.webhooks import outbound
from fluxnote.webhooks.models import WebhookEndpoint

bp = api_blueprint("webhooks_api", __name__)

ENDPOINT = openapi.schema(
    "WebhookEndpoint",
    {
        "type": "object",
        "required": ["id", "url", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "url": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
        },
    },
)
NEW_ENDPOINT = {
    "type": "object",
    "required": ["url"],
    "additionalProperties": False,
    "properties": {"url": {"type": "string", "minLength": 1, "maxLength": 2000}},
}
openapi.document(
    "/api/v1/webhook-endpoints",
    "post",
    {
        "summary": "Add an endpoint that receives signed events (Standard Webhooks)",
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": openapi.schema("WebhookEndpointCreate", NEW_ENDPOINT)
                }
            },
        },
        "responses": {
            "201": openapi.json_response(
                "Created; the secret is shown only here",
                openapi.schema(
                    "WebhookEndpointSecret",
                    {
                        "type": "object",
                        "required": ["id", "url", "secret"],
                        "properties": {
                            "id": {"type": "integer"},
                            "url": {"type": "string"},
                            "secret": {"type": "string", "pattern": "^whsec_"},
                            "created_at": {"type": "string", "format": "date-time"},
                        },
                    },
                ),
            ),
            **openapi.error_responses(400, 401, 403, 422),
        },
    },
)
openapi.document(
    "/api/v1/webhook-endpoints",
    "get",
    {
        "summary": "The workspace's webhook endpoints",
        "responses": {
            "200": openapi.json_response(
                "Endpoints",
                {
                    "type": "object",
                    "required": ["endpoints"],
                    "properties": {"endpoints": {"type": "array", "items": ENDPOINT}},
                },
            ),
            **openapi.error_responses(401),
        },
    },
)
openapi.document(
    "/api/v1/webhook-endpoints/{endpoint_id}",
    "delete",
    {
        "summary": "Stop sending events to an endpoint",
        "parameters": [
            {"name": "endpoint_id", "in": "path", "required": True, "schema": {"type": "integer"}}
        ],
        "responses": {
            "204": {"description": "Deleted"},
            **openapi.error_responses(401, 403, 404),
        },
    },
)


def init_app(app: Flask) -> None:
    """Register the settings actions, the delivery sweeper with the clock, and the
    listeners that turn finished generations and renders into deliveries."""
    from fluxnote.webhooks import settings

    app.register_blueprint(bp)
    app.register_blueprint(settings.bp)
    for signal in (
        events.generation_finished,
        events.render_finished,
        events.project_finished,
        events.publication_finished,
    ):
        signal.connect(outbound.forward)
    periodic.register(outbound.sweep)


def _public(endpoint: WebhookEndpoint) -> dict:
    return {"id": endpoint.id, "url": endpoint.url, "created_at": endpoint.created_at.isoformat()}


@bp.post("/webhook-endpoints")
def create_endpoint():
    body = openapi.check_body(NEW_ENDPOINT, openapi.json_body())
    try:
        endpoint = outbound.create_endpoint(current_workspace().id, current_actor().id, body["url"])
    except outbound.NotOwner as exc:
        raise ApiError(403, str(exc)) from exc
    except outbound.WebhookUrlError as exc:
        raise ApiError(422, str(exc), field="url") from exc
    return jsonify({**_public(endpoint), "secret": endpoint.secret}), 201


@bp.get("/webhook-endpoints")
def list_endpoints():
    return jsonify(
        {"endpoints": [_public(e) for e in outbound.list_endpoints(current_workspace().id)]}
    )


@bp.delete("/webhook-endpoints/<int:endpoint_id>")
def delete_endpoint(endpoint_id: int):
    try:
        deleted = outbound.delete_endpoint(current_workspace().id, current_actor().id, endpoint_id)
    except outbound.NotOwner as exc:
        raise ApiError(403, str(exc)) from exc
    if not deleted:
        raise ApiError(404, "Webhook endpoint not found.")
    return "", 204


@bp.app_template_global("webhook_overview")
def webhook_overview(workspace_id: int) -> dict:
    """For the settings page: the workspace's endpoints and its recent deliveries."""
    return {
        "endpoints": outbound.list_endpoints(workspace_id),
        "deliveries": outbound.recent_deliveries(workspace_id, limit=20),
    }
