"""The render contract: plain dataclasses that describe one video, no DB access.

The studio (fluxnote.studio.spec.build_render_spec) builds a RenderSpec from a
project; fluxnote.render.compose.compose turns it into an MP4.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from fluxnote.media.timeline import Word

VisualKind = Literal["image", "video"]
DEFAULT_FPS = 30
MOTIONS = ("zoom_in", "zoom_out", "pan_left", "pan_right", "none")


@dataclass(frozen=True)
class SceneSpec:
    """One visual shown from `start` for `duration` seconds.

    For videos, `trim_start` is the offset into the source clip; `motion` is the
    camera move applied to images (videos are only scaled to cover the frame).
    `visual_key` names the visual's content when the caller knows it (a storage key of an
    immutable object); segment hashes then use it instead of hashing the file.
    """

    visual_path: Path
    visual_kind: VisualKind
    start: float
    duration: float
    trim_start: float = 0.0
    motion: str = "zoom_in"
    visual_key: str = ""


@dataclass(frozen=True)
class CaptionSpec:
    """A caption style id (see fluxnote.captions.styles.STYLES), per-project
    overrides (font, size, text_color, highlight_color, stroke_color,
    box_color, position, max_words...) and the timed words to show."""

    style_id: str
    overrides: dict = field(default_factory=dict)
    words: list[Word] = field(default_factory=list)


@dataclass(frozen=True)
class RenderSpec:
    """Everything compose() needs to produce one MP4."""

    width: int
    height: int
    duration: float
    scenes: list[SceneSpec]
    fps: int = DEFAULT_FPS
    narration_path: Path | None = None
    captions: CaptionSpec | None = None
    music_path: Path | None = None
    music_volume: float = 0.25  # 20·log10(volume) dB from the voice before ducking
    duck: bool = True
    preset: str = "veryfast"


def whole_frames(seconds: float, fps: int) -> float:
    """`seconds` rounded to whole frames (at least one): scenes that start on a frame keep
    their segments' content when an earlier scene changes length."""
    return max(1, round(seconds * fps)) / fps
