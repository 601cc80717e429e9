"""The studio says when a scene's visual will be cropped to the project's shape."""

from types import SimpleNamespace

from fluxnote.studio.services import crop_note


def asset(width, height):
    return SimpleNamespace(width=width, height=height)


def test_a_visual_of_another_shape_is_said_to_be_cropped():
    assert crop_note(asset(1920, 1080), "9:16") == (
        "This 16:9 visual is centre-cropped to 9:16 in the render."
    )
    assert crop_note(asset(1366, 768), "1:1") == (
        "This 16:9 visual is centre-cropped to 1:1 in the render."
    )
    assert crop_note(asset(1000, 700), "9:16") == (
        "This 1000x700 visual is centre-cropped to 9:16 in the render."
    )


def test_a_visual_of_the_same_shape_needs_no_note():
    assert crop_note(asset(1080, 1920), "9:16") is None
    assert crop_note(asset(1152, 2048), "9:16") is None  # GPT Image 2 at 9:16
    assert crop_note(asset(768, 1344), "9:16") is None  # within 2 %: scaled, not cropped
    assert crop_note(asset(None, None), "9:16") is None
