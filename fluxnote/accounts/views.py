"""Sign-up, login, logout, invitations and workspace switching."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from fluxnote.accounts import services
from fluxnote.accounts.forms import LoginForm, SignupForm
from fluxnote.accounts.models import User
from fluxnote.extensions import db, limiter, login_manager

bp = Blueprint("accounts", __name__)


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Log in (or create an account) to continue."
    login_manager.login_message_category = "info"

    @app.context_processor
    def _globals():
        return {"user_workspaces": lambda: services.workspaces_of(current_user),
                "url_map_endpoints": app.view_functions}


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])
def signup():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_next_url())
    form = SignupForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(form.email.data, form.password.data)
        except services.AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            login_user(user)
            return redirect(_next_url())
    return render_template("accounts/signup.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_next_url())
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user:
            login_user(user)
            return redirect(_next_url())
        form.password.errors.append("Wrong email or password.")
    return render_template("accounts/login.html", form=form), 422 if form.errors else 200


def _next_url() -> str:
    """The local page to go to after logging in; never another site (browsers read `/\\x`
    as `//x`, so backslashes count as slashes)."""
    target = request.args.get("next", "").replace("\\", "/")
    local = target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc
    return target if local else url_for("dashboard.index")


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    logout_user()
    return redirect(url_for("accounts.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@login_required
def join(token: str):
    if request.method == "POST":
        try:
            workspace = services.accept_invitation(current_user, token)
        except services.AccountError as exc:
            flash(str(exc), "error")
            return redirect(url_for("dashboard.index"))
        flash(f"You joined {workspace.name}.", "ok")
        return redirect(url_for("dashboard.index"))
    try:
        invitation, problem = services.open_invitation(current_user, token), None
    except services.AccountError as exc:
        invitation, problem = None, str(exc)
    return render_template("accounts/join.html", token=token, invitation=invitation,
                           problem=problem), 200 if invitation else 404


@bp.post("/workspaces/<int:workspace_id>/switch")
@login_required
def switch(workspace_id: int):
    try:
        services.switch_workspace(current_user, workspace_id)
    except services.AccountError:
        return render_template("errors/404.html"), 404
    return redirect(url_for("dashboard.index"))
