"""POST /api/v1/projects: quick create, and with `"render"` the render in the same call."""

from fluxnote.accounts.context import current_actor, current_workspace
from fluxnote.api import openapi
from fluxnote.api.auth import api_blueprint
from fluxnote.credits.services import InsufficientCredits
from fluxnote.errors import ApiError
from fluxnote.extensions import db
from fluxnote.studio import create
from fluxnote.studio.api import PROJECT
from fluxnote.studio.services import StudioError, to_json
from fluxnote.videos import services

bp = api_blueprint("videos_api", __name__)

_BODY = services.SCHEMA
_ANSWER = {"allOf": [PROJECT, {"type": "object", "properties": {"render_id": {"type": "integer"}}}]}
openapi.document(
    "/api/v1/projects",
    "post",
    {
        "summary": "Quick create: topic or pasted text + template → a project (free with "
        "offline visuals), and with `render` its MP4 in the same call",
        "requestBody": {"required": True, "content": {"application/json": {"schema": _BODY}}},
        "responses": {
            "201": openapi.json_response(
                "The new project (status building until its media is made)", _ANSWER
            ),
            **openapi.error_responses(400, 401, 402, 422),
        },
    },
)


def init_app(app) -> None:
    app.register_blueprint(bp)


@bp.post("/projects")
def project_create():
    try:
        req = services.parse(openapi.json_body())
        script = create.draft(req.project)
        project, render = services.make_video(current_workspace(), current_actor(), req, script)
        db.session.commit()
    except StudioError as exc:
        raise ApiError(422, exc.message, field=exc.field) from exc
    except InsufficientCredits as exc:
        raise ApiError(402, str(exc), **exc.details()) from exc
    body = to_json(project)
    if req.project.credit_kind:
        body["cost"] = {"kind": req.project.credit_kind, "credits": len(project.scenes)}
    if render is not None:
        body["render_id"] = render.id
    return body, 201
