"""The studio's generate page (web session): form with the cost up front, gallery,
self-polling status cards, and the media route the gallery shows files through."""

from flask import (
    Blueprint,
    Flask,
    abort,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from fluxnote import htmx, periodic
from fluxnote.accounts.context import current_workspace
from fluxnote.assets.services import get_asset
from fluxnote.catalog.services import all_models, get_model, unavailable_reason
from fluxnote.credits.services import InsufficientCredits, snapshot
from fluxnote.extensions import db, limiter
from fluxnote.generation import services
from fluxnote.generation.validation import InvalidRequest
from fluxnote.media.frames import DEFAULT_ASPECT
from fluxnote.plans import cheapest_covering, get_plan
from fluxnote.storage import responses as storage_responses

bp = Blueprint("generation", __name__)


def init_app(app: Flask) -> None:
    # Importing the jobs loads every provider SDK and the offline engine once, here, so
    # RQ's forked work horses start warm instead of importing them for each job.
    from fluxnote.generation import (
        api,
        callbacks,
        jobs,  # noqa: F401
    )
    from fluxnote.generation.sweeper import sweep

    periodic.register(sweep)
    app.register_blueprint(bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(callbacks.bp)


@bp.get("/generate")
@login_required
def generate_page():
    workspace = current_workspace()
    return render_template(
        "generation/generate.html",
        **_form_context(workspace, {}),
        generations=services.recent(workspace.id),
    )


@bp.get("/generate/cost")
@login_required
def cost():
    return render_template(
        "generation/_cost.html", **_cost_context(current_workspace(), request.args)
    )


@bp.post("/generate")
@login_required
@limiter.limit("60 per minute", key_func=lambda: f"generate:{current_user.id}")
def generate():
    workspace, form = current_workspace(), request.form
    try:
        gens = services.submit(workspace, current_user.id, _body(form))
        db.session.commit()
    except InvalidRequest as exc:
        return _form_error(workspace, form, exc.field, exc.message, 422)
    except InsufficientCredits as exc:
        return _form_error(workspace, form, None, None, 402, out_of=exc)
    if not htmx.is_htmx():
        return redirect(url_for("generation.generate_page"))
    return htmx.trigger(make_response(render_template("generation/_new.html", generations=gens)))


@bp.get("/generate/<int:generation_id>/status")
@login_required
def status(generation_id: int):
    gen = services.get_generation(current_workspace().id, generation_id) or abort(404)
    response = make_response(render_template("generation/_status.html", gen=gen))
    if not gen.in_flight and request.args.get("was") in ("queued", "running"):
        htmx.trigger(response)
    return response


@bp.post("/generate/<int:generation_id>/cancel")
@login_required
def cancel(generation_id: int):
    gen = services.cancel(current_workspace().id, generation_id) or abort(404)
    db.session.commit()
    return htmx.trigger(make_response(render_template("generation/_status.html", gen=gen)))


@bp.get("/media/assets/<int:asset_id>")
@login_required
def media(asset_id: int):
    asset = get_asset(current_workspace().id, asset_id) or abort(404)
    return storage_responses.send(asset.storage_key, asset.content_type)


def _body(form) -> dict:
    """The API body for a form post: kind follows the model; video-only fields for video."""
    model = get_model(form.get("model", ""))
    body = {
        "kind": model.kind if model else form.get("kind", ""),
        "model": form.get("model", ""),
        "prompt": form.get("prompt", ""),
        "aspect": form.get("aspect", DEFAULT_ASPECT),
    }
    for name in ("variations", "duration_s", "source_asset_id"):
        value = form.get(name, "").strip()
        if value and (name == "variations" or (model and model.kind == "video")):
            body[name] = int(value) if value.isdigit() else value
    return body


def _form_error(workspace, form, field, message, status, out_of=None):
    """The form again with the error: the partial for htmx, else the whole page."""
    context = dict(
        _form_context(workspace, form),
        error_field=field,
        error=message,
        out_of=out_of,
        covering_plan=_covering_plan(workspace, out_of),
    )
    if not htmx.is_htmx():
        context["generations"] = services.recent(workspace.id)
    response = htmx.fragment_or_page(
        "generation/_form.html", "generation/generate.html", status, **context
    )
    return htmx.retarget(response, "#gen-form")


def _covering_plan(workspace, out_of: InsufficientCredits | None):
    """The cheapest plan with a larger allowance of the kind that ran out (None on the top)."""
    if out_of is None:
        return None
    more = get_plan(workspace.plan).allowance(out_of.kind) + 1
    return cheapest_covering(out_of.kind, more, workspace.plan)


def _form_context(workspace, form) -> dict:
    models = [(m, unavailable_reason(m)) for m in all_models()]
    return {
        "form": form,
        "models": models,
        "images": services.source_images(workspace.id),
        **_cost_context(workspace, form),
    }


def _cost_context(workspace, args) -> dict:
    model = get_model(args.get("model", "")) or get_model("offline-image")
    count = int(args["variations"]) if args.get("variations", "").isdigit() else 1
    remaining = snapshot(workspace.id)[model.kind]["remaining"]
    return {
        "cost_kind": model.kind,
        "cost_count": max(1, min(count, 4)),
        "remaining": remaining,
        "selected": model,
    }
