"""Building a project's media: narration per scene, a visual per scene, music.

Every step does its slow work (TTS, drawing) with no transaction open, then re-loads
the row and writes the result in a short transaction, so a worker dying mid-build
loses at most one scene's work and a re-run continues where it stopped.
"""

import logging
from collections.abc import Callable

from sqlalchemy import select

from fluxnote import events
from fluxnote.assets.services import add_asset
from fluxnote.extensions import db
from fluxnote.studio import footage, media, services
from fluxnote.studio.models import Project, Scene
from fluxnote.studio.templates import get_template

log = logging.getLogger(__name__)
Progress = Callable[[str, float], None]


def build_project(project_id: int, progress: Progress | None = None) -> None:
    """Voice, draw and score the project, then mark it ready (or failed, with the reason).

    Idempotent: scenes that already have narration or a visual are left alone.
    """
    report = _reporter(project_id, progress)
    try:
        voice_scenes(project_id, lambda f: report("voice", f))
        stock_scenes(project_id, lambda f: report("visuals", f))
        draw_scenes(project_id, lambda f: report("visuals", f))
        choose_music(project_id)
    except Exception as exc:
        db.session.rollback()
        log.exception("building project %s failed", project_id)
        _set_status(project_id, "failed", f"{exc.__class__.__name__}: {exc}"[:300])
        raise
    _set_status(project_id, "ready")
    report("done", 1.0)


def voice_scenes(project_id: int, progress: Callable[[float], None] | None = None) -> None:
    """Synthesise narration for each scene that has none (the project's voice)."""
    todo = _scene_ids(project_id, Scene.audio_key.is_(None))
    for i, scene_id in enumerate(todo):
        revoice_scene(scene_id)
        if progress:
            progress((i + 1) / len(todo))


def revoice_scene(scene_id: int) -> None:
    """Re-synthesise one scene's text with its project's voice; resets its trims. Free."""
    scene = db.session.get(Scene, scene_id)
    text, voice = scene.text, scene.project.voice
    db.session.commit()
    key, duration, words = media.narrate(text, voice)
    scene = db.session.get(Scene, scene_id)
    if scene is None or scene.text != text or scene.project.voice != voice:
        db.session.commit()  # edited again meanwhile: that edit re-voices it
        return
    scene.audio_key, scene.audio_duration_s, scene.words = key, duration, words
    scene.trim_start = scene.trim_end = 0.0
    db.session.commit()


def stock_scenes(project_id: int, progress: Callable[[float], None] | None = None) -> None:
    """For a stock project, find and fetch footage for each scene without a visual (free);
    a scene with none found keeps no visual here and gets an offline picture next."""
    project = db.session.get(Project, project_id)
    visuals = project.visuals
    db.session.commit()
    if visuals != "stock":
        return
    todo = _scene_ids(project_id, Scene.asset_id.is_(None))
    for i, scene_id in enumerate(todo):
        footage.use_stock(scene_id)
        if progress:
            progress((i + 1) / len(todo))


def draw_scenes(project_id: int, progress: Callable[[float], None] | None = None) -> None:
    """Give each scene without a visual a free offline picture (also the placeholder
    shown while a credited generation for the scene is still running)."""
    todo = _scene_ids(project_id, Scene.asset_id.is_(None))
    for i, scene_id in enumerate(todo):
        scene = db.session.get(Scene, scene_id)
        project = scene.project
        # the offline engine draws its prompt as title type: the topic reads as a series card
        prompt, (w, h), ws, user = (
            project.topic or project.title,
            project.size,
            project.workspace_id,
            project.created_by_id,
        )
        db.session.commit()
        key = media.draw_visual(prompt, w, h, seed=scene_id)
        scene = db.session.get(Scene, scene_id)
        asset = add_asset(
            ws,
            "image",
            "generated",
            key,
            width=w,
            height=h,
            engine=media.OFFLINE_ENGINE,
            title=prompt[:200],
            created_by_id=user,
        )
        scene.asset_id = asset.id
        db.session.commit()
        if progress:
            progress((i + 1) / len(todo))


def redraw_for_aspect(project_id: int) -> None:
    """After an aspect change, redraw the free offline pictures drawn for another shape
    (same seed, so the same look). Uploads and generations are kept: the render crops them."""
    from fluxnote.assets.models import Asset

    project = db.session.get(Project, project_id)
    for scene in project.scenes:
        asset = db.session.get(Asset, scene.asset_id) if scene.asset_id else None
        if (
            asset
            and asset.engine == media.OFFLINE_ENGINE
            and (asset.width, asset.height) != project.size
        ):
            scene.asset_id = None
    db.session.commit()
    draw_scenes(project_id)


def choose_music(project_id: int) -> None:
    """Pick a library track matching the template's mood, unless one is chosen, and
    have its WAV ready (library tracks are rendered on first use), so that neither the
    studio's player nor the first render waits for it."""
    project = db.session.get(Project, project_id)
    if project.music_track is None:
        template = get_template(project.template)
        project.music_track = media.pick_music(template.music_mood if template else "calm")
    track, workspace_id = project.music_track, project.workspace_id
    db.session.commit()
    media.music_path(track, workspace_id)


def _scene_ids(project_id: int, condition) -> list[int]:
    ids = list(
        db.session.scalars(
            select(Scene.id)
            .where(Scene.project_id == project_id, condition)
            .order_by(Scene.position)
        )
    )
    db.session.commit()
    return ids


def _set_status(project_id: int, status: str, error: str | None = None) -> None:
    """Record the end of a build and, once committed, announce it (project.ready/failed)."""
    project = db.session.get(Project, project_id)
    project.status, project.error = status, error
    if status == "ready":
        project.progress = 1.0
    db.session.commit()
    body, workspace_id = services.to_json(project), project.workspace_id
    db.session.commit()
    events.project_finished.send(workspace_id, event=f"project.{status}", data=body)


def _reporter(project_id: int, progress: Progress | None) -> Progress:
    """Store coarse progress on the project (for the studio page) and pass it on."""
    weights = {"voice": (0.0, 0.6), "visuals": (0.6, 0.35), "done": (1.0, 0.0)}

    def report(stage: str, fraction: float) -> None:
        base, span = weights[stage]
        project = db.session.get(Project, project_id)
        project.progress = round(base + span * fraction, 3)
        db.session.commit()
        if progress:
            progress(stage, fraction)

    return report
