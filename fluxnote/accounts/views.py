"""Sign-up, login, logout, password change, invitations and workspace switching.

Sessions carry the user's session_version (see User.get_id): logging out, changing the
password or being removed from a workspace raises it, which ends every copy of every
session cookie of that user. Sign-up answers a taken email exactly as a new one, and
follows the operator's SIGNUP_MODE (open, invite: only through an invitation link,
closed: admins create accounts with `fluxnote users create`).
"""

import re
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from fluxnote.accounts import services, throttle
from fluxnote.accounts.forms import LoginForm, SignupForm
from fluxnote.accounts.models import User
from fluxnote.extensions import db, limiter, login_manager

bp = Blueprint("accounts", __name__)


def init_app(app) -> None:
    login_manager.init_app(app)
    app.extensions["credit_terms"] = services.credit_terms
    app.register_blueprint(bp)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Log in (or create an account) to continue."
    login_manager.login_message_category = "info"

    @app.context_processor
    def _globals():
        return {
            "user_workspaces": lambda: services.workspaces_of(current_user),
            "signup_mode": app.config.get("SIGNUP_MODE", "open"),
        }


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    return services.load_session_user(session_id)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])
def signup():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_next_url())
    form = SignupForm()
    refusal = _signup_refusal(form.email.data or "")
    if refusal and (request.method == "POST" or current_app.config["SIGNUP_MODE"] == "closed"):
        return render_template("accounts/signup.html", form=form, refusal=refusal), 403
    if form.validate_on_submit():
        services.sign_up(form.email.data, form.password.data)
        db.session.commit()
        # the same answer whether the email was new or taken: log in next
        session["signup_email"] = form.email.data.strip().lower()
        flash(
            "Account created: log in to open your studio. (If this email already had an "
            "account, its password is unchanged.)",
            "ok",
        )
        return redirect(url_for("accounts.login", next=request.args.get("next")), 303)
    return render_template("accounts/signup.html", form=form), 422 if form.errors else 200


def _signup_refusal(email: str) -> str | None:
    """Why SIGNUP_MODE refuses this sign-up, or None. In invite mode the form must come
    through an invitation link (next=/invite/<token>) addressed to `email`."""
    mode = current_app.config["SIGNUP_MODE"]
    if mode == "closed":
        return "Sign-up is closed on this instance: ask its administrator for an account."
    if mode == "invite":
        match = re.fullmatch(r"/invite/([A-Za-z0-9_-]{1,100})", request.args.get("next", ""))
        if not (match and (request.method == "GET" or services.is_invited(email, match[1]))):
            return "Sign-up is by invitation: open the invitation link you were sent."
    return None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_next_url())
    form = LoginForm()
    just_signed_up = request.method == "GET" and "signup_email" in session
    if just_signed_up:
        form.email.data = session.pop("signup_email")
    if form.validate_on_submit():
        email = form.email.data
        if wait := throttle.wait_seconds(email):
            return _throttled(form, wait)
        user = services.authenticate(email, form.password.data)
        if user:
            throttle.clear(email)
            login_user(user)
            return redirect(_next_url())
        throttle.record_failure(email)
        form.password.errors.append("Wrong email or password.")
    return render_template(
        "accounts/login.html", form=form, just_signed_up=just_signed_up
    ), 422 if form.errors else 200


def _throttled(form: LoginForm, wait: int):
    """Too many wrong passwords for this email: 429 until its delay has passed."""
    form.password.errors.append(
        f"Too many failed logins for this account. Try again in {wait} seconds."
    )
    response = make_response(render_template("accounts/login.html", form=form), 429)
    response.headers["Retry-After"] = str(wait)
    return response


def _next_url() -> str:
    """The local page to go to after logging in; never another site (browsers read `/\\x`
    as `//x`, so backslashes count as slashes)."""
    target = request.args.get("next", "").replace("\\", "/")
    local = target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc
    return target if local else url_for("dashboard.index")


@bp.post("/logout")
def logout():
    """End the user's sessions (this cookie and every copy of it, on every device)."""
    if current_user.is_authenticated:
        services.log_out(current_user)
        db.session.commit()
    logout_user()
    return redirect(url_for("accounts.login"), 303)


@bp.route("/invite/<token>", methods=["GET", "POST"])
@login_required
def join(token: str):
    if request.method == "POST":
        try:
            workspace = services.accept_invitation(current_user, token)
            db.session.commit()
        except services.AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for("dashboard.index"))
        flash(f"You joined {workspace.name}.", "ok")
        return redirect(url_for("dashboard.index"))
    try:
        invitation, problem = services.open_invitation(current_user, token), None
    except services.AccountError as exc:
        invitation, problem = None, str(exc)
    return render_template(
        "accounts/join.html", token=token, invitation=invitation, problem=problem
    ), 200 if invitation else 404


@bp.post("/workspaces/<int:workspace_id>/switch")
@login_required
def switch(workspace_id: int):
    try:
        services.switch_workspace(current_user, workspace_id)
        db.session.commit()
    except services.AccountError:
        return render_template("errors/404.html"), 404
    return redirect(url_for("dashboard.index"))
