"""Segment renders: cut at scene boundaries, content-addressed, joined without re-encoding,
and indistinguishable from a single-pass render of the same spec."""

from dataclasses import replace

import numpy as np
import pytest

from fluxnote.render import segments
from fluxnote.render.audio import write_soundtrack
from fluxnote.render.compose import compose
from fluxnote.render.spec import CaptionSpec, RenderSpec, SceneSpec
from tests.render.media import (
    luma_frames,
    make_image,
    make_music,
    make_video,
    make_voice,
    pcm,
    probe,
    timed_words,
)

W, H, FPS = 180, 320, 30


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    d = tmp_path_factory.mktemp("seg")
    words = timed_words(
        "Every segment starts on a keyframe and the joins never show a seam anywhere at all",
        start=0.1,
        per_word=0.3,
    )
    return {
        "dir": d,
        "words": words,
        "a": make_image(d / "a.png", 1, (360, 640)),
        "b": make_image(d / "b.png", 2, (640, 360)),
        "clip": make_video(d / "clip.mp4", ["red", "blue", "green"], 0.5),
        "voice": make_voice(d / "voice.wav", words, 5.0),
        "music": make_music(d / "music.wav", 2.0),
    }


def spec_of(media, **changes) -> RenderSpec:
    # starts that are not on a frame (1.31 s) and a scene longer than SEGMENT_S
    scenes = [
        SceneSpec(media["a"], "image", 0.0, 1.31, motion="zoom_in"),
        SceneSpec(media["clip"], "video", 1.31, 1.2, motion="none", trim_start=0.2),
        SceneSpec(media["b"], "image", 2.51, 2.49, motion="pan_left"),
    ]
    spec = RenderSpec(
        width=W,
        height=H,
        duration=5.0,
        fps=FPS,
        scenes=scenes,
        narration_path=media["voice"],
        music_path=media["music"],
        captions=CaptionSpec("kinetic_pop", {}, media["words"]),
        preset="ultrafast",
    )
    return replace(spec, **changes)


def segmented(spec: RenderSpec, folder) -> tuple:
    """Render the way the render jobs do: every segment, one soundtrack, one join."""
    plan = segments.plan(spec)
    paths = [
        segments.encode_segment(spec, s, folder / f"{s.key}.mp4")
        for s in plan
        if not (folder / f"{s.key}.mp4").exists()
    ]
    soundtrack = folder / "soundtrack.m4a"
    write_soundtrack(spec, soundtrack)
    out = segments.join([folder / f"{s.key}.mp4" for s in plan], soundtrack, folder / "out.mp4")
    return out, plan, paths


def test_plan_cuts_at_scene_starts_and_splits_long_scenes(media, monkeypatch):
    monkeypatch.setattr(segments, "SEGMENT_S", 1.0)
    plan = segments.plan(spec_of(media))
    firsts = [s.first_frame for s in plan]
    # scene starts 0, 1.31 s -> frame 40 (39.3 rounds up), 2.51 s -> frame 76 (75.3)
    assert {0, 40, 76} <= set(firsts)
    assert sum(s.frames for s in plan) == 150
    assert all(s.frames <= FPS for s in plan)
    assert [s.first_frame + s.frames for s in plan[:-1]] == firsts[1:]
    assert len({s.key for s in plan}) == len(plan)


def test_keys_change_only_where_the_pixels_change(media):
    base = segments.plan(spec_of(media))
    again = segments.plan(spec_of(media))
    assert [s.key for s in base] == [s.key for s in again]

    # a caption word changes in the last scene only
    words = list(media["words"])
    words[-1] = replace(words[-1], text="everywhere")
    edited = segments.plan(spec_of(media, captions=CaptionSpec("kinetic_pop", {}, words)))
    changed = [a.key != b.key for a, b in zip(base, edited, strict=True)]
    assert changed[-1] and not any(changed[:-1])

    # the same video at another size, preset or caption style shares nothing
    for other in (
        spec_of(media, width=360, height=640),
        spec_of(media, preset="veryfast"),
        spec_of(media, captions=CaptionSpec("karaoke", {}, media["words"])),
    ):
        assert not {s.key for s in segments.plan(other)} & {s.key for s in base}


def test_a_longer_first_scene_shifts_the_rest_by_whole_frames_and_keeps_their_keys(media):
    def spec_with_first(length: float) -> RenderSpec:
        scenes = [
            SceneSpec(media["a"], "image", 0.0, length),
            SceneSpec(media["b"], "image", length, 2.0, motion="pan_right"),
        ]
        return spec_of(media, scenes=scenes, duration=length + 2.0, captions=None)

    short, long = segments.plan(spec_with_first(1.0)), segments.plan(spec_with_first(1.5))
    assert short[0].key != long[0].key
    assert short[-1].key == long[-1].key and long[-1].first_frame == 45


def test_segmented_render_matches_the_single_pass_frame_for_frame(media, monkeypatch, tmp_path):
    monkeypatch.setattr(segments, "SEGMENT_S", 1.0)  # more joins to look at
    spec = spec_of(media)
    single = compose(spec, tmp_path / "single.mp4")
    joined, plan, _ = segmented(spec, tmp_path)

    a, b = probe(single), probe(joined)
    assert b["video_codec"] == "h264" and b["audio_codec"] == "aac" and b["fps"] == FPS
    assert abs(a["duration"] - b["duration"]) < 1 / FPS
    ours, theirs = luma_frames(joined, W, H), luma_frames(single, W, H)
    assert len(ours) == len(theirs) == 150
    for segment in plan[1:]:
        j = segment.first_frame
        for i in (j - 2, j - 1, j, j + 1):
            same = np.abs(ours[i].astype(int) - theirs[i]).mean()
            assert same < 2.0, (i, same)  # only encoder noise
            for k in (i - 1, i + 1):  # and not a neighbour: no repeated or skipped frame
                if np.abs(theirs[k].astype(int) - theirs[i]).mean() > 4 * max(same, 0.25):
                    assert np.abs(ours[i].astype(int) - theirs[k]).mean() > same

    # the same soundtrack, in sync: no lag between the two files' audio
    x, y = pcm(single), pcm(joined)
    assert abs(len(x) - len(y)) <= 48000 // FPS
    n = min(len(x), len(y))
    lags = range(-800, 801, 40)
    score = [float(np.dot(x[800 : n - 800], y[800 + lag : n - 800 + lag])) for lag in lags]
    assert abs(list(lags)[int(np.argmax(score))]) < 48000 // FPS / 2


def test_an_edit_re_encodes_only_the_segments_it_touched(media, tmp_path):
    spec = spec_of(media)
    _, plan, fresh = segmented(spec, tmp_path)
    assert len(fresh) == len(plan)
    words = list(media["words"])
    words[-1] = replace(words[-1], text="everywhere")
    out, plan2, fresh2 = segmented(
        spec_of(media, captions=CaptionSpec("kinetic_pop", {}, words)), tmp_path
    )
    assert len(fresh2) == 1 and fresh2[0].name == f"{plan2[-1].key}.mp4"
    assert len(luma_frames(out, W, H)) == 150


def test_a_missing_segment_fails_the_join_and_leaves_nothing(media, tmp_path):
    spec = spec_of(media)
    soundtrack = tmp_path / "s.m4a"
    write_soundtrack(spec, soundtrack)
    with pytest.raises(OSError):
        segments.join([tmp_path / "nope.mp4"], soundtrack, tmp_path / "out.mp4")
    assert not (tmp_path / "out.mp4").exists()
    assert list(tmp_path.glob(".*part")) == []


def test_caption_pages_never_straddle_a_scene_cut():
    from fluxnote.render.captions import scene_pages

    words = timed_words("a b c d e f g", start=0.1, per_word=0.4)  # no sentence ends
    pages = scene_pages(words, 4, [0.0, 1.0, 2.0])
    assert [[w.text for w in p.words] for p in pages] == [["a", "b", "c"], ["d", "e"], ["f", "g"]]
    assert pages[0].end <= 1.0 and pages[1].end <= 2.0 and pages[1].start >= 1.0
    # an edit of scene 2's words changes no other page
    edited = [replace(w, text="x") if 1.0 <= w.start < 2.0 else w for w in words]
    again = scene_pages(edited, 4, [0.0, 1.0, 2.0])
    assert again[0] == pages[0] and again[2] == pages[2]
