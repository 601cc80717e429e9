"""Named caption positions run top to bottom in the order the studio lists them, and
"lower third" sits above "bottom" in the rendered frame."""

from fluxnote.captions.layout import Page
from fluxnote.captions.sprites import SpriteRenderer
from fluxnote.captions.styles import POSITIONS, resolve_style
from fluxnote.media.timeline import Word


def test_named_positions_are_listed_top_to_bottom():
    assert list(POSITIONS) == ["top", "center", "lower_third", "bottom"]
    assert list(POSITIONS.values()) == sorted(POSITIONS.values())


def test_a_lower_third_caption_is_drawn_above_a_bottom_one():
    words = (Word("Three", 0.0, 0.4), Word("hearts", 0.4, 0.8))
    page = Page(words, 0.0, 0.8)
    tops = {}
    for position in ("lower_third", "bottom"):
        renderer = SpriteRenderer(resolve_style("karaoke", {"position": position}), 1080, 1920)
        layout = renderer.layout(page)
        tops[position] = renderer.placement(layout)[1]
    assert tops["lower_third"] + 100 < tops["bottom"]
