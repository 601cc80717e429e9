"""Caption styles as data: font, size, colours, position and an animation effect.

Sizes are in pixels for a 1080-pixel short side and scale with the frame. A project
stores a style id plus overrides; `resolve_style` merges and validates them.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields, replace

from fluxnote.media.fonts import FONTS

# Vertical centre of the caption block, top to bottom. "bottom" stays clear of the
# platforms' own overlay (title, buttons: the lowest ~25% on Shorts, TikTok and Reels);
# a lower-third sits just above it.
POSITIONS = {"top": 0.2, "center": 0.5, "lower_third": 0.63, "bottom": 0.7}
_HEX = re.compile(r"^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$")


@dataclass(frozen=True)
class CaptionStyle:
    """One caption look. Colours are `#rrggbb` or `#rrggbbaa`."""

    id: str
    name: str
    effect: str
    font: str
    size: int
    text_color: str = "#ffffff"
    highlight_color: str = "#ffd60a"
    stroke_color: str = "#000000"
    stroke_width: int = 6
    box_color: str = "#00000000"
    position: str | float = "bottom"
    max_words: int = 4
    uppercase: bool = False
    shadow: bool = True

    def to_json(self) -> dict:
        return asdict(self)


STYLES: dict[str, CaptionStyle] = {
    s.id: s
    for s in (
        CaptionStyle(
            "karaoke",
            "Karaoke",
            "karaoke",
            "Roboto Black",
            84,
            highlight_color="#ffd60a",
            stroke_width=7,
            max_words=4,
            uppercase=True,
        ),
        CaptionStyle(
            "kinetic_pop",
            "Kinetic pop-in",
            "pop",
            "League Spartan",
            92,
            highlight_color="#4ade80",
            stroke_width=7,
            max_words=3,
            uppercase=True,
        ),
        CaptionStyle(
            "bold_outline",
            "Bold outline",
            "outline",
            "Bebas Neue",
            124,
            highlight_color="#ffffff",
            stroke_width=10,
            max_words=3,
            uppercase=True,
        ),
        CaptionStyle(
            "boxed_highlight",
            "Boxed highlight",
            "box",
            "Open Sans ExtraBold",
            76,
            highlight_color="#7c3aed",
            stroke_width=0,
            max_words=4,
            shadow=False,
        ),
        CaptionStyle(
            "typewriter",
            "Typewriter",
            "typewriter",
            "Roboto Condensed",
            72,
            text_color="#f8f8f2",
            stroke_width=0,
            box_color="#000000b0",
            max_words=6,
            shadow=False,
        ),
        CaptionStyle(
            "neon_glow",
            "Neon glow",
            "neon",
            "League Spartan",
            86,
            text_color="#fdf4ff",
            highlight_color="#ff2bd6",
            stroke_width=0,
            max_words=3,
            uppercase=True,
            shadow=False,
        ),
        CaptionStyle(
            "lower_third",
            "Minimal lower-third",
            "lower_third",
            "Open Sans ExtraBold",
            52,
            stroke_width=0,
            box_color="#000000a0",
            position="lower_third",
            max_words=8,
            shadow=False,
        ),
        CaptionStyle(
            "emoji_gradient",
            "Emoji gradient",
            "emoji",
            "Roboto Black",
            88,
            text_color="#ffe259",
            highlight_color="#ff7a59",
            stroke_width=6,
            max_words=3,
            uppercase=True,
        ),
    )
}
_OVERRIDABLE = (
    "font",
    "size",
    "text_color",
    "highlight_color",
    "stroke_color",
    "stroke_width",
    "box_color",
    "position",
    "max_words",
    "uppercase",
    "shadow",
)


def catalogue() -> list[dict]:
    """The styles as JSON objects (for `GET /api/v1/caption-styles` and the studio)."""
    return [s.to_json() for s in STYLES.values()]


def resolve_style(style_id: str, overrides: dict | None = None) -> CaptionStyle:
    """The style `style_id` with `overrides` applied.

    Raises KeyError for an unknown style and ValueError (message names the field)
    for an unknown override key or an invalid value.
    """
    style = STYLES[style_id]
    clean = {}
    for key, value in (overrides or {}).items():
        if key not in _OVERRIDABLE:
            raise ValueError(f"{key}: not a caption style setting")
        clean[key] = _validate(key, value)
    return replace(style, **clean)


def _validate(key: str, value):
    kind = {f.name: f.type for f in fields(CaptionStyle)}[key]
    if key == "font" and value not in FONTS:
        raise ValueError(f"font: one of {', '.join(FONTS)}")
    if key.endswith("color") and not (isinstance(value, str) and _HEX.match(value)):
        raise ValueError(f"{key}: a colour like #ffcc00")
    if key == "position" and not (value in POSITIONS or _fraction(value)):
        raise ValueError(f"position: one of {', '.join(POSITIONS)} or a number 0.1..0.9")
    if kind == "int":
        limits = {"size": (16, 220), "stroke_width": (0, 20), "max_words": (1, 12)}[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not limits[0] <= value <= limits[1]
        ):
            raise ValueError(f"{key}: an integer from {limits[0]} to {limits[1]}")
    if kind == "bool" and not isinstance(value, bool):
        raise ValueError(f"{key}: true or false")
    return value


def _fraction(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0.1 <= value <= 0.9


def position_fraction(style: CaptionStyle) -> float:
    """Vertical centre of the caption block as a fraction of the frame height."""
    return (
        POSITIONS.get(style.position, style.position)
        if isinstance(style.position, str)
        else float(style.position)
    )


def rgba(colour: str) -> tuple[int, int, int, int]:
    """`#rrggbb[aa]` -> an (r, g, b, a) tuple."""
    value = colour.lstrip("#")
    alpha = int(value[6:8], 16) if len(value) == 8 else 255
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16), alpha
