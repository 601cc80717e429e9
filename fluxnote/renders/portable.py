"""A RenderSpec frozen for any host: media named by storage key, not by a path on the
host that planned the render.

The planning job stores `freeze(...)` on the render row; each piece job `thaw`s it,
fetching from the store only the media its piece reads, so every piece of one render
sees exactly the same spec even if the project is edited meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fluxnote.media.timeline import Word
from fluxnote.render.spec import CaptionSpec, RenderSpec, SceneSpec
from fluxnote.storage import services as storage


def freeze(spec: RenderSpec, key_for: Callable[[Path, str], str]) -> dict:
    """JSON for `spec`; `key_for(path, known_key)` names each media file in storage."""
    captions = spec.captions
    return {
        "width": spec.width,
        "height": spec.height,
        "fps": spec.fps,
        "duration": spec.duration,
        "preset": spec.preset,
        "music_volume": spec.music_volume,
        "duck": spec.duck,
        "scenes": [
            {
                "key": key_for(s.visual_path, s.visual_key),
                "kind": s.visual_kind,
                "start": s.start,
                "duration": s.duration,
                "trim_start": s.trim_start,
                "motion": s.motion,
            }
            for s in spec.scenes
        ],
        "narration": key_for(spec.narration_path, "") if spec.narration_path else None,
        "music": key_for(spec.music_path, "") if spec.music_path else None,
        "captions": None
        if captions is None
        else {
            "style_id": captions.style_id,
            "overrides": captions.overrides,
            "words": [[w.text, w.start, w.end] for w in captions.words],
        },
    }


def thaw(data: dict, scenes: set[int] | None = None, audio: bool = False) -> RenderSpec:
    """The RenderSpec of frozen `data`, with local paths for the visuals of `scenes` (all
    when None) and, when `audio`, for the narration and music. Media not asked for keep
    their key as a placeholder path that nothing opens. Raises MissingObject /
    StorageUnavailable when the store cannot give a file."""
    scene_specs = [
        SceneSpec(
            visual_path=storage.fetch(s["key"])
            if scenes is None or i in scenes
            else Path(s["key"]),
            visual_kind=s["kind"],
            start=s["start"],
            duration=s["duration"],
            trim_start=s["trim_start"],
            motion=s["motion"],
            visual_key=s["key"],
        )
        for i, s in enumerate(data["scenes"])
    ]
    captions = data["captions"]
    return RenderSpec(
        width=data["width"],
        height=data["height"],
        duration=data["duration"],
        fps=data["fps"],
        scenes=scene_specs,
        narration_path=storage.fetch(data["narration"]) if audio and data["narration"] else None,
        music_path=storage.fetch(data["music"]) if audio and data["music"] else None,
        music_volume=data["music_volume"],
        duck=data["duck"],
        preset=data["preset"],
        captions=None
        if captions is None
        else CaptionSpec(
            captions["style_id"],
            captions["overrides"],
            [Word(text, start, end) for text, start, end in captions["words"]],
        ),
    )
