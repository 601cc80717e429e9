"""The offline neural voice: audio, word timings from piper's alignments, variants, cache."""

import numpy as np
import pytest

from fluxnote.voice import piper_tts, services
from fluxnote.voice.normalize import tokenize
from tests.voice.conftest import assert_sane_timings, decode_wav

TEXT = (
    "Most people never notice the small things. But the ocean covers seventy percent of our planet."
)


def test_piper_narration_decodes_and_words_follow_the_script(app, tmp_path):
    narration = services.synthesize(TEXT, "piper-joe", tmp_path / "out")

    samples, rate = decode_wav(narration.audio_path)
    assert narration.audio_path.parent == tmp_path / "out"
    assert abs(len(samples) / rate - narration.duration_s) < 0.01
    assert narration.duration_s > 3 and np.abs(samples).max() > 0.3
    assert [w.text for w in narration.words] == TEXT.split()
    assert_sane_timings(narration.words, narration.duration_s)
    # the sentence pause after "things." is heard in the timings
    gap = narration.words[7].start - narration.words[6].end
    assert gap > 0.15


def test_numbers_abbreviations_and_punctuation_keep_the_script_words(app, tmp_path):
    text = "Dr. Smith paid $5.50 on 3/4/2026 — e.g. twice!"
    narration = services.synthesize(text, "piper-joe", tmp_path)

    words = narration.words
    assert [w.text for w in words] == [
        "Dr.",
        "Smith",
        "paid",
        "$5.50",
        "on",
        "3/4/2026",
        "e.g.",
        "twice!",
    ]
    assert_sane_timings(words, narration.duration_s)
    length = {w.text: w.end - w.start for w in words}
    # "five dollars fifty cents" and "March fourth twenty twenty-six" take far longer than "on"
    assert length["$5.50"] > 3 * length["on"]
    assert length["3/4/2026"] > 3 * length["on"]
    assert length["e.g."] > length["on"]


def test_variants_differ_in_rate_and_pitch(app, tmp_path):
    calm = services.synthesize(TEXT, "piper-joe-calm", tmp_path)
    energetic = services.synthesize(TEXT, "piper-joe-energetic", tmp_path)
    joe = services.synthesize(TEXT, "piper-joe", tmp_path)
    deep = services.synthesize(TEXT, "piper-joe-deep", tmp_path)

    assert calm.duration_s > 1.15 * energetic.duration_s
    assert _median_pitch(deep.audio_path) < 0.95 * _median_pitch(joe.audio_path)
    assert [w.text for w in deep.words] == TEXT.split()
    assert_sane_timings(deep.words, deep.duration_s)


def test_synthesis_is_cached_by_voice_and_text(app, tmp_path, monkeypatch):
    first = services.synthesize("Cache me once.", "piper-joe", tmp_path / "a")
    monkeypatch.setattr(piper_tts, "synthesize", _fail)

    again = services.synthesize("Cache me once.", "piper-joe", tmp_path / "b")
    assert again.words == first.words
    assert again.audio_path.read_bytes() == first.audio_path.read_bytes()
    with pytest.raises(AssertionError):  # another voice is a fresh synthesis
        services.synthesize("Cache me once.", "piper-joe-fast", tmp_path / "c")


def test_preview_is_a_short_cached_sample(app):
    path = services.preview("piper-joe")
    samples, rate = decode_wav(path)
    assert 1.5 < len(samples) / rate < 8
    assert services.preview("piper-joe") == path


def test_unknown_and_unavailable_voices_are_refused(app, tmp_path):
    app.config["PROVIDER_KEYS"] = {}
    with pytest.raises(services.UnknownVoice):
        services.synthesize("Hello.", "nope", tmp_path)
    with pytest.raises(services.VoiceUnavailable, match="OPENAI_API_KEY"):
        services.synthesize("Hello.", "openai-alloy", tmp_path)
    with pytest.raises(services.VoiceError):
        services.synthesize(" — ", "piper-joe", tmp_path)


def _fail(*args, **kwargs):
    raise AssertionError("TTS ran again")


def _median_pitch(path) -> float:
    """Median fundamental frequency over voiced 40 ms frames (autocorrelation)."""
    samples, rate = decode_wav(path)
    size = int(0.04 * rate)
    pitches = []
    for start in range(0, len(samples) - size, size):
        frame = samples[start : start + size]
        if np.sqrt(np.mean(frame**2)) < 0.05:
            continue
        corr = np.correlate(frame, frame, "full")[size - 1 :]
        lo, hi = rate // 400, rate // 60
        lag = lo + int(np.argmax(corr[lo:hi]))
        if corr[lag] > 0.4 * corr[0]:
            pitches.append(rate / lag)
    return float(np.median(pitches))


def test_a_model_without_alignments_falls_back_to_offline_alignment(monkeypatch, tmp_path):
    from piper.voice import PiperVoice

    original = PiperVoice.synthesize

    def without_alignments(self, text, syn_config=None, include_alignments=False):
        for chunk in original(self, text, syn_config, include_alignments):
            chunk.phoneme_alignments = None
            yield chunk

    monkeypatch.setattr(PiperVoice, "synthesize", without_alignments)
    speech = piper_tts.synthesize(tokenize(TEXT))
    assert [w.text for w in speech.words] == TEXT.split()
    assert_sane_timings(speech.words, speech.duration_s)
    assert speech.words[7].start > speech.words[6].end + 0.1  # the sentence pause is found
