"""Bearer-token auth for JSON API blueprints."""

from flask import Blueprint, Response, g, request

from fluxnote.accounts.models import ApiToken, Workspace
from fluxnote.accounts.services import token_use_due, touch_token, user_for_token
from fluxnote.errors import ApiError
from fluxnote.extensions import csrf, db


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint under /api/v1 whose every request needs `Authorization: Bearer <token>`.

    Sets `g.api_user` and `g.api_workspace` (read them via accounts.context). CSRF-exempt:
    a bearer token is not sent by browsers on their own.
    """
    bp = Blueprint(name, import_name, url_prefix="/api/v1")
    csrf.exempt(bp)
    bp.before_request(authenticate)
    bp.after_request(_note_use)
    return bp


def authenticate() -> None:
    row = token_from_header(request.headers.get("Authorization", ""))
    if row is None:
        raise ApiError(401, UNAUTHORIZED)
    g.api_user = row.user
    g.api_workspace = db.session.get(Workspace, row.workspace_id)
    if token_use_due(row):
        g.api_token_due = row.id


def _note_use(response: Response) -> Response:
    """After the request's own use case has committed (or left nothing to commit)."""
    if "api_token_due" in g:
        db.session.rollback()  # a read's open transaction; a write has committed already
        touch_token(g.api_token_due)
    return response


UNAUTHORIZED = "A valid API token is required: Authorization: Bearer <token>."


def token_from_header(header: str) -> ApiToken | None:
    """The live API token named by an `Authorization: Bearer <token>` header, or None.
    Reads only. The one token check of the API and MCP."""
    scheme, _, token = header.partition(" ")
    return user_for_token(token.strip()) if scheme.lower() == "bearer" and token else None
