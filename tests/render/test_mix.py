"""The soundtrack platforms accept, measured with ffmpeg's ebur128 on every template's
music under a real (piper) narration: -14 LUFS integrated, true peak under -1 dBTP, the
music at least 10 LU under the voice while it speaks and back up in the pauses."""

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from fluxnote.media.audio import write_wav
from fluxnote.music.services import track_path, tracks
from fluxnote.render.audio import TARGET_LUFS, measure, write_soundtrack, write_stems
from fluxnote.render.compose import compose
from fluxnote.render.spec import RenderSpec, SceneSpec
from tests.render.media import colour_tags, ebur128, make_image, probe

TEMPLATES = json.loads((Path(__file__).parents[2] / "fluxnote/studio/templates.json").read_text())
SCRIPT = (
    "Octopuses have three hearts. Two pump blood through the gills, and one sends it "
    "around the rest of the body. When an octopus swims, the main heart stops beating, "
    "which is why they would rather crawl."
)
PAUSE_S = 3.0  # the last scene outlasts its words: the music must come back up


@pytest.fixture(scope="module")
def narration(tmp_path_factory):
    """A real voice (the offline piper model) followed by PAUSE_S of silence."""
    from fluxnote.voice.normalize import tokenize
    from fluxnote.voice.piper_tts import synthesize

    speech = synthesize(tokenize(SCRIPT))
    path = tmp_path_factory.mktemp("voice") / "narration.wav"
    write_wav(path, speech.samples, speech.sample_rate)
    return path, round(speech.duration_s, 2)


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    return tmp_path_factory.mktemp("music")


def spec_for(narration, music: Path | None, **changes) -> RenderSpec:
    path, spoken = narration
    spec = RenderSpec(
        width=180,
        height=320,
        duration=spoken + PAUSE_S,
        scenes=[SceneSpec(Path("unused.png"), "image", 0.0, spoken + PAUSE_S)],
        narration_path=path,
        music_path=music,
        music_volume=0.25,  # a new project's volume
        preset="ultrafast",
    )
    return replace(spec, **changes)


def template_music(template: dict, folder: Path) -> Path:
    mood = [t["id"] for t in tracks() if t["mood"] == template["music_mood"]]
    return track_path(mood[0], folder)


def power_mean(levels: list[float]) -> float:
    return 10 * np.log10(np.mean([10 ** (m / 10) for m in levels]))


def speaking_levels(voice: dict, music: dict, spoken: float) -> tuple[list, list]:
    """Momentary loudness of voice and music at the times the voice speaks."""
    loud = {t for t, m in voice["M"] if t <= spoken and m > voice["I"] - 6}
    return (
        [m for t, m in voice["M"] if t in loud],
        [m for t, m in music["M"] if t in loud],
    )


@pytest.mark.parametrize("template", TEMPLATES, ids=[t["id"] for t in TEMPLATES])
def test_every_template_mixes_to_minus_14_lufs_under_minus_1_dbtp(
    template, narration, library, tmp_path
):
    spec = spec_for(narration, template_music(template, library))
    out = tmp_path / "mix.m4a"
    write_soundtrack(spec, out)
    figures = ebur128(out)
    assert abs(figures["I"] - TARGET_LUFS) <= 0.5, figures["I"]
    assert figures["TP"] <= -1.0, figures["TP"]
    assert abs(probe(out)["duration"] - spec.duration) < 0.03

    stems = write_stems(spec, tmp_path)
    voice, music = ebur128(stems.voice), ebur128(stems.music)
    assert music["I"] <= voice["I"] - 10
    spoken_voice, spoken_music = speaking_levels(voice, music, narration[1])
    assert power_mean(spoken_music) <= power_mean(spoken_voice) - 10
    pause = [m for t, m in music["M"] if t >= spec.duration - 1.0]
    assert power_mean(pause) >= power_mean(spoken_music) + 6  # ducked, not just quiet


def test_music_at_full_volume_still_drops_10_lu_under_the_voice(narration, library, tmp_path):
    spec = spec_for(narration, template_music(TEMPLATES[0], library), music_volume=1.0)
    stems = write_stems(spec, tmp_path)
    voice, music = ebur128(stems.voice), ebur128(stems.music)
    spoken_voice, spoken_music = speaking_levels(voice, music, narration[1])
    assert power_mean(spoken_music) <= power_mean(spoken_voice) - 10


def test_without_ducking_the_music_stays_level(narration, library, tmp_path):
    spec = spec_for(narration, template_music(TEMPLATES[0], library), duck=False)
    music = ebur128(write_stems(spec, tmp_path).music)
    spoken = [m for t, m in music["M"] if 1.0 <= t <= narration[1]]
    pause = [m for t, m in music["M"] if t >= spec.duration - 1.0]
    assert abs(power_mean(pause) - power_mean(spoken)) < 4


def test_the_level_does_not_depend_on_how_loud_the_inputs_were(narration, library, tmp_path):
    quiet = tmp_path / "quiet.wav"
    path, spoken = narration
    from fluxnote.media.audio import read_wav

    samples, rate = read_wav(path)
    write_wav(quiet, samples * 0.1, rate)  # 20 dB down
    loud_mix, quiet_mix = tmp_path / "a.m4a", tmp_path / "b.m4a"
    music = template_music(TEMPLATES[1], library)
    write_soundtrack(spec_for(narration, music), loud_mix)
    write_soundtrack(spec_for((quiet, spoken), music), quiet_mix)
    assert abs(measure(loud_mix).integrated - measure(quiet_mix).integrated) <= 0.3


def test_a_true_peak_over_the_target_after_encoding_is_limited_again(
    narration, library, tmp_path, monkeypatch
):
    from fluxnote.render import audio

    spec = spec_for(narration, template_music(TEMPLATES[1], library))
    # a stricter target than the limiter's ceiling was set for: the encoded peaks exceed it
    # (by ~0.6 dB; the real overshoots seen were under 0.3 dB)
    monkeypatch.setattr(audio, "TARGET_TP", -3.0)
    monkeypatch.setattr(audio, "LIMIT_ROUNDS", 1)
    unchecked = tmp_path / "unchecked.m4a"
    write_soundtrack(spec, unchecked)
    assert measure(unchecked).true_peak > -3.0  # the premise
    monkeypatch.setattr(audio, "LIMIT_ROUNDS", 3)
    write_soundtrack(spec, tmp_path / "mix.m4a")
    figures = measure(tmp_path / "mix.m4a")
    assert figures.true_peak <= -3.0 + 0.1, figures
    assert abs(figures.integrated - TARGET_LUFS) <= 0.5, figures


def test_music_alone_and_silence(narration, library, tmp_path):
    music_only = spec_for(narration, template_music(TEMPLATES[2], library), narration_path=None)
    write_soundtrack(music_only, tmp_path / "music.m4a")
    assert abs(ebur128(tmp_path / "music.m4a")["I"] - TARGET_LUFS) <= 0.5
    silent = spec_for(narration, None, narration_path=None)
    write_soundtrack(silent, tmp_path / "silent.m4a")
    assert ebur128(tmp_path / "silent.m4a")["I"] <= -70
    assert abs(probe(tmp_path / "silent.m4a")["duration"] - silent.duration) < 0.03


def test_an_hd_render_is_tagged_bt709_and_carries_the_mastered_mix(narration, library, tmp_path):
    image = make_image(tmp_path / "scene.png", 4, (1080, 1920))
    spec = spec_for(
        narration,
        template_music(TEMPLATES[3], library),
        width=1080,
        height=1920,
        duration=4.0,
        scenes=[SceneSpec(image, "image", 0.0, 4.0)],
    )
    out = compose(spec, tmp_path / "hd.mp4")
    assert colour_tags(out) == "yuv420p(tv, bt709, progressive)"
    figures = ebur128(out)
    assert abs(figures["I"] - TARGET_LUFS) <= 0.6 and figures["TP"] <= -1.0
