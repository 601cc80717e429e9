"""Core API: health, credits and the OpenAPI document."""

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from fluxnote.accounts.context import current_workspace
from fluxnote.api import openapi
from fluxnote.api.auth import api_blueprint
from fluxnote.credits.services import snapshot
from fluxnote.extensions import db, redis_store

bp = api_blueprint("api", __name__)
public = Blueprint("public_api", __name__)


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(public)


CREDIT = openapi.schema(
    "Credit",
    {
        "type": "object",
        "required": ["allowance", "used", "reserved", "remaining"],
        "properties": {
            k: {"type": "integer", "minimum": 0}
            for k in ("allowance", "used", "reserved", "remaining")
        },
    },
)
openapi.document(
    "/api/v1/credits",
    "get",
    {
        "summary": "Credit balances of the token's workspace",
        "responses": {
            "200": openapi.json_response(
                "Balances",
                openapi.schema(
                    "Credits",
                    {
                        "type": "object",
                        "required": ["plan", "workspace_id", "cycle", "video", "image"],
                        "properties": {
                            "plan": {"type": "string"},
                            "workspace_id": {"type": "integer"},
                            "cycle": {
                                "type": "object",
                                "properties": {
                                    "start": {"type": "string", "format": "date-time"},
                                    "resets_at": {"type": "string", "format": "date-time"},
                                },
                            },
                            "video": CREDIT,
                            "image": CREDIT,
                        },
                    },
                ),
            ),
            **openapi.error_responses(401),
        },
    },
)


@bp.get("/credits")
def credits():
    workspace = current_workspace()
    snap = snapshot(workspace.id)
    fields = ("allowance", "used", "reserved", "remaining")
    return jsonify(
        {
            "plan": workspace.plan,
            "workspace_id": workspace.id,
            "cycle": {
                "start": snap["video"]["cycle_start"].isoformat(),
                "resets_at": snap["video"]["resets_at"].isoformat(),
            },
            **{kind: {f: snap[kind][f] for f in fields} for kind in ("video", "image")},
        }
    )


@public.get("/api/v1/openapi.json")
def openapi_json():
    return jsonify(openapi.spec())


@public.get("/healthz")
def healthz():
    status = {"status": "ok", "database": "ok", "redis": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception:
        current_app.logger.exception("healthz: database")
        status["database"] = status["status"] = "error"
    try:
        redis_store.conn.ping()
    except Exception:
        current_app.logger.exception("healthz: redis")
        status["redis"] = status["status"] = "error"
    return jsonify(status), 200 if status["status"] == "ok" else 503
