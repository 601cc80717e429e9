"""The offline image model: `draw_image(prompt, width, height, seed)`.

Layers, back to front: a palette gradient mixed with fractal noise (computed at 1/8
resolution with numpy and upscaled by OpenCV, which is what keeps a 1080×1920 picture
well under half a second), a seeded texture (bokeh, waves, rays or halftone dots), the
topic illustration with a soft shadow, the title typography, and film grain.
"""
from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from fluxnote.providers.offline.glyphs import DRAWERS, Box
from fluxnote.providers.offline.palette import Scene, read_prompt

TITLE_FONTS = ("Bebas Neue", "League Spartan", "Roboto Black", "Open Sans ExtraBold")
_font_cache: dict[tuple[str, int], ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}


def draw_image(prompt: str, width: int, height: int, seed: int | None = None,
               title: bool = True) -> Image.Image:
    """Draw an RGB picture for `prompt`; deterministic for (prompt, seed, size).

    `title=False` leaves out the title typography (studio scenes, where captions sit).

    Raises ValueError for a size outside 64..4096 pixels per side.
    """
    if not (64 <= width <= 4096 and 64 <= height <= 4096):
        raise ValueError(f"unsupported size {width}x{height}")
    scene = read_prompt(prompt, seed)
    pixels = _background(scene, width, height)
    pixels = _tint(pixels, _texture_alpha(scene, width, height), scene.palette[4])
    layer = _illustration(scene, width, height)
    pixels = _tint(pixels, _shadow_alpha(layer), scene.palette[0])
    image = Image.fromarray(pixels)
    box = layer.getbbox()
    if box:  # paste only the drawn region: a full-frame RGBA paste is a third of the time
        piece = layer.crop(box)
        image.paste(piece, box[:2], piece)
    if title:
        _title(image, scene)
    return Image.fromarray(_grain(np.asarray(image), scene))


def _tint(pixels: np.ndarray, alpha: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """Blend a flat colour over the pixels through an 8-bit alpha map (OpenCV: fast)."""
    weight = alpha.astype(np.float32) * np.float32(1 / 255)
    flat = np.empty_like(pixels)
    flat[:] = colour
    return cv2.blendLinear(pixels, flat, 1 - weight, weight)


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
    small *= np.clip(1.15 - 0.9 * r ** 2 * 2, 0.45, 1.0)[..., None]
    return cv2.resize(np.clip(small, 0, 255).astype(np.uint8), (width, height),
                      interpolation=cv2.INTER_CUBIC)


def _texture_alpha(scene: Scene, width: int, height: int) -> np.ndarray:
    """The seeded texture as an alpha map for the palette's lightest colour, drawn at 1/4
    resolution and upscaled."""
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
            draw.polygon([(ox, oy), (ox + far * np.cos(a - spread), oy + far * np.sin(a - spread)),
                          (ox + far * np.cos(a + spread), oy + far * np.sin(a + spread))],
                         fill=28)
    else:  # halftone dots
        step = max(6, lw // 18)
        for y in range(0, lh, step):
            for x in range(0, lw, step):
                r = step * 0.35 * (y / lh)
                draw.ellipse((x - r, y - r, x + r, y + r), fill=45)
    return cv2.resize(np.asarray(layer), (width, height), interpolation=cv2.INTER_LINEAR)


def _layout(width: int, height: int) -> tuple[float, float, float]:
    """Centre and side of the illustration box for the frame's aspect."""
    if width > height * 1.2:
        return width * 0.7, height * 0.5, height * 0.82
    if height > width * 1.2:
        return width * 0.5, height * 0.4, width * 0.82
    return width * 0.5, height * 0.34, width * 0.56


def _illustration(scene: Scene, width: int, height: int) -> Image.Image:
    """The topic drawing on a transparent full-size layer."""
    cx, cy, side = _layout(width, height)
    layer = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    DRAWERS[scene.topic](Box(ImageDraw.Draw(layer), cx, cy, side, scene.palette, scene.rng(3)))
    return layer


def _shadow_alpha(layer: Image.Image) -> np.ndarray:
    """A soft drop shadow of the layer (blurred at 1/4 resolution), offset down-right."""
    width, height = layer.size
    alpha = np.asarray(layer.getchannel("A"))
    small = cv2.resize(alpha, (width // 4, height // 4), interpolation=cv2.INTER_AREA)
    blur = cv2.GaussianBlur(small, (0, 0), sigmaX=max(2.0, width / 160))
    soft = cv2.resize(blur, (width, height), interpolation=cv2.INTER_LINEAR)
    offset = max(4, width // 90)
    shadow = np.zeros_like(soft)
    shadow[offset:, offset:] = (soft[:-offset, :-offset] * 0.55).astype(np.uint8)
    return shadow


def _font(size: int, scene: Scene) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    latin = all(ord(ch) < 0x250 for word in scene.title_words for ch in word)
    # the display faces cover Latin only; DejaVu also covers Greek and Cyrillic
    name = TITLE_FONTS[scene.seed % len(TITLE_FONTS)] if latin else "DejaVu Sans Bold"
    key = (name, size)
    if key not in _font_cache:
        try:
            from fluxnote.captions.fonts import font_path
            _font_cache[key] = ImageFont.truetype(str(font_path(name)), size)
        except (ImportError, KeyError, OSError):
            _font_cache[key] = ImageFont.load_default(size=size)
    return _font_cache[key]


def _wrap(words: tuple[str, ...], max_lines: int = 3) -> list[str]:
    """Split the title words into at most `max_lines` balanced lines."""
    if len(words) <= max_lines:
        return [w.upper() for w in words] if sum(map(len, words)) > 14 else [" ".join(words).upper()]
    per = -(-len(words) // max_lines)
    return [" ".join(words[i:i + per]).upper() for i in range(0, len(words), per)]


def _title(image: Image.Image, scene: Scene) -> None:
    width, height = image.size
    lines = _wrap(scene.title_words)
    landscape = width > height * 1.2
    max_w = width * (0.44 if landscape else 0.86)
    square = not landscape and height < width * 1.2
    size = int(min(width, height) * (0.16 if landscape else 0.09 if square else 0.15))
    font = _font(size, scene)
    draw = ImageDraw.Draw(image)
    widest = max(draw.textlength(line, font=font) for line in lines)
    if widest > max_w:
        size = max(12, int(size * max_w / widest))
        font = _font(size, scene)
    line_h = int(size * 1.08)
    block_h = line_h * len(lines)
    x0 = width * 0.06 if landscape else width / 2
    y0 = (height - block_h) / 2 if landscape else height * (0.9 if square else 0.86) - block_h
    anchor = "la" if landscape else "ma"
    stroke = max(2, size // 18)
    for i, line in enumerate(lines):
        draw.text((x0, y0 + i * line_h), line, font=font, fill=scene.palette[4], anchor=anchor,
                  stroke_width=stroke, stroke_fill=scene.palette[0])
    bar_w = min(max_w, widest) * 0.35
    bx = x0 if landscape else x0 - bar_w / 2
    by = y0 + block_h + size * 0.15
    draw.rounded_rectangle((bx, by, bx + bar_w, by + max(6, size // 9)), radius=size // 18,
                           fill=scene.palette[3])


def _grain(pixels: np.ndarray, scene: Scene) -> np.ndarray:
    tile = scene.rng(4).integers(0, 11, (128, 128, 1), dtype=np.uint8)
    reps = (-(-pixels.shape[0] // 128), -(-pixels.shape[1] // 128), 3)
    grain = np.tile(tile, reps)[: pixels.shape[0], : pixels.shape[1]]
    return cv2.subtract(cv2.add(pixels, grain), np.full_like(pixels, 5))
