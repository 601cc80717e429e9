"""Who is acting and in which workspace: the web session or an API token."""

from flask import abort, g
from flask_login import current_user

from fluxnote.accounts.models import User, Workspace
from fluxnote.accounts.services import membership, workspaces_of
from fluxnote.extensions import db


def current_actor() -> User:
    return g.get("api_user") or current_user._get_current_object()


def current_workspace() -> Workspace:
    """The workspace this request acts in.

    A web user who lost their membership of the current workspace falls back to their
    first remaining workspace; 404 only if they belong to none.
    """
    if "api_workspace" in g:
        return g.api_workspace
    user = current_user
    workspace = db.session.get(Workspace, user.current_workspace_id)
    if workspace is None or not membership(user.id, workspace.id):
        workspace = next(iter(workspaces_of(user)), None)
    if workspace is None:
        abort(404)
    return workspace
