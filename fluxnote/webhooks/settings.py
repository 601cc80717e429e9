"""Settings-page actions for outgoing webhooks: add an endpoint (secret shown once), delete one."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required

from fluxnote.accounts.context import current_workspace
from fluxnote.webhooks import outbound

bp = Blueprint("webhooks_settings", __name__, url_prefix="/settings/webhooks")


@bp.post("")
@login_required
def add():
    try:
        endpoint = outbound.create_endpoint(current_workspace().id, current_user.id,
                                            request.form.get("url", "").strip())
    except outbound.WebhookUrlError as exc:
        flash(f"Webhook not added: {exc}", "error")
    else:
        flash(f"Webhook added. Its signing secret, shown once: {endpoint.secret}", "ok")
    return redirect(url_for("billing.settings") + "#settings-webhooks")


@bp.post("/<int:endpoint_id>/delete")
@login_required
def delete(endpoint_id: int):
    if not outbound.delete_endpoint(current_workspace().id, endpoint_id):
        abort(404)
    flash("Webhook endpoint deleted; its delivery log stays below.", "ok")
    return redirect(url_for("billing.settings") + "#settings-webhooks")
