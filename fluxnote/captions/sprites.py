"""Caption sprites: one RGBA image per caption state, drawn once with Pillow.

A state is what differs between frames of one page (the active word, a pop-in step,
the number of typed characters). The renderer lays a page out once (word positions
in a box of constant size, so nothing jitters between states) and draws each state
on demand; `fluxnote.render.captions` caches them per page.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from fluxnote.captions.layout import Page, break_lines
from fluxnote.captions.styles import CaptionStyle, position_fraction, rgba
from fluxnote.media.fonts import font_path

POP_SCALES = (0.55, 0.8, 1.0, 1.12, 1.06, 1.0)  # per frame after a word starts
SYMBOLS = {
    "love": "♥",
    "heart": "♥",
    "fast": "⚡",
    "power": "⚡",
    "energy": "⚡",
    "sun": "☀",
    "rain": "☂",
    "coffee": "☕",
    "music": "♪",
    "song": "♪",
    "travel": "✈",
    "fly": "✈",
    "yes": "✔",
    "done": "✔",
    "no": "✘",
    "wrong": "✘",
    "happy": "☺",
    "warning": "⚠",
    "danger": "⚠",
    "call": "☎",
    "mail": "✉",
    "king": "♛",
    "queen": "♛",
    "luck": "☘",
    "cold": "❄",
    "winter": "❄",
    "star": "★",
    "best": "★",
    "win": "★",
}
_FALLBACK_SYMBOLS = "★⚡✔♥☀✿"


@lru_cache(maxsize=64)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(name)), size)


@dataclass(frozen=True)
class PageLayout:
    """Where each word of a page sits in its sprite box (x of the word's left edge and
    the line's baseline), and the box size. Constant for every state of the page."""

    texts: tuple[str, ...]
    positions: tuple[tuple[float, float], ...]
    widths: tuple[float, ...]
    size: tuple[int, int]
    text_box: tuple[int, int, int, int]


class SpriteRenderer:
    """Draws the caption states of one style at one frame size."""

    def __init__(self, style: CaptionStyle, frame_w: int, frame_h: int, fps: int = 30):
        self.style, self.frame_w, self.frame_h, self.fps = style, frame_w, frame_h, fps
        scale = min(frame_w, frame_h) / 1080
        self.font_size = max(12, round(style.size * scale))
        self.font = _font(style.font, self.font_size)
        self.stroke = round(style.stroke_width * scale)
        self.pad = round(self.font_size * 0.35) + self.stroke
        ascent, descent = self.font.getmetrics()
        self.ascent, self.line_h = ascent, round((ascent + descent) * 1.02)
        self.max_width = frame_w * (0.8 if style.effect == "lower_third" else 0.86) - 2 * self.pad
        self._shadows: dict[bytes, Image.Image] = {}
        self._pages: dict[tuple, Image.Image] = {}

    def layout(self, page: Page) -> PageLayout:
        """Break the page into centred (or, for lower-thirds, left-aligned) lines."""
        texts = tuple(self._display(w.text) for w in page.words)
        widths = [self.font.getlength(t) + 2 * self.stroke for t in texts]
        space = self.font.getlength(" ") * (1.6 if self.style.effect == "box" else 1.0)
        lines = break_lines(widths, space, self.max_width)
        line_widths = [sum(widths[i] for i in line) + space * (len(line) - 1) for line in lines]
        inner_w = max(line_widths)
        top = self.pad + (self.line_h if self.style.effect == "emoji" else 0)
        width = _even(inner_w + 2 * self.pad)
        height = _even(top + len(lines) * self.line_h + self.pad)
        positions: list[tuple[float, float]] = [(0.0, 0.0)] * len(texts)
        for row, (line, line_w) in enumerate(zip(lines, line_widths, strict=False)):
            x = self.pad if self.style.effect == "lower_third" else (width - line_w) / 2
            baseline = top + row * self.line_h + self.ascent
            for i in line:
                positions[i] = (x, baseline)
                x += widths[i] + space
        text_box = (self.pad, top, self.pad + round(inner_w), top + len(lines) * self.line_h)
        return PageLayout(texts, tuple(positions), tuple(widths), (width, height), text_box)

    def _display(self, text: str) -> str:
        text = text.strip()
        return text.upper() if self.style.uppercase else text

    def state(self, page: Page, t: float) -> tuple:
        """The hashable state of `page` at time `t` (equal states draw equal sprites)."""
        effect, active = self.style.effect, max(page.active_index(t), 0)
        if effect == "lower_third":
            return ("page",)
        if effect == "pop":
            since = t - page.words[active].start
            return ("pop", active, min(int(since * self.fps), len(POP_SCALES) - 1))
        if effect == "typewriter":
            word = page.words[active]
            fraction = min(1.0, (t - word.start) / max(word.end - word.start, 0.05))
            typed = sum(len(self._display(w.text)) + 1 for w in page.words[:active])
            return ("typed", typed + round(fraction * len(self._display(word.text))))
        return ("active", active)

    def placement(self, layout: PageLayout) -> tuple[int, int]:
        """Top-left corner of the sprite in the frame (even, so chroma planes line up)."""
        width, height = layout.size
        x = (
            round(self.frame_w * 0.06)
            if self.style.effect == "lower_third"
            else (self.frame_w - width) // 2
        )
        y = round(self.frame_h * position_fraction(self.style) - height / 2)
        y = min(max(y, 0), max(self.frame_h - height, 0))
        return _even(max(x, 0), up=False), _even(y, up=False)

    def render(self, layout: PageLayout, state: tuple) -> Image.Image:
        """Draw one state of a page as a straight-alpha RGBA image of `layout.size`."""
        draw_state = getattr(self, f"_draw_{self.style.effect}")
        return draw_state(layout, state)

    # -- effects -------------------------------------------------------------------
    def _draw_karaoke(self, layout: PageLayout, state: tuple) -> Image.Image:
        """The page in the text colour with the active word's box (its column on its own
        line) taken from the page drawn in the highlight colour: two full drawings per page
        instead of one per word."""
        plain = self._whole_page(layout, self.style.text_color)
        if self.style.highlight_color == self.style.text_color:
            return plain
        lit = self._whole_page(layout, self.style.highlight_color)
        x, baseline = layout.positions[state[1]]
        top = max(round(baseline - self.ascent), 0)
        box = (
            int(x),
            top,
            min(math.ceil(x + layout.widths[state[1]]), layout.size[0]),
            min(top + self.line_h, layout.size[1]),
        )
        out = plain.copy()
        out.paste(lit.crop(box), box[:2])
        return out

    def _whole_page(self, layout: PageLayout, colour: str) -> Image.Image:
        key = (layout, colour)
        if key not in self._pages:
            if len(self._pages) > 4:
                self._pages.clear()
            words = self._words(layout, [rgba(colour)] * len(layout.texts))
            self._pages[key] = self._stack(layout, words, shadow=self.style.shadow)
        return self._pages[key]

    _draw_outline = _draw_karaoke

    def _draw_pop(self, layout: PageLayout, state: tuple) -> Image.Image:
        _, active, step = state
        colours = [self._highlight_if(i == active) for i in range(active + 1)]
        scales = {active: POP_SCALES[step]}
        return self._stack(layout, self._words(layout, colours, scales), shadow=self.style.shadow)

    def _draw_box(self, layout: PageLayout, state: tuple) -> Image.Image:
        img = Image.new("RGBA", layout.size, (0, 0, 0, 0))
        x, baseline = layout.positions[state[1]]
        grow = round(self.font_size * 0.16)
        box = (
            x - grow,
            baseline - self.ascent - grow // 2,
            x + layout.widths[state[1]] + grow,
            baseline + self.line_h - self.ascent,
        )
        ImageDraw.Draw(img).rounded_rectangle(
            box, radius=grow, fill=rgba(self.style.highlight_color)
        )
        colours = [rgba(self.style.text_color)] * len(layout.texts)
        return self._stack(layout, self._words(layout, colours), base=img, shadow=True)

    def _draw_typewriter(self, layout: PageLayout, state: tuple) -> Image.Image:
        remaining, colours, texts = state[1], [], []
        for text in layout.texts:
            texts.append(text[: max(remaining, 0)])
            colours.append(rgba(self.style.text_color))
            remaining -= len(text) + 1
        return self._stack(
            layout, self._words(layout, colours, texts=texts), base=self._panel(layout)
        )

    def _draw_lower_third(self, layout: PageLayout, state: tuple) -> Image.Image:
        colours = [rgba(self.style.text_color)] * len(layout.texts)
        return self._stack(layout, self._words(layout, colours), base=self._panel(layout))

    def _draw_neon(self, layout: PageLayout, state: tuple) -> Image.Image:
        glow_colour = rgba(self.style.highlight_color)
        glow = self._words(
            layout, [glow_colour] * len(layout.texts), stroke=round(self.font_size * 0.06)
        )
        glow = glow.filter(ImageFilter.GaussianBlur(self.font_size * 0.14))
        base = Image.alpha_composite(glow, glow)
        colours = [self._highlight_if(i == state[1]) for i in range(len(layout.texts))]
        return self._stack(layout, self._words(layout, colours, stroke=0), base=base)

    def _draw_emoji(self, layout: PageLayout, state: tuple) -> Image.Image:
        words = self._words(layout, [rgba(self.style.text_color)] * len(layout.texts))
        gradient = _vertical_gradient(
            layout.size, rgba(self.style.text_color), rgba(self.style.highlight_color)
        )
        fill = self._words(layout, [(255, 255, 255, 255)] * (state[1] + 1), stroke=0)
        words.paste(gradient, (0, 0), fill)
        symbol = _symbol_for(layout.texts)
        font = _font("DejaVu Sans", round(self.font_size * 0.9))
        draw = ImageDraw.Draw(words)
        draw.text(
            (layout.size[0] / 2, self.pad + self.line_h * 0.45),
            symbol,
            font=font,
            anchor="mm",
            fill=rgba(self.style.highlight_color),
            stroke_width=max(self.stroke // 2, 1),
            stroke_fill=rgba(self.style.stroke_color),
        )
        return self._stack(layout, words, shadow=self.style.shadow)

    # -- drawing helpers -----------------------------------------------------------
    def _highlight_if(self, active: bool) -> tuple[int, int, int, int]:
        return rgba(self.style.highlight_color if active else self.style.text_color)

    def _words(
        self,
        layout: PageLayout,
        colours: list,
        scales: dict | None = None,
        texts: list[str] | None = None,
        stroke: int | None = None,
    ) -> Image.Image:
        """The first len(colours) words drawn on a transparent layer."""
        img = Image.new("RGBA", layout.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(img)
        stroke = self.stroke if stroke is None else stroke
        for i, colour in enumerate(colours):
            text = layout.texts[i] if texts is None else texts[i]
            if not text:
                continue
            x, baseline = layout.positions[i]
            scale = (scales or {}).get(i, 1.0)
            style = {
                "fill": colour,
                "stroke_width": stroke,
                "stroke_fill": rgba(self.style.stroke_color),
            }
            if scale == 1.0:
                draw.text((x + self.stroke, baseline), text, font=self.font, anchor="ls", **style)
            else:  # grow around the word's centre, keeping its baseline roughly in place
                font = _font(self.style.font, max(8, round(self.font_size * scale)))
                centre = (x + layout.widths[i] / 2, baseline + (scale - 1) * self.ascent * 0.35)
                draw.text(centre, text, font=font, anchor="ms", **style)
        return img

    def _panel(self, layout: PageLayout) -> Image.Image:
        img = Image.new("RGBA", layout.size, (0, 0, 0, 0))
        left, top, right, bottom = layout.text_box
        grow = round(self.font_size * 0.3)
        ImageDraw.Draw(img).rounded_rectangle(
            (left - grow, top - grow // 2, right + grow, bottom + grow // 2),
            radius=round(self.font_size * 0.2),
            fill=rgba(self.style.box_color),
        )
        return img

    def _shadow(self, alpha: Image.Image) -> Image.Image:
        """A soft drop shadow of the text; states that differ only in colour share it."""
        key = hashlib.blake2b(alpha.tobytes(), digest_size=16).digest()
        if key not in self._shadows:
            if len(self._shadows) > 16:
                self._shadows.clear()
            offset = max(2, round(self.font_size * 0.05))
            soft = alpha.filter(ImageFilter.BoxBlur(max(1, offset // 2)))
            soft = ImageChops.multiply(soft, Image.new("L", alpha.size, 150))
            shade = Image.new("RGBA", alpha.size, (0, 0, 0, 0))
            shade.paste(
                (0, 0, 0, 255),
                (offset, offset),
                soft.crop((0, 0, alpha.width - offset, alpha.height - offset)),
            )
            self._shadows[key] = shade
        return self._shadows[key]

    def _stack(
        self,
        layout: PageLayout,
        words: Image.Image,
        base: Image.Image | None = None,
        shadow: bool = False,
    ) -> Image.Image:
        out = base if base is not None else Image.new("RGBA", layout.size, (0, 0, 0, 0))
        if shadow:
            out = Image.alpha_composite(out, self._shadow(words.getchannel("A")))
        return Image.alpha_composite(out, words)


def _even(value: float, up: bool = True) -> int:
    value = int(round(value))
    return value + (value % 2) if up else value - (value % 2)


def _vertical_gradient(size: tuple[int, int], top: tuple, bottom: tuple) -> Image.Image:
    column = Image.linear_gradient("L").resize((1, size[1]))
    return Image.composite(
        Image.new("RGBA", (1, size[1]), bottom), Image.new("RGBA", (1, size[1]), top), column
    ).resize(size)


def _symbol_for(texts: tuple[str, ...]) -> str:
    for text in texts:
        key = "".join(ch for ch in text.lower() if ch.isalpha())
        if key in SYMBOLS:
            return SYMBOLS[key]
    digest = hashlib.sha1(" ".join(texts).encode()).digest()[0]
    return _FALLBACK_SYMBOLS[digest % len(_FALLBACK_SYMBOLS)]
