"""The offline image model: `draw_image(prompt, width, height, seed)`.

Layers, back to front: a palette gradient mixed with fractal noise (computed at 1/8
resolution with numpy and upscaled by OpenCV, which is what keeps a 1080×1920 picture
well under half a second), a seeded texture (bokeh, waves, rays or halftone dots), the
topic illustration (anti-aliased) with a soft shadow, and film grain. No text: the
prompt's words choose the motif and colours, they are never printed on the picture.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw

from fluxnote.providers.offline.glyphs import DRAWERS, Box
from fluxnote.providers.offline.palette import Scene, read_prompt

SUPERSAMPLE = 2  # the illustration is drawn at twice the size and scaled down: smooth edges


def draw_image(prompt: str, width: int, height: int, seed: int | None = None) -> Image.Image:
    """Draw an RGB picture for `prompt`; deterministic for (prompt, seed, size). No words
    are drawn: the prompt chooses the motif, colours and texture.

    Raises ValueError for a size outside 64..4096 pixels per side.
    """
    if not (64 <= width <= 4096 and 64 <= height <= 4096):
        raise ValueError(f"unsupported size {width}x{height}")
    scene = read_prompt(prompt, seed)
    pixels = _background(scene, width, height)
    pixels = _tint(pixels, _texture_alpha(scene, width, height), scene.palette[4])
    piece, at = _illustration(scene, width, height)
    pixels = _tint(pixels, _shadow_alpha(piece, at, width, height), scene.palette[0])
    image = Image.fromarray(pixels)
    if piece is not None:
        image.paste(piece, at, piece)
    return Image.fromarray(_grain(np.asarray(image), scene))


def _tint(pixels: np.ndarray, alpha: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """Blend a flat colour over the pixels through an 8-bit alpha map (Pillow's
    composite: integer arithmetic in C, twice as fast as a float blend)."""
    base = Image.fromarray(pixels)
    flat = Image.new("RGB", base.size, colour)
    return np.asarray(Image.composite(flat, base, Image.fromarray(alpha)))


def _fractal_noise(rng: np.random.Generator, h: int, w: int, octaves: int = 4) -> np.ndarray:
    out = np.zeros((h, w), np.float32)
    amp, total = 1.0, 0.0
    for o in range(octaves):
        cells = 2 + 2 ** (o + 1)
        grid = rng.random((cells, max(2, cells * w // h))).astype(np.float32)
        out += amp * cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
        total += amp
        amp *= 0.5
    return out / total


def _ramp(values: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """Map 0..1 values through a piecewise-linear colour ramp (n colours)."""
    pos = np.clip(values, 0, 1) * (len(colours) - 1)
    i = np.minimum(pos.astype(np.int32), len(colours) - 2)
    f = (pos - i)[..., None]
    return colours[i] * (1 - f) + colours[i + 1] * f


def _background(scene: Scene, width: int, height: int) -> np.ndarray:
    rng = scene.rng(1)
    h, w = max(8, height // 8), max(8, width // 8)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    t = (xs / w - 0.5) * np.cos(angle) + (ys / h - 0.5) * np.sin(angle) + 0.5
    noise = _fractal_noise(rng, h, w)
    mix = 0.55 * t + 0.45 * noise + rng.uniform(-0.1, 0.05)
    colours = np.array(scene.palette[:4], np.float32)
    small = _ramp(mix, colours)
    r = np.hypot(xs / w - 0.5, (ys / h - 0.5) * h / w * 0.8)
    small *= np.clip(1.15 - 0.9 * r**2 * 2, 0.45, 1.0)[..., None]
    return cv2.resize(
        np.clip(small, 0, 255).astype(np.uint8), (width, height), interpolation=cv2.INTER_CUBIC
    )


def _texture_alpha(scene: Scene, width: int, height: int) -> np.ndarray:
    """The seeded texture as an alpha map for the palette's lightest colour, drawn at 1/4
    resolution, softened and upscaled (soft edges, no stair steps)."""
    rng = scene.rng(2)
    layer = Image.new("L", (width // 4, height // 4), 0)
    draw = ImageDraw.Draw(layer)
    lw, lh = layer.size
    style = int(rng.integers(4))
    if style == 0:  # bokeh
        for _ in range(int(rng.integers(12, 30))):
            x, y, r = rng.uniform(0, lw), rng.uniform(0, lh), rng.uniform(4, lw * 0.12)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=int(rng.integers(20, 70)))
    elif style == 1:  # waves
        for k in range(int(rng.integers(5, 10))):
            y0, amp, freq = rng.uniform(0, lh), rng.uniform(3, lh * 0.05), rng.uniform(0.01, 0.04)
            pts = [(x, y0 + amp * np.sin(x * freq + k)) for x in range(0, lw + 8, 8)]
            draw.line(pts, fill=50, width=max(1, lw // 90))
    elif style == 2:  # light rays from a corner
        ox, oy = rng.choice([0, lw]), rng.uniform(-lh * 0.1, lh * 0.3)
        for a in np.linspace(0, np.pi, int(rng.integers(6, 12))):
            spread = rng.uniform(0.03, 0.08)
            far = lw + lh
            draw.polygon(
                [
                    (ox, oy),
                    (ox + far * np.cos(a - spread), oy + far * np.sin(a - spread)),
                    (ox + far * np.cos(a + spread), oy + far * np.sin(a + spread)),
                ],
                fill=28,
            )
    else:  # halftone dots
        step = max(6, lw // 18)
        for y in range(0, lh, step):
            for x in range(0, lw, step):
                r = step * 0.35 * (y / lh)
                draw.ellipse((x - r, y - r, x + r, y + r), fill=45)
    soft = cv2.GaussianBlur(np.asarray(layer), (0, 0), sigmaX=1.2)
    return cv2.resize(soft, (width, height), interpolation=cv2.INTER_LINEAR)


def _layout(width: int, height: int) -> tuple[float, float, float]:
    """Centre and side of the illustration box for the frame's aspect."""
    if width > height * 1.2:
        return width * 0.7, height * 0.5, height * 0.82
    if height > width * 1.2:
        return width * 0.5, height * 0.4, width * 0.82
    return width * 0.5, height * 0.34, width * 0.56


def _illustration(
    scene: Scene, width: int, height: int
) -> tuple[Image.Image | None, tuple[int, int]]:
    """The topic drawing, anti-aliased: drawn again at SUPERSAMPLE times the size over
    the region a quick 1x pass covered, then box-averaged down (Pillow averages RGBA
    premultiplied, so edges do not darken). Returns the drawn region and its position
    (None when nothing was drawn). Translucent shapes blend over what is beneath them
    (an "RGBA" draw) rather than punching holes in it."""
    frame = (width, height)
    quick = _draw(scene, Image.new("RGBA", frame, (0, 0, 0, 0)), frame, 1, (0, 0))
    box = quick.getbbox()
    if not box:
        return None, (0, 0)
    k = SUPERSAMPLE
    region = Image.new("RGBA", ((box[2] - box[0]) * k, (box[3] - box[1]) * k), (0, 0, 0, 0))
    return _draw(scene, region, frame, k, box[:2]).reduce(k), box[:2]


def _draw(
    scene: Scene, canvas: Image.Image, frame: tuple[int, int], k: int, origin: tuple[int, int]
) -> Image.Image:
    """Draw the motif of a `frame`-sized picture at scale `k` on `canvas`, whose top
    left is `origin` in the frame (the drawers' RNG starts afresh: every pass draws the
    same shapes)."""
    cx, cy, side = _layout(frame[0] * k, frame[1] * k)
    cx, cy = cx - origin[0] * k, cy - origin[1] * k
    DRAWERS[scene.topic](
        Box(ImageDraw.Draw(canvas, "RGBA"), cx, cy, side, scene.palette, scene.rng(3))
    )
    return canvas


def _shadow_alpha(
    piece: Image.Image | None, at: tuple[int, int], width: int, height: int
) -> np.ndarray:
    """A soft drop shadow of the drawing (blurred at 1/4 resolution), offset down-right."""
    alpha = np.zeros((height, width), np.uint8)
    if piece is not None:
        x, y = at
        alpha[y : y + piece.height, x : x + piece.width] = np.asarray(piece.getchannel("A"))
    small = cv2.resize(alpha, (width // 4, height // 4), interpolation=cv2.INTER_AREA)
    blur = cv2.GaussianBlur(small, (0, 0), sigmaX=max(2.0, width / 160))
    soft = cv2.resize(blur, (width, height), interpolation=cv2.INTER_LINEAR)
    offset = max(4, width // 90)
    shadow = np.zeros_like(soft)
    shadow[offset:, offset:] = (soft[:-offset, :-offset] * 0.55).astype(np.uint8)
    return shadow


def _grain(pixels: np.ndarray, scene: Scene) -> np.ndarray:
    tile = scene.rng(4).integers(0, 11, (128, 128, 1), dtype=np.uint8)
    reps = (-(-pixels.shape[0] // 128), -(-pixels.shape[1] // 128), 3)
    grain = np.tile(tile, reps)[: pixels.shape[0], : pixels.shape[1]]
    return cv2.subtract(cv2.add(pixels, grain), np.full_like(pixels, 5))
