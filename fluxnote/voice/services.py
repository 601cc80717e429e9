"""Narration for a script: synthesis with word timings, offline alignment, previews.

Everything here is free (no credits). Results are kept in media storage under
`voice-cache/` by a hash of (engine version, voice, text), so no host of the installation
runs TTS twice for the same words: re-rendering, restyling or swapping back to a voice
reuses them, and swapping to a new voice simply synthesises again. Each host reads them
through its bounded storage cache; a store that is down raises StorageUnavailable.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from fluxnote import config
from fluxnote.media.audio import load_audio, resample, write_wav
from fluxnote.media.timeline import Word
from fluxnote.storage import services as storage
from fluxnote.voice import align as aligner
from fluxnote.voice import elevenlabs_tts, espeak_tts, openai_tts, piper_tts
from fluxnote.voice.catalog import Voice, get_voice, unavailable_reason
from fluxnote.voice.errors import UnknownVoice, VoiceError, VoiceUnavailable
from fluxnote.voice.normalize import tokenize
from fluxnote.voice.timing import Speech, to_words

ENGINE_VERSION = "1"
PREVIEW_TEXT = {
    "en": "Hi! This is how I sound. Let's make your next video together.",
    "es": "¡Hola! Así suena mi voz. Hagamos juntos tu próximo vídeo.",
    "fr": "Bonjour ! Voici ma voix. Créons ensemble votre prochaine vidéo.",
    "de": "Hallo! So klingt meine Stimme. Lass uns dein nächstes Video machen.",
    "it": "Ciao! Questa è la mia voce. Facciamo insieme il tuo prossimo video.",
    "pt": "Olá! Esta é a minha voz. Vamos fazer o seu próximo vídeo juntos.",
    "nl": "Hallo! Zo klinkt mijn stem. Laten we samen je volgende video maken.",
}


@dataclass(frozen=True)
class Narration:
    """A narration WAV, its length and one timed Word per script word."""

    audio_path: Path
    duration_s: float
    words: list[Word]


def synthesize(text: str, voice_id: str, out_dir: Path) -> Narration:
    """Speak `text` with `voice_id` into a WAV in `out_dir`, with word timings.

    Raises UnknownVoice, VoiceUnavailable (provider key missing), VoiceProviderError
    (third-party failure) or VoiceError (nothing to say).
    """
    voice = usable_voice(voice_id)
    key = cache_key(voice, text)
    cached = _cached(key)
    if cached is None:
        cached = _store(key, speak(voice, text))
    return _deliver(key, cached, Path(out_dir))


def usable_voice(voice_id: str) -> Voice:
    """The catalogue voice, if it can be used now. Raises UnknownVoice / VoiceUnavailable."""
    voice = get_voice(voice_id)
    if voice is None:
        raise UnknownVoice(f"Unknown voice {voice_id!r}.")
    reason = unavailable_reason(voice, provider_keys())
    if reason:
        raise VoiceUnavailable(reason)
    return voice


def speak(voice: Voice, text: str) -> Speech:
    """Run the voice's engine (no cache). Raises VoiceError subclasses."""
    tokens = tokenize(text, voice.lang)
    if not tokens:
        raise VoiceError("The script has no words to speak.")
    if voice.provider == "piper":
        return piper_tts.synthesize(tokens, voice.length_scale, voice.pitch)
    if voice.provider == "espeak":
        return espeak_tts.synthesize(tokens, voice.engine_voice, voice.rate)
    key = provider_keys()[voice.key_name]
    if voice.provider == "openai":
        samples, rate = openai_tts.synthesize(
            text, voice.engine_voice, key, _setting("OPENAI_BASE_URL")
        )
        spans = None
    else:
        samples, rate, alignment = elevenlabs_tts.synthesize(
            text, voice.engine_voice, key, _setting("ELEVENLABS_BASE_URL")
        )
        spans = elevenlabs_tts.token_spans(text, tokens, alignment)
    if spans is None:
        words = aligner.align_samples(resample(samples, rate, aligner.RATE), aligner.RATE, tokens)
    else:
        words = to_words(tokens, spans, len(samples) / rate)
    return Speech(samples, rate, words)


def align_narration(audio_path: Path, text: str, lang: str = "en") -> Narration:
    """Timings for an uploaded narration of `text`. Raises ValueError if it cannot be decoded."""
    samples = load_audio(Path(audio_path), aligner.RATE)
    words = aligner.align_samples(samples, aligner.RATE, tokenize(text, lang))
    return Narration(Path(audio_path), len(samples) / aligner.RATE, words)


def align(audio_path: Path, text: str) -> list[Word]:
    """Word timings of `text` in an audio file without timings (see voice.align)."""
    return aligner.align(Path(audio_path), text)


def preview(voice_id: str) -> Path:
    """A short cached sample of the voice. Raises like `synthesize`."""
    voice = usable_voice(voice_id)
    text = PREVIEW_TEXT.get(voice.lang, PREVIEW_TEXT["en"])
    return synthesize(text, voice.id, data_dir() / "voice-previews").audio_path


def cache_key(voice: Voice, text: str) -> str:
    ident = json.dumps(
        [
            ENGINE_VERSION,
            voice.id,
            voice.engine_voice,
            voice.length_scale,
            voice.pitch,
            voice.rate,
            text,
        ]
    )
    return hashlib.sha256(ident.encode()).hexdigest()


def _cached(key: str) -> tuple[Path, float, list[Word]] | None:
    """The stored synthesis, or None. Its timings are written last: they mark it whole."""
    wav, meta = _cache_keys(key)
    try:
        data = json.loads(storage.fetch(meta).read_text())
        return storage.fetch(wav), data["duration_s"], [Word(*w) for w in data["words"]]
    except storage.MissingObject:
        return None


def _store(key: str, speech: Speech) -> tuple[Path, float, list[Word]]:
    wav, meta = _cache_keys(key)
    timings = {
        "duration_s": speech.duration_s,
        "words": [[w.text, w.start, w.end] for w in speech.words],
    }
    with storage.scratch_dir() as tmp:
        write_wav(tmp / "speech.wav", speech.samples, speech.sample_rate)
        (tmp / "speech.json").write_text(json.dumps(timings))
        storage.put_file(tmp / "speech.wav", key=wav, move=True)
        storage.put_file(tmp / "speech.json", key=meta, move=True)
    return storage.fetch(wav), speech.duration_s, speech.words


def _deliver(key: str, cached: tuple[Path, float, list[Word]], out_dir: Path) -> Narration:
    wav, duration, words = cached
    out_dir.mkdir(parents=True, exist_ok=True)
    dest = out_dir / f"narration-{key[:20]}.wav"
    if not dest.exists():
        try:
            os.link(wav, dest)
        except OSError:
            shutil.copyfile(wav, dest)
    return Narration(dest, duration, words)


def _cache_keys(key: str) -> tuple[str, str]:
    return f"voice-cache/{key[:2]}/{key}.wav", f"voice-cache/{key[:2]}/{key}.json"


def data_dir() -> Path:
    return Path(config.current()["DATA_DIR"])


def provider_keys() -> dict[str, str]:
    return config.current()["PROVIDER_KEYS"]


def _setting(name: str) -> str:
    return config.current()[name]
