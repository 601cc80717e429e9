"""I420 (yuv420p) frame helpers: the frame loop works on planes, never on RGB.

Everything is converted with the BT.709 matrix in limited ("tv") range, so visuals and
captions match and the encoder's bt709 tags tell players the truth (OpenCV's own I420
conversion is BT.601 and is not used).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# BT.709 (Kr 0.2126, Kb 0.0722) scaled to limited range: Y 16..235, U/V 16..240.
_LUMA = np.array([[46.559, 156.629, 15.812, 16.0 * 255.0]], dtype=np.float32) / 255.0
_CHROMA = (
    np.array([[-25.664, -86.336, 112.0], [112.0, -101.730, -10.270]], dtype=np.float32) / 255.0
)


def planes(frame: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of the Y, U and V planes of an I420 frame of shape (height*3/2, width)."""
    flat = frame.reshape(-1)
    y_size, c_size = width * height, (width // 2) * (height // 2)
    return (
        flat[:y_size].reshape(height, width),
        flat[y_size : y_size + c_size].reshape(height // 2, width // 2),
        flat[y_size + c_size :].reshape(height // 2, width // 2),
    )


def rgb_to_i420(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An RGB uint8 image with even sides -> contiguous (Y, U, V) planes, chroma
    averaged over each 2x2 block."""
    height, width = rgb.shape[:2]
    luma = _luma(rgb)
    half = cv2.resize(rgb, (width // 2, height // 2), interpolation=cv2.INTER_AREA).astype(
        np.float32
    )
    u, v = _chroma(half, 128.0)
    return np.ascontiguousarray(luma), u, v


def _luma(rgb: np.ndarray) -> np.ndarray:
    """BT.709 limited-range Y of an RGB uint8 image (rounded, saturated)."""
    return cv2.transform(rgb, _LUMA)


def _chroma(rgb_half: np.ndarray, offset) -> tuple[np.ndarray, np.ndarray]:
    """BT.709 limited-range U and V of float RGB, plus `offset` (128, or 128 * alpha
    for premultiplied colour), as uint8 planes."""
    uv = cv2.transform(rgb_half, _CHROMA)
    if not np.isscalar(offset):
        offset = offset[..., None]
    uv = np.clip(np.rint(uv + offset), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(uv[..., 0]), np.ascontiguousarray(uv[..., 1])


@dataclass(frozen=True)
class YuvSprite:
    """A premultiplied caption sprite on I420 planes, placed at an even (x, y)."""

    x: int
    y: int
    y_pm: np.ndarray
    y_inv: np.ndarray
    u_pm: np.ndarray
    v_pm: np.ndarray
    c_inv: np.ndarray


def sprite_from_rgba(rgba: np.ndarray, x: int, y: int) -> YuvSprite | None:
    """Premultiply a straight-alpha RGBA image (even sides) into I420 planes.

    Luma: the conversion is affine, so converting the premultiplied RGB and removing the offset's share of the transparent part, (1 - a) * 16, gives a * Y.
    Chroma and alpha are averaged over 2x2 blocks after premultiplying (the correct
    way to subsample a transparent image). Returns None when fully transparent.
    """
    alpha = cv2.extractChannel(rgba, 3)
    if not cv2.countNonZero(alpha):
        return None
    height, width = alpha.shape
    premultiplied = cv2.multiply(
        cv2.cvtColor(rgba, cv2.COLOR_RGBA2RGB), cv2.merge([alpha] * 3), scale=1 / 255
    )
    luma = _luma(premultiplied)
    clear = 255 - alpha
    luma = cv2.subtract(luma, cv2.multiply(clear, np.full_like(clear, 16), scale=1 / 255))
    half = (width // 2, height // 2)
    alpha_half = cv2.resize(alpha, half, interpolation=cv2.INTER_AREA)
    pm_half = cv2.resize(premultiplied, half, interpolation=cv2.INTER_AREA).astype(np.float32)
    u, v = _chroma(pm_half, alpha_half.astype(np.float32) * (128.0 / 255.0))
    clear_half = 255 - alpha_half
    return YuvSprite(x, y, luma, clear, u, v, clear_half)


def blend(frame: np.ndarray, width: int, height: int, sprite: YuvSprite) -> None:
    """Blend `sprite` into the I420 `frame` in place, touching only its box."""
    y_plane, u_plane, v_plane = planes(frame, width, height)
    h = min(sprite.y_pm.shape[0], height - sprite.y)
    w = min(sprite.y_pm.shape[1], width - sprite.x)
    if h <= 0 or w <= 0:
        return
    _over(
        y_plane[sprite.y : sprite.y + h, sprite.x : sprite.x + w],
        sprite.y_pm[:h, :w],
        sprite.y_inv[:h, :w],
    )
    cy, cx, ch, cw = sprite.y // 2, sprite.x // 2, h // 2, w // 2
    inv = sprite.c_inv[:ch, :cw]
    _over(u_plane[cy : cy + ch, cx : cx + cw], sprite.u_pm[:ch, :cw], inv)
    _over(v_plane[cy : cy + ch, cx : cx + cw], sprite.v_pm[:ch, :cw], inv)


def _over(roi: np.ndarray, premultiplied: np.ndarray, inverse_alpha: np.ndarray) -> None:
    roi[...] = cv2.add(cv2.multiply(roi, inverse_alpha, scale=1 / 255), premultiplied)
