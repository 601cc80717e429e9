"""The offline video model: `animate(images, duration_s, width, height, out_path)`.

Each image gets one camera move (Ken Burns zoom and pan) plus a shear: rows lower in
the frame (the "foreground") travel further than the top rows, which reads as
parallax; a layer of soft light particles drifts faster still. Consecutive
images crossfade. Frames go as raw BGR to fluxnote.media.ffmpeg's encoder
(H.264, yuv420p, 30 fps, faststart).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from fluxnote.media.ffmpeg import RawVideoWriter

FPS = 30
MAX_DURATION_S = 20.0
CROSSFADE_S = 0.6


@dataclass(frozen=True)
class Move:
    """One segment's camera move; offsets are fractions of the margin the zoom leaves."""

    z0: float
    z1: float
    pan_x: float
    pan_y: float
    parallax: float


def animate(
    images: list[Path],
    duration_s: float,
    width: int,
    height: int,
    out_path: Path,
    seed: int | None = None,
    preset: str = "veryfast",
) -> Path:
    """Write an MP4 of `duration_s` seconds animating `images` in order; return `out_path`.

    Raises ValueError for no images, an unreadable image, an odd or out-of-range size or
    a duration outside (0, MAX_DURATION_S]; OSError when ffmpeg fails.
    """
    if not images:
        raise ValueError("animate needs at least one image")
    if not (0 < duration_s <= MAX_DURATION_S):
        raise ValueError(f"duration must be in (0, {MAX_DURATION_S}] seconds")
    if width % 2 or height % 2 or not (64 <= width <= 4096 and 64 <= height <= 4096):
        raise ValueError(f"unsupported size {width}x{height}")
    rng = np.random.default_rng(seed)
    sources = [_cover(_load(p), width, height) for p in images]
    moves = [_move(rng, first=(i == 0)) for i in range(len(sources))]
    particles = _particles(rng, width, height)
    frames = max(1, round(duration_s * FPS))
    with RawVideoWriter(out_path, width, height, FPS, preset, pix_fmt="bgr24", crf=20) as encoder:
        for n in range(frames):
            frame = _frame(n / FPS, duration_s, sources, moves, particles, width, height)
            encoder.write(np.ascontiguousarray(frame))
    return out_path


def _load(path: Path) -> np.ndarray:
    try:
        with Image.open(path) as image:
            rgb = np.asarray(image.convert("RGB"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"unreadable image {Path(path).name}: {exc}") from exc
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def _cover(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Scale so the image covers width×height (cropping the overflow later, by the camera)."""
    h, w = image.shape[:2]
    scale = max(width / w, height / h)
    size = (max(width, round(w * scale)), max(height, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)


def _move(rng: np.random.Generator, first: bool) -> Move:
    zoom_in = first or rng.random() < 0.6
    near, far = (1.0 if first else rng.uniform(1.04, 1.08)), rng.uniform(1.16, 1.24)
    pan_x = rng.choice([-1, 1]) * rng.uniform(0.3, 0.5)
    return Move(
        near if zoom_in else far,
        far if zoom_in else near,
        pan_x,
        rng.uniform(-0.4, 0.4),
        np.sign(pan_x) * rng.uniform(0.35, 0.45),
    )


def _particles(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A glow layer 1.4× the frame (at 1/4 resolution, then upscaled) added on top."""
    w, h = int(width * 1.4) // 4, int(height * 1.4) // 4
    small = np.zeros((h, w, 3), np.uint8)
    for _ in range(int(rng.integers(18, 34))):
        centre = (int(rng.integers(w)), int(rng.integers(h)))
        level = int(rng.integers(25, 70))
        cv2.circle(
            small,
            centre,
            int(rng.integers(2, max(3, w // 30))),
            (level, level, level),
            -1,
            cv2.LINE_AA,
        )
    small = cv2.GaussianBlur(small, (0, 0), 2.5)
    return cv2.resize(small, (int(width * 1.4), int(height * 1.4)), interpolation=cv2.INTER_LINEAR)


def _ease(u: float) -> float:
    u = min(1.0, max(0.0, u))
    return u * u * (3 - 2 * u)


def _camera(src: np.ndarray, move: Move, u: float, width: int, height: int) -> np.ndarray:
    """One frame of the move at progress `u`: zoom, pan, and a horizontal shear that makes
    lower rows (the foreground) travel further than upper ones. Zoom, pan and shear are
    all affine, so one `warpAffine` does the frame."""
    e = _ease(u)
    z = move.z0 + (move.z1 - move.z0) * e
    sh, sw = src.shape[:2]
    avail_x, avail_y = sw / 2 - width / (2 * z), sh / 2 - height / (2 * z)
    shift = avail_x * e * move.pan_x * (1 - abs(move.parallax))
    shear = avail_x * e * move.parallax / height
    dst_to_src = np.float32(
        [
            [1 / z, shear, sw / 2 - width / (2 * z) + shift],
            [0, 1 / z, sh / 2 - height / (2 * z) + avail_y * e * move.pan_y],
        ]
    )
    return cv2.warpAffine(
        src,
        dst_to_src,
        (width, height),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REFLECT101,
    )


def _frame(
    t: float,
    duration: float,
    sources: list[np.ndarray],
    moves: list[Move],
    particles: np.ndarray,
    width: int,
    height: int,
) -> np.ndarray:
    n = len(sources)
    fade = min(CROSSFADE_S, duration / n / 3) if n > 1 else 0.0
    seg = (duration + (n - 1) * fade) / n
    step = seg - fade
    i = min(n - 1, int(t // step))
    frame = _camera(sources[i], moves[i], (t - i * step) / seg, width, height)
    into = t - i * step
    if i > 0 and into < fade:  # the previous image is still fading out
        prev = _camera(sources[i - 1], moves[i - 1], (t - (i - 1) * step) / seg, width, height)
        frame = cv2.addWeighted(prev, 1 - into / fade, frame, into / fade, 0)
    ph, pw = particles.shape[:2]
    ox = int((pw - width) * (t / duration))
    oy = int((ph - height) * (1 - t / duration) * 0.5)
    return cv2.add(frame, particles[oy : oy + height, ox : ox + width])
