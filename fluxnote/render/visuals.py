"""Scene visuals as I420 frames: camera moves over images, scaled video clips.

Camera moves are crop-then-resize: a float crop box in the prepared source is mapped
straight onto the output pixels with one affine warp per plane (bilinear, sub-pixel
exact, so slow zooms do not jitter), computing only output pixels.
"""

from __future__ import annotations

import cv2
import numpy as np
from moviepy import VideoFileClip
from PIL import Image, ImageOps

from fluxnote.media.yuv import planes, rgb_to_i420
from fluxnote.render.spec import SceneSpec

MAX_ZOOM = 1.15  # how far zoom_in/zoom_out travel, and the margin pans use
PAN_ZOOM = 1.12
PAN_TRAVEL = 0.2  # at most this fraction of the frame width per scene


def cover_size(src_w: int, src_h: int, width: int, height: int) -> tuple[int, int]:
    """The smallest size with the source's aspect that covers width x height."""
    scale = max(width / src_w, height / src_h)
    return max(width, round(src_w * scale)), max(height, round(src_h * scale))


class ImageVisual:
    """An image with a camera move, prepared once at MAX_ZOOM times the cover size."""

    def __init__(self, scene: SceneSpec, width: int, height: int):
        self.scene, self.width, self.height = scene, width, height
        with Image.open(scene.visual_path) as img:
            rgb = np.asarray(ImageOps.exif_transpose(img).convert("RGB"))
        cover_w, cover_h = cover_size(rgb.shape[1], rgb.shape[0], width, height)
        src_w, src_h = _even_up(cover_w * MAX_ZOOM), _even_up(cover_h * MAX_ZOOM)
        resized = cv2.resize(rgb, (src_w, src_h), interpolation=cv2.INTER_AREA)
        self.src = rgb_to_i420(resized)
        # Source pixels per output pixel at zoom 1 (the cover window).
        self.base_scale = min(src_w / width, src_h / height)
        self._static: np.ndarray | None = None

    def box(self, t: float) -> tuple[float, float, float]:
        """(x0, y0, source pixels per output pixel) of the crop at scene time `t`."""
        p = min(max(t / self.scene.duration, 0.0), 1.0) if self.scene.duration > 0 else 0.0
        motion = self.scene.motion
        zoom = {
            "zoom_in": 1 + (MAX_ZOOM - 1) * p,
            "zoom_out": MAX_ZOOM - (MAX_ZOOM - 1) * p,
            "pan_left": PAN_ZOOM,
            "pan_right": PAN_ZOOM,
        }.get(motion, 1.0)
        scale = self.base_scale / zoom
        src_h, src_w = self.src[0].shape
        free_x, free_y = src_w - self.width * scale, src_h - self.height * scale
        travel = min(free_x, PAN_TRAVEL * self.width * scale)  # wide images: no whip pans
        start = (free_x - travel) / 2
        x0 = {"pan_left": start + travel * (1 - p), "pan_right": start + travel * p}.get(
            motion, free_x / 2
        )
        return x0, free_y / 2, scale

    def frame(self, t: float, out: np.ndarray) -> None:
        """Write the frame at scene time `t` into the I420 buffer `out`."""
        if self.scene.motion not in ("zoom_in", "zoom_out", "pan_left", "pan_right"):
            if self._static is None:
                self._static = np.empty_like(out)
                self._warp(0.0, self._static)
            out[...] = self._static
            return
        self._warp(t, out)

    def _warp(self, t: float, out: np.ndarray) -> None:
        x0, y0, s = self.box(t)
        y_out, u_out, v_out = planes(out, self.width, self.height)
        _affine(self.src[0], s, x0 + 0.5 * s - 0.5, y0 + 0.5 * s - 0.5, y_out)
        cx, cy = x0 / 2 + 0.5 * s - 0.5, y0 / 2 + 0.5 * s - 0.5
        _affine(self.src[1], s, cx, cy, u_out)
        _affine(self.src[2], s, cx, cy, v_out)

    def close(self) -> None:
        self.src = ()


def _affine(src: np.ndarray, scale: float, x: float, y: float, out: np.ndarray) -> None:
    matrix = np.array([[scale, 0.0, x], [0.0, scale, y]], dtype=np.float64)
    cv2.warpAffine(
        src,
        matrix,
        (out.shape[1], out.shape[0]),
        dst=out,
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )


def _even_up(value: float) -> int:
    value = int(np.ceil(value))
    return value + (value % 2)


class VideoVisual:
    """A video clip decoded by moviepy at cover size (ffmpeg scales while decoding),
    centre-cropped; looped when the scene is longer than the clip."""

    def __init__(self, scene: SceneSpec, width: int, height: int):
        self.scene, self.width, self.height = scene, width, height
        with VideoFileClip(str(scene.visual_path), audio=False) as probe:
            src_w, src_h = probe.size
        cover_w, cover_h = cover_size(src_w, src_h, width, height)
        self.clip = VideoFileClip(
            str(scene.visual_path),
            audio=False,
            target_resolution=(_even_up(cover_w), _even_up(cover_h)),
        )
        self.left = max((self.clip.size[0] - width) // 2, 0)
        self.top = max((self.clip.size[1] - height) // 2, 0)

    def frame(self, t: float, out: np.ndarray) -> None:
        source_t = self._source_time(t)
        rgb = self.clip.get_frame(source_t)
        crop = np.ascontiguousarray(
            rgb[self.top : self.top + self.height, self.left : self.left + self.width]
        )
        if crop.shape[:2] != (self.height, self.width):  # the decoder rounded the size
            crop = cv2.resize(crop, (self.width, self.height), interpolation=cv2.INTER_LINEAR)
        y_out, u_out, v_out = planes(out, self.width, self.height)
        y_out[...], u_out[...], v_out[...] = rgb_to_i420(crop)

    def _source_time(self, t: float) -> float:
        """Scene time -> clip time: from trim_start on, looping the rest of the clip."""
        last = max(self.clip.duration - 1 / (self.clip.fps or 30), 0.0)
        start = min(self.scene.trim_start, last)
        span = last - start
        return start + (t % span if span > 0 else 0.0)

    def close(self) -> None:
        self.clip.close()


def open_visual(scene: SceneSpec, width: int, height: int) -> ImageVisual | VideoVisual:
    """Prepare a scene's visual. Raises OSError/ValueError for unreadable files."""
    cls = VideoVisual if scene.visual_kind == "video" else ImageVisual
    return cls(scene, width, height)
