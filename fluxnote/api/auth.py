"""Bearer-token auth for JSON API blueprints."""
from flask import Blueprint, g, request

from fluxnote.accounts.models import Workspace
from fluxnote.accounts.services import user_for_token
from fluxnote.errors import ApiError
from fluxnote.extensions import csrf, db
from fluxnote.models import utcnow


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint under /api/v1 whose every request needs `Authorization: Bearer <token>`.

    Sets `g.api_user` and `g.api_workspace` (read them via accounts.context). CSRF-exempt:
    a bearer token is not sent by browsers on their own.
    """
    bp = Blueprint(name, import_name, url_prefix="/api/v1")
    csrf.exempt(bp)
    bp.before_request(authenticate)
    return bp


def authenticate() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    row = user_for_token(token.strip()) if scheme.lower() == "bearer" and token else None
    if row is None:
        raise ApiError(401, "A valid API token is required: Authorization: Bearer <token>.")
    now = utcnow()
    if not row.last_used_at or (now - row.last_used_at).total_seconds() > 60:
        row.last_used_at = now
        db.session.commit()
    g.api_user = row.user
    g.api_workspace = db.session.get(Workspace, row.workspace_id)
