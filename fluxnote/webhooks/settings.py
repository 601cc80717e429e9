"""Settings-page actions for outgoing webhooks (workspace owner only): add an endpoint
(its secret shown once, on the page answering the request: never in the session cookie,
which is signed, not encrypted), delete one."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from fluxnote.accounts.context import current_workspace
from fluxnote.webhooks import outbound

bp = Blueprint("webhooks_settings", __name__, url_prefix="/settings/webhooks")


@bp.post("")
@login_required
def add():
    try:
        endpoint = outbound.create_endpoint(
            current_workspace().id, current_user.id, request.form.get("url", "").strip()
        )
    except outbound.NotOwner:
        abort(403)
    except outbound.WebhookUrlError as exc:
        flash(f"Webhook not added: {exc}", "error")
        return redirect(url_for("billing.settings") + "#settings-webhooks")
    return render_template("webhooks/created.html", endpoint=endpoint), 201


@bp.post("/<int:endpoint_id>/delete")
@login_required
def delete(endpoint_id: int):
    try:
        deleted = outbound.delete_endpoint(current_workspace().id, current_user.id, endpoint_id)
    except outbound.NotOwner:
        abort(403)
    if not deleted:
        abort(404)
    flash("Webhook endpoint deleted; its delivery log stays below.", "ok")
    return redirect(url_for("billing.settings") + "#settings-webhooks")
