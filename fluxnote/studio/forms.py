"""Studio forms → service calls: quick-create bodies, and editor forms → PATCH bodies."""

import contextlib

from flask import current_app
from werkzeug.datastructures import MultiDict

from fluxnote.accounts.models import Workspace
from fluxnote.captions.styles import STYLES
from fluxnote.credits.services import InsufficientCredits
from fluxnote.credits.services import snapshot as credit_snapshot
from fluxnote.extensions import db
from fluxnote.media.frames import ASPECTS
from fluxnote.stock.services import configured as stock_configured
from fluxnote.studio import choices, create
from fluxnote.studio.models import Project
from fluxnote.studio.services import StudioError, list_projects, scene_of
from fluxnote.studio.templates import templates
from fluxnote.studio.writer import llm_endpoint

# action -> (the area it answers with, the areas refreshed out of band)
ACTIONS = {
    "text": "scenes",
    "trim": "scenes",
    "duration": "scenes",
    "split": "scenes",
    "move": "scenes",
    "delete": "scenes",
    "visual": "scenes",
    "words": "captions",
    "voice": "voice",
    "captions": "captions",
    "music": "music",
    "aspect": "settings",
    "title": "settings",
}
PARTS = {
    "editor",
    "status",
    "scenes",
    "timeline",
    "voice",
    "captions",
    "music",
    "settings",
    "undo",
    "render",
    "variants",
}
# edits that change what the variants list shows outside the area they answer with
VARIANT_FIELDS = {"voice", "captions"}
CAPTION_FIELDS = {
    "font": str,
    "size": int,
    "text_color": str,
    "highlight_color": str,
    "stroke_color": str,
    "position": str,
}


def create_body(form: MultiDict) -> dict:
    keys = (
        "topic",
        "source_text",
        "source_url",
        "template",
        "voice",
        "caption_style",
        "aspect",
        "visuals",
        "model",
    )
    return {k: form.get(k, "").strip() for k in keys if form.get(k, "").strip()}


def new_project_context(workspace: Workspace, form: MultiDict | None = None, error=None) -> dict:
    form = form or MultiDict({"template": "faceless_explainer", "visuals": "offline"})
    return {
        "projects": list_projects(workspace.id),
        "templates": list(templates().values()),
        "voices": choices.voices(),
        "styles": choices.caption_styles(),
        "aspects": list(ASPECTS),
        "form": form,
        "error": error,
        **cost_context(workspace, form),
        "out_of": error if isinstance(error, InsufficientCredits) else None,
        "writer": {"endpoint": llm_endpoint(), "model": current_app.config["WRITER_MODEL"]},
        "stock_ready": stock_configured(),
    }


def cost_context(workspace: Workspace, form: MultiDict) -> dict:
    """The cost line of the quick-create form: free, or N credits of a kind and what is left."""
    visuals = form.get("visuals", "offline")
    kind = create.VISUALS.get(visuals)
    if kind is None:
        return {"cost": None}
    template = templates().get(form.get("template", "")) or next(iter(templates().values()))
    scenes = len(template.structure)
    if form.get("source_text", "").strip():
        with contextlib.suppress(StudioError):
            scenes = len(create.draft(create.parse_request(create_body(form))).scenes)
    return {
        "cost": {
            "kind": kind,
            "credits": scenes,
            "remaining": credit_snapshot(workspace.id)[kind]["remaining"],
        }
    }


def patch_body(project: Project, action: str, form: MultiDict) -> tuple[dict, str]:
    """The PATCH body and undo label for one editor form. StudioError for bad numbers."""
    if action in ("voice", "aspect", "title"):
        return {action: form.get(action, "")}, f"Change {action}"
    if action == "captions":
        return _caption_body(form), "Change caption style"
    if action == "music":
        track = form.get("track") or None
        return {
            "music": {
                "track": track,
                "volume": _float(form, "volume") / 100,
                "ducking": form.get("ducking") == "on",
            }
        }, "Change music"
    scene = scene_of(project, _int(form, "scene_id"))
    n = scene.position + 1
    if action == "move":
        order = [s.id for s in project.scenes]
        i = order.index(scene.id)
        j = max(0, min(len(order) - 1, i + (-1 if form.get("direction") == "up" else 1)))
        order[i], order[j] = order[j], order[i]
        return {"scene_order": order}, f"Move scene {n}"
    if action == "delete":
        if len(project.scenes) == 1:
            raise StudioError("scene_id", "A project keeps at least one scene.")
        return {
            "scene_order": [s.id for s in project.scenes if s.id != scene.id]
        }, f"Delete scene {n}"
    if action == "split":
        return {"split": {"scene_id": scene.id, "word": _int(form, "word")}}, f"Split scene {n}"
    return {"scenes": [_scene_update(scene.id, action, form)]}, f"Edit scene {n} ({action})"


def _scene_update(scene_id: int, action: str, form: MultiDict) -> dict:
    if action == "text":
        return {"id": scene_id, "text": form.get("text", "")}
    if action == "trim":
        return {
            "id": scene_id,
            "trim_start": _float(form, "trim_start"),
            "trim_end": _float(form, "trim_end"),
        }
    if action == "duration":
        raw = form.get("duration_s", "").strip()
        return {"id": scene_id, "duration_s": _float(form, "duration_s") if raw else None}
    if action == "visual":
        return {"id": scene_id, "asset_id": _int(form, "asset_id")}
    fixes = [
        {"index": int(k[2:]), "text": v}
        for k, v in form.items()
        if k.startswith("w-") and k[2:].isdigit()
    ]
    return {"id": scene_id, "words": fixes}


def _caption_body(form: MultiDict) -> dict:
    style = form.get("caption_style", "")
    if style not in STYLES:
        raise StudioError("caption_style", "Choose a caption style.")
    base = STYLES[style].to_json()
    overrides = {}
    for key, kind in CAPTION_FIELDS.items():
        raw = form.get(key, "").strip()
        value = _int(form, key) if kind is int and raw else raw
        if raw and value != base[key]:
            overrides[key] = value
    if form.get("current_style") not in (None, style):
        overrides = {}  # a newly picked style starts from its own look
    return {"caption_style": style, "caption_overrides": overrides}


def generate_for_scene(project: Project, scene_id: int, form: MultiDict, user_id: int) -> None:
    """Submit a credited generation for a scene's visual, flushed in the caller's
    transaction (InsufficientCredits / StudioError, nothing written)."""
    from fluxnote.generation.services import submit
    from fluxnote.generation.validation import InvalidRequest

    scene = scene_of(project, scene_id)
    kind = "video" if form.get("kind") == "video" else "image"
    body = {
        "kind": kind,
        "model": form.get("model") or create.DEFAULT_MODEL[kind],
        "prompt": (form.get("prompt") or scene.visual_prompt or scene.text)[:2000],
        "project_id": project.id,
        "aspect": project.aspect,
    }
    try:
        gen = submit(db.session.get(Workspace, project.workspace_id), user_id, body)[0]
    except InvalidRequest as exc:
        raise StudioError(exc.field or "model", exc.message) from exc
    scene = scene_of(project, scene_id)
    scene.generation_id = gen.id
    project.generation_ids = [*(project.generation_ids or []), gen.id]


def _int(form: MultiDict, key: str) -> int:
    try:
        return int(form.get(key, ""))
    except ValueError:
        raise StudioError(key, "A whole number.") from None


def _float(form: MultiDict, key: str) -> float:
    try:
        return float(form.get(key, ""))
    except ValueError:
        raise StudioError(key, "A number.") from None
