"""Pricing (plans, cost per asset, plan advisor) and settings (plan, tokens, team)."""

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user

from fluxnote import events, htmx, periodic
from fluxnote.accounts import services as accounts
from fluxnote.accounts.context import current_workspace
from fluxnote.accounts.forms import InviteForm, PasswordForm, TokenForm
from fluxnote.billing import services, stripe_backend
from fluxnote.credits import services as credits
from fluxnote.credits.services import snapshot
from fluxnote.errors import error_response
from fluxnote.extensions import csrf, db, limiter
from fluxnote.plans import all_plans, get_plan

bp = Blueprint("billing", __name__)


def init_app(app) -> None:
    """The pricing and settings pages; the ledger's clock, and the scheduled plan change
    applied as a credit cycle ends."""
    periodic.register(credits.refresh_due)
    events.credit_cycle_ending.connect(services.apply_scheduled_plan)
    app.register_blueprint(bp)
    app.add_template_global(services.self_service_plans)


def _int_arg(name: str, default: int, low: int = 0, high: int = 100000) -> int:
    try:
        return min(max(int(request.args.get(name, default)), low), high)
    except ValueError:
        return default


@bp.get("/pricing")
def pricing():
    advice = services.advise(
        _int_arg("videos", 20),
        _int_arg("variations", 4, 1, 100),
        _int_arg("images", 10),
        _int_arg("members", 1, 1, 1000),
    )
    return htmx.fragment_or_page(
        "billing/_advisor.html",
        "billing/pricing.html",
        plans=all_plans(),
        advice=advice,
        current_plan=_plan_of_current_user(),
    )


def _plan_of_current_user():
    if not current_user.is_authenticated:
        return None
    return get_plan(current_workspace().plan)


@bp.get("/settings")
@login_required
def settings():
    return _settings_page()


def _settings_page(status: int = 200, **context):
    """The settings page; `context` may carry a bound form with errors, a new token or
    an invitation link (both shown once)."""
    workspace = current_workspace()
    context.setdefault("invite_form", InviteForm())
    context.setdefault("token_form", TokenForm())
    context.setdefault("password_form", PasswordForm())
    return render_template(
        "billing/settings.html",
        workspace=workspace,
        plans=all_plans(),
        plan=get_plan(workspace.plan),
        tokens=accounts.live_tokens(current_user),
        members=sorted(workspace.memberships, key=lambda m: m.role != "owner"),
        balances=snapshot(workspace.id),
        **context,
    ), status


@bp.post("/settings/plan")
@login_required
def change_plan():
    workspace, status = current_workspace(), 200
    try:
        outcome = services.change_plan(workspace, request.form.get("plan", ""), current_user)
        db.session.commit()
    except stripe_backend.CheckoutRequired as exc:
        db.session.rollback()
        return htmx.redirect_to(exc.url)
    except services.PlanError as exc:
        db.session.rollback()
        message, category = str(exc), "error"
        status = 403 if isinstance(exc, services.PlansManaged) else 422
    else:
        new = get_plan(request.form["plan"])
        message, category = {
            "upgraded": (f"Upgraded to {new.name}: the extra credits are yours now.", "ok"),
            "scheduled": (f"Switching to {new.name} on your next billing date.", "ok"),
            "unchanged": (f"You are on {new.name}.", "ok"),
        }[outcome]
    if htmx.is_htmx():
        return htmx.trigger(
            make_response(
                render_template(
                    "billing/_plan.html",
                    workspace=workspace,
                    plans=all_plans(),
                    plan=get_plan(workspace.plan),
                    message=message,
                    category=category,
                ),
                status,
            )
        )
    flash(message, category)
    return redirect(url_for("billing.settings"))


@bp.post("/billing/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    """Stripe's signed events: verify, apply once, 2xx (a redelivery is a no-op)."""
    try:
        event = stripe_backend.parse_event(
            request.get_data(), request.headers.get("Stripe-Signature")
        )
    except (ValueError, stripe_backend.stripe.SignatureVerificationError):
        return error_response(400, "Invalid Stripe signature or payload.")
    services.handle_stripe_event(event)
    db.session.commit()
    return {"received": True}


@bp.post("/settings/tokens")
@login_required
@limiter.limit("30/hour")
def create_token():
    form = TokenForm()
    if form.validate_on_submit():
        token = accounts.create_token(current_user, form.name.data)
        db.session.commit()
        return _settings_page(new_token=token, status=201)
    return _settings_page(token_form=form, status=422)


@bp.post("/settings/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    try:
        accounts.revoke_token(current_user, token_id)
        db.session.commit()
    except accounts.AccountError:
        return render_template("errors/404.html"), 404
    flash("Token revoked.", "ok")
    return redirect(url_for("billing.settings"))


@bp.post("/settings/password")
@login_required
@limiter.limit("10/hour")
def change_password():
    """A new password ends every session of the user; this browser logs in again with it."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current.data, form.new.data)
        except accounts.AccountError as exc:
            form.current.errors.append(str(exc))
        else:
            db.session.commit()
            login_user(current_user._get_current_object())
            flash("Password changed: every other session was logged out.", "ok")
            return redirect(url_for("billing.settings") + "#settings-password", 303)
    return _settings_page(password_form=form, status=422)


@bp.post("/team/invite")
@login_required
def invite():
    """Invite by email; the one-time link is shown once on the page (and nowhere else)."""
    form = InviteForm()
    if not form.validate_on_submit():
        return _settings_page(invite_form=form, status=422)
    try:
        token = accounts.invite(current_workspace(), current_user, form.email.data)
        db.session.commit()
    except accounts.AccountError as exc:
        form.email.errors.append(str(exc))
        return _settings_page(invite_form=form, status=422)
    # shown once to the owner, never logged: the link alone lets its holder join
    link = url_for("accounts.join", token=token, _external=True)
    return _settings_page(invite_link=link, status=201)


@bp.post("/team/members/<int:user_id>/remove")
@login_required
def remove_member(user_id: int):
    """The owner removes a member, or a member leaves (then lands on their own workspace)."""
    workspace = current_workspace()
    try:
        user = accounts.remove_member(workspace, current_user, user_id)
        db.session.commit()
    except accounts.AccountError as exc:
        if str(exc) == "Member not found.":
            return render_template("errors/404.html"), 404
        flash(str(exc), "error")
        return redirect(url_for("billing.settings"))
    if user.id == current_user.id:
        flash(f"You left {workspace.name}.", "ok")
        return redirect(url_for("dashboard.index"))
    flash(f"{user.email} was removed from {workspace.name}.", "ok")
    return redirect(url_for("billing.settings"))
