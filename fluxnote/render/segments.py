"""Segment renders: a RenderSpec cut into independently encoded, content-addressed pieces.

plan(spec) cuts the frame range at scene boundaries (a scene longer than SEGMENT_S is split
into equal parts) and names each piece by a hash of everything that decides its pixels.
encode_segment() renders one piece with exactly the frame function and encoder settings
of a single-pass compose() (a fresh encoder starts with a keyframe), video only. join()
puts the pieces end to end without re-encoding (concat demuxer, stream copy), muxes the
soundtrack mixed once for the whole video, and moves the index to the front.

A piece whose key is unchanged has the same pixels, so it can be taken from an earlier
render: an edit re-encodes only the pieces it touched. Pure: no database, no storage.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fluxnote.captions.styles import resolve_style
from fluxnote.media.ffmpeg import RawVideoWriter, ffmpeg_exe
from fluxnote.render.captions import scene_pages
from fluxnote.render.compose import FrameSource, validate
from fluxnote.render.spec import RenderSpec, SceneSpec

RENDERER_VERSION = "1"  # bump when a code change alters the pixels of the same spec
SEGMENT_S = 10.0
CRF = 23
PROGRESS_EVERY = 15  # frames between progress calls


@dataclass(frozen=True)
class Segment:
    """Frames [first_frame, first_frame + frames) of a render, named by `key`."""

    index: int
    first_frame: int
    frames: int
    key: str


def plan(spec: RenderSpec) -> list[Segment]:
    """The render's segments in order. Raises ValueError for an invalid spec."""
    validate(spec)
    total = total_frames(spec)
    scenes = sorted(spec.scenes, key=lambda s: s.start)
    cuts = [0]
    for scene in scenes[1:]:
        first = scene_first_frame(scene, spec.fps)
        if cuts[-1] < first < total:
            cuts.append(first)
    cuts.append(total)
    bounds = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        parts = max(1, math.ceil((b - a) / (SEGMENT_S * spec.fps)))
        edges = [a + round(k * (b - a) / parts) for k in range(parts + 1)]
        bounds += list(zip(edges, edges[1:], strict=False))
    pages = _pages(spec)
    return [
        Segment(i, a, b - a, _key(spec, scenes, pages, a, b)) for i, (a, b) in enumerate(bounds)
    ]


def total_frames(spec: RenderSpec) -> int:
    """Frames of the whole video (the same count a single-pass compose() writes)."""
    return max(1, round(spec.duration * spec.fps))


def scene_first_frame(scene: SceneSpec, fps: int) -> int:
    """The first frame shown from `scene`: frame i shows the scene started last by i/fps."""
    first = math.ceil(scene.start * fps)
    while first > 0 and (first - 1) / fps >= scene.start:
        first -= 1
    while first / fps < scene.start:
        first += 1
    return first


def encode_segment(
    spec: RenderSpec,
    segment: Segment,
    out_path: Path,
    progress: Callable[[float], None] | None = None,
) -> Path:
    """Encode the segment's frames (H.264, no audio) to `out_path`, which appears only
    when complete. `progress` gets 0..1. Raises OSError for unreadable media or an encoder
    failure."""
    report = progress or (lambda _fraction: None)
    with (
        FrameSource(spec) as frames,
        RawVideoWriter(out_path, spec.width, spec.height, spec.fps, spec.preset, crf=CRF) as out,
    ):
        for j in range(segment.frames):
            out.write(frames.frame((segment.first_frame + j) / spec.fps))
            if j % PROGRESS_EVERY == 0:
                report(j / segment.frames)
    report(1.0)
    return Path(out_path)


def join(segment_paths: list[Path], soundtrack: Path, out_path: Path) -> Path:
    """Concatenate encoded segments (stream copy), mux `soundtrack` (copied), faststart.

    The file appears at `out_path` only when complete. Raises OSError when ffmpeg fails
    (a missing or unreadable segment).
    """
    out_path = Path(out_path)
    part = out_path.with_name(f".{out_path.name}.part")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        for path in segment_paths:
            quoted = str(Path(path).resolve()).replace("'", "'\\''")
            listing.write(f"file '{quoted}'\n")
    try:
        cmd = [ffmpeg_exe(), "-y", "-nostdin", "-hide_banner", "-loglevel", "error"]
        cmd += ["-f", "concat", "-safe", "0", "-i", listing.name, "-i", str(soundtrack)]
        cmd += ["-map", "0:v", "-map", "1:a", "-c", "copy", "-movflags", "+faststart"]
        proc = subprocess.run([*cmd, "-f", "mp4", str(part)], capture_output=True, timeout=600)
        if proc.returncode != 0:
            message = proc.stderr.decode(errors="replace").strip()[-500:]
            raise OSError(f"joining segments failed: {message}")
        os.replace(part, out_path)
    finally:
        os.unlink(listing.name)
        part.unlink(missing_ok=True)
    return out_path


def soundtrack_key(spec: RenderSpec, narration: str | None, music: str | None) -> str:
    """A hash of everything that decides the soundtrack (it is mixed once per render);
    `narration` and `music` name the audio files' content (e.g. storage keys)."""
    return _digest(
        {
            "v": RENDERER_VERSION,
            "duration": round(spec.duration, 6),
            "narration": narration,
            "music": music,
            "volume": spec.music_volume,
            "duck": spec.duck,
        }
    )


def _key(spec: RenderSpec, scenes: list[SceneSpec], pages, a: int, b: int) -> str:
    """What decides the pixels of frames [a, b): sizes and encoder, the scenes shown and
    their timing relative to the segment start, the caption pages on screen."""
    origin, end = a / spec.fps, b / spec.fps
    shown = [scenes[i] for i in _shown(scenes, spec.fps, a, b)]
    return _digest(
        {
            "v": RENDERER_VERSION,
            "size": [spec.width, spec.height],
            "fps": spec.fps,
            "preset": spec.preset,
            "crf": CRF,
            "frames": b - a,
            "scenes": [
                [
                    _file_id(s.visual_path, s.visual_key),
                    s.visual_kind,
                    s.motion,
                    round(s.trim_start, 6),
                    round(s.duration, 6),
                    round(s.start - origin, 6),
                ]
                for s in shown
            ],
            "captions": None
            if spec.captions is None
            else [
                spec.captions.style_id,
                spec.captions.overrides,
                [
                    [
                        round(p.start - origin, 6),
                        round(p.end - origin, 6),
                        [
                            [w.text, round(w.start - origin, 6), round(w.end - origin, 6)]
                            for w in p.words
                        ],
                    ]
                    for p in pages
                    if p.start < end and p.end > origin
                ],
            ],
        }
    )


def scene_indexes(spec: RenderSpec, segment: Segment) -> list[int]:
    """Indexes into spec.scenes of the scenes the segment's frames show (the only
    visuals encode_segment opens)."""
    order = sorted(range(len(spec.scenes)), key=lambda i: spec.scenes[i].start)
    ordered = [spec.scenes[i] for i in order]
    a, b = segment.first_frame, segment.first_frame + segment.frames
    return sorted(order[i] for i in _shown(ordered, spec.fps, a, b))


def _shown(scenes: list[SceneSpec], fps: int, a: int, b: int) -> list[int]:
    """Positions in `scenes` (sorted by start) of those shown in frames [a, b); frames
    before the first scene's start show the first scene."""
    firsts = [scene_first_frame(s, fps) for s in scenes]
    if firsts:
        firsts[0] = 0
    ends = [*firsts[1:], math.inf]
    return [
        i for i, (first, nxt) in enumerate(zip(firsts, ends, strict=True)) if first < b and nxt > a
    ]


def _pages(spec: RenderSpec):
    if spec.captions is None or not spec.captions.words:
        return []
    style = resolve_style(spec.captions.style_id, spec.captions.overrides)
    return scene_pages(spec.captions.words, style.max_words, [s.start for s in spec.scenes])


def _digest(value) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def _file_id(path: Path | None, key: str = "") -> str | None:
    """A stable name for an input file: the caller's key (a storage key names immutable
    content), else a hash of the bytes."""
    if key:
        return key
    if path is None:
        return None
    stat = Path(path).stat()
    return _content_hash(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _content_hash(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as src:
        for block in iter(lambda: src.read(1 << 20), b""):
            digest.update(block)
    return f"sha256:{digest.hexdigest()}"
