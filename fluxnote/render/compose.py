"""compose(spec) -> MP4: pure, no database access, every clip and process closed.

The soundtrack is mixed and mastered first (fluxnote.render.audio); moviepy drives one
frame function; frames are built on I420 planes (camera move by affine warp, captions
blended as premultiplied sprites only in their box) and piped to x264 as yuv420p, which
keeps the frame loop off RGB entirely.
"""

from __future__ import annotations

import bisect
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from moviepy import VideoClip

from fluxnote.media.ffmpeg import RawVideoWriter
from fluxnote.media.yuv import blend
from fluxnote.render.audio import write_soundtrack
from fluxnote.render.captions import CaptionTrack
from fluxnote.render.spec import RenderSpec
from fluxnote.render.visuals import ImageVisual, VideoVisual, open_visual

AUDIO_SHARE = 0.04  # of the progress bar: the soundtrack is mixed first


class FrameSource:
    """The frame function of a render: the scene visual at t, then the caption sprite.

    Returns the same buffer every call (the writer consumes it before the next one).
    Only the current scene's visual is open; close() closes it.
    """

    def __init__(self, spec: RenderSpec):
        self.spec = spec
        self.scenes = sorted(spec.scenes, key=lambda s: s.start)
        self.starts = [s.start for s in self.scenes]
        words = spec.captions.words if spec.captions else []
        self.captions = (
            CaptionTrack(spec.captions, spec.width, spec.height, spec.fps, self.starts)
            if words
            else None
        )
        self.buffer = np.full((spec.height * 3 // 2, spec.width), 128, dtype=np.uint8)
        self.buffer[: spec.height] = 16
        self._index = -1
        self._visual: ImageVisual | VideoVisual | None = None

    def frame(self, t: float) -> np.ndarray:
        index = max(bisect.bisect_right(self.starts, t) - 1, 0)
        scene = self.scenes[index]
        self._switch(index).frame(min(t - scene.start, scene.duration), self.buffer)
        sprite = self.captions.at(t) if self.captions else None
        if sprite is not None:
            blend(self.buffer, self.spec.width, self.spec.height, sprite)
        return self.buffer

    def _switch(self, index: int) -> ImageVisual | VideoVisual:
        if index != self._index:
            self.close()
            self._visual = open_visual(self.scenes[index], self.spec.width, self.spec.height)
            self._index = index
        return self._visual

    def close(self) -> None:
        if self._visual is not None:
            self._visual.close()
            self._visual, self._index = None, -1

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def validate(spec: RenderSpec) -> None:
    """Raise ValueError when the spec cannot be rendered."""
    if spec.width < 16 or spec.height < 16 or spec.width % 2 or spec.height % 2:
        raise ValueError("width and height must be even and at least 16")
    if not 0 < spec.duration <= 600:
        raise ValueError("duration must be between 0 and 600 seconds")
    if not 1 <= spec.fps <= 60:
        raise ValueError("fps must be between 1 and 60")
    if not spec.scenes:
        raise ValueError("a render needs at least one scene")


def compose(
    spec: RenderSpec, out_path: Path, progress: Callable[[float], None] | None = None
) -> Path:
    """Render `spec` to an MP4 at `out_path` (H.264 + AAC, yuv420p, faststart) and return it.

    `progress` is called with 0..1 (at most ~100 times). The file appears atomically: on
    failure nothing is left at `out_path`. Raises ValueError for an invalid spec, OSError
    for unreadable media or an encoder failure.
    """
    validate(spec)
    report = progress or (lambda _fraction: None)
    out_path = Path(out_path)
    with tempfile.TemporaryDirectory(prefix="fluxnote-render-") as tmp:
        report(0.0)
        soundtrack = Path(tmp) / "soundtrack.m4a"
        write_soundtrack(spec, soundtrack)
        report(AUDIO_SHARE)
        partial = Path(tmp) / "video.mp4"
        _write_frames(spec, soundtrack, partial, report)
        _publish(partial, out_path)
    report(1.0)
    return out_path


def _write_frames(
    spec: RenderSpec, soundtrack: Path, partial: Path, report: Callable[[float], None]
) -> None:
    total = max(1, round(spec.duration * spec.fps))
    step = max(1, total // 100)
    with (
        FrameSource(spec) as frames,
        VideoClip(frames.frame, duration=spec.duration) as clip,
        RawVideoWriter(
            partial, spec.width, spec.height, spec.fps, spec.preset, soundtrack
        ) as writer,
    ):
        for i in range(total):
            writer.write(clip.get_frame(i / spec.fps))
            if i % step == 0:
                report(AUDIO_SHARE + (1 - AUDIO_SHARE) * i / total)


def _publish(src: Path, dst: Path) -> None:
    """Move the finished file into place atomically, even across file systems."""
    staging = dst.with_name(f".{dst.name}.part")
    shutil.move(src, staging)
    os.replace(staging, dst)
