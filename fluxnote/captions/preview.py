"""A sample frame of a caption style for the studio's live preview."""

from __future__ import annotations

import io

from PIL import Image

from fluxnote.captions.layout import PageIndex, paginate
from fluxnote.captions.sprites import SpriteRenderer
from fluxnote.captions.styles import resolve_style
from fluxnote.media.timeline import Word

SAMPLE_TEXT = "This is how your captions will look"


def sample_words(text: str = SAMPLE_TEXT, per_word: float = 0.4) -> list[Word]:
    """Evenly timed words for a preview."""
    return [Word(w, i * per_word, (i + 0.9) * per_word) for i, w in enumerate(text.split())]


def preview_png(
    style_id: str,
    overrides: dict | None,
    width: int,
    height: int,
    words: list[Word] | None = None,
    at: float | None = None,
) -> bytes:
    """PNG bytes of the caption at time `at` (default: mid-way through the second word
    on screen) over a neutral gradient background of `width` x `height`.

    Raises KeyError for an unknown style and ValueError for invalid overrides.
    """
    style = resolve_style(style_id, overrides)
    words = words or sample_words()
    renderer = SpriteRenderer(style, width, height)
    pages = paginate(words, style.max_words)
    if at is None:
        first = pages[0].words
        pick = first[min(1, len(first) - 1)]
        at = pick.start + (pick.end - pick.start) * 0.8
    frame = _background(width, height)
    page = PageIndex(pages).at(at)
    if page is not None:
        layout = renderer.layout(page)
        frame.alpha_composite(
            renderer.render(layout, renderer.state(page, at)), renderer.placement(layout)
        )
    buffer = io.BytesIO()
    frame.convert("RGB").save(buffer, "PNG", optimize=False)
    return buffer.getvalue()


def _background(width: int, height: int) -> Image.Image:
    top = Image.new("RGBA", (width, height), (74, 85, 104, 255))
    bottom = Image.new("RGBA", (width, height), (28, 32, 44, 255))
    mask = Image.linear_gradient("L").resize((width, height))
    return Image.composite(bottom, top, mask)
