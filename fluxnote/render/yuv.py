"""I420 (yuv420p) frame helpers: the frame loop works on planes, never on RGB.

Coefficients are BT.601 limited range, the same as OpenCV's COLOR_RGB2YUV_I420, so
visuals converted by OpenCV and captions converted here match; the encoder tags the
stream accordingly.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

_MATRIX = np.array([[65.481, 128.553, 24.966],
                    [-37.797, -74.203, 112.0],
                    [112.0, -93.786, -18.214]], dtype=np.float32) / 255.0
_OFFSET = np.array([16.0, 128.0, 128.0], dtype=np.float32)


def planes(frame: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of the Y, U and V planes of an I420 frame of shape (height*3/2, width)."""
    flat = frame.reshape(-1)
    y_size, c_size = width * height, (width // 2) * (height // 2)
    return (flat[:y_size].reshape(height, width),
            flat[y_size:y_size + c_size].reshape(height // 2, width // 2),
            flat[y_size + c_size:].reshape(height // 2, width // 2))


def rgb_to_i420(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An RGB uint8 image with even sides -> separate (Y, U, V) planes (contiguous)."""
    height, width = rgb.shape[:2]
    packed = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)
    y, u, v = planes(packed, width, height)
    return y.copy(), u.copy(), v.copy()


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
    """Premultiply a straight-alpha RGBA image (even sides) into YUV planes.

    Chroma and alpha are averaged over 2x2 blocks after premultiplying, which is the
    correct way to subsample a transparent image. Returns None when fully transparent.
    """
    alpha = rgba[..., 3].astype(np.float32) / 255.0
    if not alpha.any():
        return None
    yuv = rgba[..., :3].astype(np.float32) @ _MATRIX.T + _OFFSET
    premultiplied = yuv * alpha[..., None]
    height, width = alpha.shape
    half = (width // 2, height // 2)
    chroma = cv2.resize(premultiplied[..., 1:], half, interpolation=cv2.INTER_AREA)
    alpha_c = cv2.resize(alpha, half, interpolation=cv2.INTER_AREA)
    return YuvSprite(x, y, _u8(premultiplied[..., 0]), _u8(255 - alpha * 255),
                     _u8(chroma[..., 0]), _u8(chroma[..., 1]), _u8(255 - alpha_c * 255))


def _u8(values: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.clip(np.rint(values), 0, 255).astype(np.uint8))


def blend(frame: np.ndarray, width: int, height: int, sprite: YuvSprite) -> None:
    """Blend `sprite` into the I420 `frame` in place, touching only its box."""
    y_plane, u_plane, v_plane = planes(frame, width, height)
    h = min(sprite.y_pm.shape[0], height - sprite.y)
    w = min(sprite.y_pm.shape[1], width - sprite.x)
    if h <= 0 or w <= 0:
        return
    _over(y_plane[sprite.y:sprite.y + h, sprite.x:sprite.x + w], sprite.y_pm[:h, :w], sprite.y_inv[:h, :w])
    cy, cx, ch, cw = sprite.y // 2, sprite.x // 2, h // 2, w // 2
    inv = sprite.c_inv[:ch, :cw]
    _over(u_plane[cy:cy + ch, cx:cx + cw], sprite.u_pm[:ch, :cw], inv)
    _over(v_plane[cy:cy + ch, cx:cx + cw], sprite.v_pm[:ch, :cw], inv)


def _over(roi: np.ndarray, premultiplied: np.ndarray, inverse_alpha: np.ndarray) -> None:
    roi[...] = cv2.add(cv2.multiply(roi, inverse_alpha, scale=1 / 255), premultiplied)
