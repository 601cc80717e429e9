"""compose(): a real MP4 comes out, with captions where the word timings say."""

from dataclasses import replace

import numpy as np
import pytest

from fluxnote.render.compose import compose
from fluxnote.render.spec import CaptionSpec, RenderSpec, SceneSpec
from tests.render.media import (
    frame_at,
    make_flat_image,
    make_image,
    make_music,
    make_video,
    make_voice,
    near,
    probe,
    timed_words,
)

YELLOW = (255, 214, 10)  # the karaoke style's highlight colour
TEXT = "Five small words here now"


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    d = tmp_path_factory.mktemp("media")
    words = timed_words(TEXT, start=0.3, per_word=0.45)
    return {
        "dir": d,
        "words": words,
        "duration": 2.8,
        "voice": make_voice(d / "voice.wav", words, 2.8),
        "music": make_music(d / "music.wav", 1.5),
        "flat": make_flat_image(d / "flat.png", (30, 60, 120)),
        "busy": make_image(d / "busy.png", 3, (400, 300)),
    }


def karaoke_spec(media, **changes) -> RenderSpec:
    scenes = [
        SceneSpec(media["flat"], "image", 0.0, 1.4, motion="zoom_in"),
        SceneSpec(media["busy"], "image", 1.4, 1.4, motion="pan_left"),
    ]
    spec = RenderSpec(
        width=360,
        height=640,
        duration=media["duration"],
        scenes=scenes,
        narration_path=media["voice"],
        music_path=media["music"],
        captions=CaptionSpec("karaoke", {}, media["words"]),
        preset="ultrafast",
    )
    return replace(spec, **changes)


@pytest.fixture(scope="module")
def karaoke_mp4(media):
    progress: list[float] = []
    out = compose(karaoke_spec(media), media["dir"] / "karaoke.mp4", progress.append)
    return out, progress


def test_mp4_is_h264_aac_30fps_at_size_and_lasts_as_long_as_the_narration(karaoke_mp4, media):
    info = probe(karaoke_mp4[0])
    assert info["video_codec"] == "h264" and info["audio_codec"] == "aac"
    assert info["size"] == (360, 640) and info["fps"] == 30 and info["pix_fmt"] == "yuv420p"
    assert abs(info["duration"] - media["duration"]) < 0.1


def test_progress_rises_from_zero_to_one(karaoke_mp4):
    progress = karaoke_mp4[1]
    assert progress[0] == 0.0 and progress[-1] == 1.0
    assert progress == sorted(progress) and len(progress) > 10


def test_the_spoken_word_is_highlighted_and_the_highlight_moves_with_the_words(karaoke_mp4, media):
    first, second = media["words"][0], media["words"][1]
    frame_1 = frame_at(karaoke_mp4[0], (first.start + first.end) / 2)
    frame_2 = frame_at(karaoke_mp4[0], (second.start + second.end) / 2)
    yellow_1, yellow_2 = near(frame_1, YELLOW), near(frame_2, YELLOW)
    assert yellow_1.sum() > 150 and yellow_2.sum() > 150
    # Captions sit in the lower part of the frame, and the highlight moved right.
    assert 0.55 * 640 < np.nonzero(yellow_1)[0].mean() < 0.85 * 640
    assert np.nonzero(yellow_2)[1].mean() > np.nonzero(yellow_1)[1].mean() + 20
    white = near(frame_1, (255, 255, 255), 25)
    assert white.sum() > 300  # the other words of the page, in white


def test_no_caption_before_the_first_word(karaoke_mp4):
    frame = frame_at(karaoke_mp4[0], 0.1)
    assert near(frame, YELLOW).sum() == 0 and near(frame, (255, 255, 255), 25).sum() == 0


def test_restyled_spec_differs_at_the_same_word(karaoke_mp4, media):
    spec = karaoke_spec(
        media, captions=CaptionSpec("karaoke", {"highlight_color": "#00ff00"}, media["words"])
    )
    other = compose(spec, media["dir"] / "restyled.mp4")
    word = media["words"][0]
    t = (word.start + word.end) / 2
    before, after = frame_at(karaoke_mp4[0], t), frame_at(other, t)
    assert near(after, YELLOW).sum() == 0 and near(after, (0, 255, 0), 60).sum() > 150
    assert np.abs(before.astype(int) - after.astype(int)).mean() > 0.2


def test_video_scene_honours_trim_start_and_landscape_size(media):
    clip = make_video(media["dir"] / "src.mp4", ["red", "blue"], 1.0)
    spec = RenderSpec(
        width=320,
        height=180,
        duration=1.0,
        preset="ultrafast",
        scenes=[SceneSpec(clip, "video", 0.0, 1.0, trim_start=1.0, motion="none")],
    )
    out = compose(spec, media["dir"] / "video.mp4")
    info = probe(out)
    assert info["size"] == (320, 180) and info["audio_codec"] == "aac"
    r, g, b = frame_at(out, 0.2).reshape(-1, 3).mean(axis=0)
    assert b > 150 and r < 60  # the second (blue) second of the source, not the red one


def test_invalid_spec_is_refused_and_leaves_no_file(media):
    out = media["dir"] / "odd.mp4"
    with pytest.raises(ValueError):
        compose(karaoke_spec(media, width=361), out)
    assert not out.exists()


def test_unreadable_visual_fails_without_leaving_a_file(media):
    broken = media["dir"] / "broken.png"
    broken.write_bytes(b"not an image")
    out = media["dir"] / "broken.mp4"
    with pytest.raises(OSError):
        compose(karaoke_spec(media, scenes=[SceneSpec(broken, "image", 0.0, 2.8)]), out)
    assert not out.exists()
