"""From project state to the render contract: `build_render_spec(project_id, aspect)`.

The per-scene narration clips are assembled into one voiceover file on the video
timeline (trims applied, silence where a scene outlasts its words). Scenes last whole
frames, so an edit that changes one scene's length shifts the later ones by whole frames
and their video segments are reused unchanged. That file is kept
and reused while the scenes' narration, trims and durations are unchanged, so
restyling, music changes and variants render against the very same voiceover file.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
from flask import current_app

from fluxnote.assets.models import Asset
from fluxnote.extensions import db
from fluxnote.media.frames import ASPECTS
from fluxnote.media.timeline import Word
from fluxnote.render.spec import (
    DEFAULT_FPS,
    MOTIONS,
    CaptionSpec,
    RenderSpec,
    SceneSpec,
    whole_frames,
)
from fluxnote.storage import services as storage
from fluxnote.studio import media
from fluxnote.studio.models import Project, Scene
from fluxnote.studio.services import sync_generations

SAMPLE_RATE = 24000


class SpecError(Exception):
    """The project cannot be rendered yet (still building, a scene without a visual...)."""


def build_render_spec(project_id: int, aspect: str | None = None) -> RenderSpec:
    """The RenderSpec of the project as it is now, at `aspect` (default: the project's).

    Raises SpecError when the project is missing, has no scenes, or a scene has no
    visual or narration yet. Commits (it may store the assembled voiceover).
    """
    project = db.session.get(Project, project_id)
    if project is None or not project.scenes:
        raise SpecError("The project has no scenes to render.")
    if sync_generations(project):
        db.session.commit()
    width, height = ASPECTS[aspect or project.aspect]
    scenes, words, start = [], [], 0.0
    for i, scene in enumerate(project.scenes):
        length = whole_frames(scene.duration, DEFAULT_FPS)
        scenes.append(_scene_spec(scene, start, length, i))
        words += [
            Word(w["text"], round(start + w["start"], 3), round(start + w["end"], 3))
            for w in scene.visible_words()
        ]
        start += length
    narration = voiceover_path(project)
    music = (
        media.music_path(project.music_track, project.workspace_id) if project.music_track else None
    )
    return RenderSpec(
        width=width,
        height=height,
        duration=round(start, 6),
        scenes=scenes,
        narration_path=narration,
        captions=CaptionSpec(project.caption_style, dict(project.caption_overrides or {}), words),
        music_path=music,
        music_volume=project.music_volume,
        duck=project.music_ducking,
        preset=current_app.config.get("RENDER_PRESET", "veryfast"),
    )


def _scene_spec(scene: Scene, start: float, length: float, index: int) -> SceneSpec:
    asset = db.session.get(Asset, scene.asset_id) if scene.asset_id else None
    if asset is None or asset.kind not in ("image", "video"):
        raise SpecError(f"Scene {index + 1} has no visual yet.")
    return SceneSpec(
        visual_path=storage.fetch(asset.storage_key),
        visual_kind=asset.kind,
        start=round(start, 6),
        duration=length,
        visual_key=asset.storage_key,
        # by scene id: a scene keeps its camera move when the timeline is reordered
        motion=MOTIONS[scene.id % 4] if asset.kind == "image" else "none",
    )


def voiceover_path(project: Project) -> Path:
    """The assembled voiceover for the project's current scenes, built once per change
    and kept in storage for every host (a local path to read now)."""
    sig = _signature(project)
    if project.narration_key and project.narration_sig == sig:
        try:
            return storage.fetch(project.narration_key)
        except storage.MissingObject:
            pass
    clips = [
        (scene.audio_key, scene.trim_start, min(scene.narration_s, length), length)
        for scene, length in ((s, whole_frames(s.duration, DEFAULT_FPS)) for s in project.scenes)
    ]
    if any(key is None for key, *_ in clips):
        raise SpecError("Some scenes have no narration yet.")
    db.session.commit()
    with storage.scratch_dir() as tmp:
        _assemble(clips, tmp / "voiceover.wav")
        key = storage.put_file(tmp / "voiceover.wav", move=True)
    project = db.session.get(Project, project.id)
    project.narration_key, project.narration_sig = key, sig
    db.session.commit()
    return storage.fetch(key)


def _signature(project: Project) -> str:
    parts = [
        (s.audio_key, s.trim_start, s.trim_end, whole_frames(s.duration, DEFAULT_FPS))
        for s in project.scenes
    ]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _assemble(clips: list[tuple[str, float, float, float]], out: Path) -> None:
    """Concatenate each clip's played span, padded with silence to its scene's length."""
    from fluxnote.media.audio import load_audio, write_wav

    pieces = []
    for key, offset, play, length in clips:
        samples = load_audio(storage.fetch(key), SAMPLE_RATE)
        a = int(round(offset * SAMPLE_RATE))
        piece = samples[a : a + int(round(play * SAMPLE_RATE))]
        pad = int(round(length * SAMPLE_RATE)) - len(piece)
        pieces.append(
            np.concatenate([piece, np.zeros(max(0, pad), np.float32)]) if pad > 0 else piece
        )
    write_wav(out, np.concatenate(pieces) if pieces else np.zeros(1, np.float32), SAMPLE_RATE)
