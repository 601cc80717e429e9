"""What the editor page and its partials show: one context for every area."""

import hashlib
import json

from flask import url_for
from sqlalchemy import select

from fluxnote.assets.models import Asset
from fluxnote.captions.preview import preview_png
from fluxnote.captions.styles import resolve_style
from fluxnote.credits.services import snapshot as credit_snapshot
from fluxnote.extensions import db
from fluxnote.media.frames import ASPECTS
from fluxnote.media.timeline import Word
from fluxnote.providers.offline.provider import ENGINE_NAME as OFFLINE_ENGINE_NAME
from fluxnote.stock.services import configured as stock_configured
from fluxnote.studio import choices
from fluxnote.studio.models import Project
from fluxnote.studio.services import last_edit
from fluxnote.studio.templates import get_template

PREVIEW_SIZE = {"9:16": (360, 640), "16:9": (640, 360), "1:1": (480, 480)}


def editor_context(project: Project, error: Exception | None = None) -> dict:
    """Everything the editor's partials read (the page includes them all)."""
    credits = credit_snapshot(project.workspace_id)
    assets = scene_assets(project)
    return {
        "project": project,
        "scenes": project.scenes,
        "template": get_template(project.template),
        "voices": choices.voices(),
        "styles": choices.caption_styles(),
        "fonts": choices.fonts(),
        "positions": choices.positions(),
        "tracks": choices.music_tracks(project.workspace_id),
        "aspects": list(ASPECTS),
        "style": resolve_style(project.caption_style, project.caption_overrides or {}),
        "assets": _visual_assets(project.workspace_id),
        "scene_assets": assets,
        "offline_drawn": {i for i, a in assets.items() if _offline_drawn(a)},
        "stock_ready": stock_configured(),
        "last_edit": last_edit(project.id),
        "project_id": project.id,
        "remaining": {k: v["remaining"] for k, v in credits.items()},
        "preview_url": preview_url(project),
        "timeline": _timeline(project),
        "variants": _variants(project),
        "error": error,
        "error_field": getattr(error, "field", None),
        "error_message": _message(error),
    }


def preview_url(project: Project) -> str:
    """The preview image's URL; it changes whenever what it shows changes."""
    state = json.dumps(
        [
            project.caption_style,
            project.caption_overrides,
            project.aspect,
            [w["text"] for w in _preview_words_raw(project)],
        ],
        sort_keys=True,
    )
    return url_for(
        "studio.preview", project_id=project.id, v=hashlib.sha1(state.encode()).hexdigest()[:12]
    )


def preview_png_for(project: Project, _args) -> bytes:
    """PNG of the project's caption style over the first words of its narration."""
    width, height = PREVIEW_SIZE[project.aspect]
    words = [Word(w["text"], w["start"], w["end"]) for w in _preview_words_raw(project)] or None
    return preview_png(
        project.caption_style, project.caption_overrides or {}, width, height, words=words
    )


def _preview_words_raw(project: Project) -> list[dict]:
    return project.scenes[0].visible_words()[:12] if project.scenes else []


def scene_assets(project: Project) -> dict[int, Asset]:
    """The assets the scenes show, by id (what made each visual is said beside it)."""
    ids = {s.asset_id for s in project.scenes if s.asset_id}
    if not ids:
        return {}
    return {a.id: a for a in db.session.scalars(select(Asset).where(Asset.id.in_(ids)))}


def _offline_drawn(asset: Asset) -> bool:
    """Drawn by the offline engine (a template visual or an offline-image generation)."""
    return (asset.engine or "").startswith(OFFLINE_ENGINE_NAME)


def _visual_assets(workspace_id: int) -> list[Asset]:
    return list(
        db.session.scalars(
            select(Asset)
            .where(Asset.workspace_id == workspace_id, Asset.kind.in_(("image", "video")))
            .order_by(Asset.id.desc())
            .limit(60)
        )
    )


def _timeline(project: Project) -> list[dict]:
    """Scene blocks for the timeline strip: x and width in percent of the whole video."""
    total, x, blocks = project.duration_s or 1.0, 0.0, []
    for scene in project.scenes:
        width = 100 * scene.duration / total
        blocks.append({"scene": scene, "x": round(x, 3), "w": round(width, 3)})
        x += width
    return blocks


def _variants(project: Project) -> list[Project]:
    root = project.parent_id or project.id
    return list(
        db.session.scalars(
            select(Project)
            .where((Project.id == root) | (Project.parent_id == root))
            .order_by(Project.id)
        )
    )


def _message(error: Exception | None) -> str | None:
    if error is None:
        return None
    return getattr(error, "message", None) or str(error)
