"""Caption styles, layout and sprites: what a creator sees in the preview and the video."""

import io

import numpy as np
import pytest
from PIL import Image

from fluxnote.captions.layout import PageIndex, paginate
from fluxnote.captions.preview import preview_png, sample_words
from fluxnote.captions.sprites import SpriteRenderer
from fluxnote.captions.styles import STYLES, catalogue, resolve_style
from fluxnote.media.fonts import FONT_DIR, FONTS, font_path
from fluxnote.media.timeline import Word
from fluxnote.media.yuv import blend, sprite_from_rgba


def test_every_font_is_vendored_with_its_licence():
    for name in FONTS:
        assert font_path(name).stat().st_size > 10_000
    licences = {p.name for p in (FONT_DIR / "licenses").iterdir()}
    assert {
        "BebasNeue.copyright",
        "LeagueSpartan.copyright",
        "Apache-2.0.txt",
        "DejaVu.copyright",
    } <= licences


def test_eight_styles_with_distinct_effects():
    assert len(STYLES) >= 8
    assert {s.effect for s in STYLES.values()} == {
        "karaoke",
        "pop",
        "outline",
        "box",
        "typewriter",
        "neon",
        "lower_third",
        "emoji",
    }
    assert all(
        {"id", "name", "font", "size", "text_color", "position"} <= set(s) for s in catalogue()
    )


def test_overrides_apply_and_bad_ones_name_the_field():
    style = resolve_style(
        "karaoke", {"font": "Bebas Neue", "size": 120, "highlight_color": "#00ff00"}
    )
    assert (style.font, style.size, style.highlight_color) == ("Bebas Neue", 120, "#00ff00")
    for bad in (
        {"size": 5000},
        {"highlight_color": "yellow"},
        {"font": "Comic Sans"},
        {"position": "sideways"},
        {"colour": "#ffffff"},
        {"max_words": True},
    ):
        with pytest.raises(ValueError) as err:
            resolve_style("karaoke", bad)
        assert next(iter(bad)) in str(err.value)
    with pytest.raises(KeyError):
        resolve_style("nope")


def test_pages_break_at_max_words_sentence_ends_and_pauses():
    words = [
        Word("One", 0, 0.3),
        Word("two", 0.3, 0.6),
        Word("three.", 0.6, 0.9),
        Word("Four", 1.0, 1.3),
        Word("five", 1.3, 1.6),
        Word("six", 3.0, 3.3),
    ]
    pages = paginate(words, max_words=4)
    assert [[w.text for w in p.words] for p in pages] == [
        ["One", "two", "three."],
        ["Four", "five"],
        ["six"],
    ]
    assert pages[0].end == pytest.approx(1.0)  # until the next page starts
    index = PageIndex(pages)
    assert index.at(2.5) is None and index.at(3.1) is pages[2] and index.at(-1) is None


def test_states_follow_the_spoken_word():
    words = sample_words()
    page = paginate(words, 4)[0]
    karaoke = SpriteRenderer(resolve_style("karaoke"), 1080, 1920)
    assert karaoke.state(page, 0.1) != karaoke.state(page, 0.5)
    pop = SpriteRenderer(resolve_style("kinetic_pop"), 1080, 1920)
    assert pop.state(page, 0.41)[2] < pop.state(page, 0.6)[2]  # scaling in, then settled
    typewriter = SpriteRenderer(resolve_style("typewriter"), 1080, 1920)
    assert typewriter.state(page, 0.45)[1] < typewriter.state(page, 0.7)[1]


def test_karaoke_lights_only_the_active_word_on_its_own_line():
    renderer = SpriteRenderer(resolve_style("karaoke"), 1080, 1920)
    words = [
        Word(w, i * 0.4, i * 0.4 + 0.35) for i, w in enumerate(["octopuses", "are", "so", "smart"])
    ]
    page = paginate(words, 4)[0]
    layout = renderer.layout(page)
    assert len({y for _, y in layout.positions}) == 2  # "OCTOPUSES" / "ARE SO SMART"
    sprite = np.asarray(renderer.render(layout, renderer.state(page, 0.9))).astype(int)  # "so"
    highlight = np.array(Image.new("RGB", (1, 1), renderer.style.highlight_color).getpixel((0, 0)))
    lit = (np.abs(sprite[..., :3] - highlight).sum(axis=2) < 40) & (sprite[..., 3] > 200)
    rows = np.nonzero(lit.any(axis=1))[0]
    second_line_top = layout.positions[1][1] - renderer.ascent
    assert rows.size and rows.min() >= second_line_top - renderer.stroke


def test_layout_box_is_the_same_for_every_state_so_nothing_jitters():
    renderer = SpriteRenderer(resolve_style("kinetic_pop"), 1080, 1920)
    page = paginate(sample_words(), 3)[0]
    layout = renderer.layout(page)
    sizes = {
        renderer.render(layout, renderer.state(page, t)).size for t in np.arange(0.0, 1.2, 0.05)
    }
    assert sizes == {layout.size}


@pytest.mark.parametrize("style_id", list(STYLES))
def test_preview_shows_the_caption(style_id):
    png = preview_png(style_id, {}, 270, 480)
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    background = np.asarray(
        Image.open(io.BytesIO(preview_png(style_id, {}, 270, 480, at=99.0))).convert("RGB")
    ).astype(int)
    changed = np.abs(image - background).sum(axis=-1) > 60
    assert changed.sum() > 300, "caption pixels over the background"


def test_previews_of_different_styles_and_overrides_differ():
    karaoke = preview_png("karaoke", {}, 270, 480)
    assert karaoke != preview_png("neon_glow", {}, 270, 480)
    assert karaoke != preview_png("karaoke", {"highlight_color": "#00ff00"}, 270, 480)
    assert karaoke != preview_png("karaoke", {"position": "top"}, 270, 480)


def test_blending_a_sprite_only_touches_its_box():
    width, height = 64, 32
    frame = np.full((height * 3 // 2, width), 100, np.uint8)
    rgba = np.zeros((8, 10, 4), np.uint8)
    rgba[..., :3], rgba[..., 3] = 255, 255
    rgba[:, :2, 3] = 0  # a transparent margin stays untouched
    blend(frame, width, height, sprite_from_rgba(rgba, 4, 6))
    y = frame[:height]
    assert (y[6:14, 6:14] == 235).all()  # opaque white in limited range
    assert (y[6:14, 4:6] == 100).all() and y[:6].max() == 100 and y[14:].max() == 100


def test_lines_are_balanced_and_fit():
    from fluxnote.captions.layout import break_lines

    # Greedy filling would give 4 words + 1 orphan; balanced lines are 2 + 3.
    assert break_lines([50] * 5, 10, 280) == [[0, 1], [2, 3, 4]]
    assert break_lines([300, 20], 10, 100) == [[0], [1]]  # an over-wide word gets its own line
    assert break_lines([10, 10], 5, 100) == [[0, 1]]
