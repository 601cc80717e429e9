"""Offline alignment of narration without timings, measured against piper's own timings."""

import subprocess

import imageio_ffmpeg
import numpy as np

from fluxnote.media.audio import write_wav
from fluxnote.voice import espeak_tts, piper_tts, services
from fluxnote.voice.normalize import tokenize
from tests.voice.conftest import assert_sane_timings

SCRIPT = (
    "Here are three facts that will change how you see the sea. First, the deepest point "
    "is nearly eleven kilometers down. Second, we have mapped less of it than of Mars! "
    "And third, most of the oxygen you breathe comes from tiny ocean plants."
)


def test_uploaded_narration_aligns_close_to_the_engine_timings(tmp_path):
    speech = piper_tts.synthesize(tokenize(SCRIPT))
    upload = write_wav(tmp_path / "upload.wav", speech.samples, speech.sample_rate)

    words = services.align(upload, SCRIPT)

    assert [w.text for w in words] == SCRIPT.split()
    assert_sane_timings(words, speech.duration_s)
    errors = np.array([abs(a.start - b.start) for a, b in zip(words, speech.words, strict=False)])
    print(
        f"alignment start error: mean {errors.mean():.3f}s median {np.median(errors):.3f}s "
        f"p90 {np.percentile(errors, 90):.3f}s max {errors.max():.3f}s"
    )
    assert errors.mean() < 0.2
    assert np.median(errors) < 0.12
    assert np.percentile(errors, 90) < 0.4


def test_alignment_of_compressed_audio_with_leading_silence(tmp_path):
    speech = piper_tts.synthesize(tokenize("Silence first, then the words arrive."))
    padded = np.concatenate([np.zeros(speech.sample_rate), speech.samples])
    wav = write_wav(tmp_path / "n.wav", padded, speech.sample_rate)
    mp3 = tmp_path / "n.mp3"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(wav), str(mp3)], check=True
    )

    narration = services.align_narration(mp3, "Silence first, then the words arrive.")

    assert narration.words[0].start > 0.8
    assert abs(narration.words[0].start - (speech.words[0].start + 1.0)) < 0.15
    assert abs(narration.words[-1].end - (speech.words[-1].end + 1.0)) < 0.25


def test_espeak_voice_in_another_language_times_each_word(app, tmp_path):
    text = "Hola a todos. El Dr. García pagó 5,50 € el 3/4/2026. ¡Qué bien!"
    narration = services.synthesize(text, "espeak-es-es", tmp_path)

    assert [w.text for w in narration.words] == text.split()
    assert_sane_timings(narration.words, narration.duration_s)
    number = next(w for w in narration.words if w.text == "3/4/2026.")
    hola = narration.words[0]
    assert number.end - number.start > 3 * (hola.end - hola.start)  # a date takes long to say


def test_espeak_and_piper_share_the_espeak_library():
    french = espeak_tts.synthesize(tokenize("Bonjour à tous.", "fr"), "fr")
    english = piper_tts.synthesize(tokenize("And piper still speaks."))
    assert len(french.words) == 3 and len(english.words) == 4
    assert french.duration_s > 0.5 and english.duration_s > 0.5
