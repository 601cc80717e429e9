"""Narration for a script: synthesis with word timings, offline alignment, previews.

Everything here is free (no credits). Results are cached under DATA_DIR/voice-cache by a
hash of (engine version, voice, text): re-rendering, restyling or swapping back to a voice
never runs TTS twice, and swapping to a new voice simply synthesises again.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, has_app_context

from fluxnote.render.spec import Word
from fluxnote.voice import align as aligner
from fluxnote.voice import elevenlabs_tts, espeak_tts, openai_tts, piper_tts
from fluxnote.voice.audio import load_audio, resample, write_wav
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
        samples, rate = openai_tts.synthesize(text, voice.engine_voice, key, _setting("OPENAI_BASE_URL"))
        spans = None
    else:
        samples, rate, alignment = elevenlabs_tts.synthesize(
            text, voice.engine_voice, key, _setting("ELEVENLABS_BASE_URL"))
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
    ident = json.dumps([ENGINE_VERSION, voice.id, voice.engine_voice, voice.length_scale,
                        voice.pitch, voice.rate, text])
    return hashlib.sha256(ident.encode()).hexdigest()


def _cached(key: str) -> tuple[Path, float, list[Word]] | None:
    wav, meta = _cache_paths(key)
    if not (wav.exists() and meta.exists()):
        return None
    data = json.loads(meta.read_text())
    return wav, data["duration_s"], [Word(*w) for w in data["words"]]


def _store(key: str, speech: Speech) -> tuple[Path, float, list[Word]]:
    wav, meta = _cache_paths(key)
    write_wav(wav, speech.samples, speech.sample_rate)
    tmp = meta.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"duration_s": speech.duration_s,
                               "words": [[w.text, w.start, w.end] for w in speech.words]}))
    os.replace(tmp, meta)
    return wav, speech.duration_s, speech.words


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


def _cache_paths(key: str) -> tuple[Path, Path]:
    folder = data_dir() / "voice-cache" / key[:2]
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{key}.wav", folder / f"{key}.json"


def data_dir() -> Path:
    if has_app_context():
        return Path(current_app.config["DATA_DIR"])
    return Path(os.environ.get("FLUXNOTE_DATA_DIR", "instance")).resolve()


def provider_keys() -> dict[str, str]:
    if has_app_context():
        return current_app.config.get("PROVIDER_KEYS") or {}
    return {k: os.environ.get(k, "") for k in ("OPENAI_API_KEY", "ELEVENLABS_API_KEY")}


def _setting(name: str) -> str:
    value = current_app.config.get(name) if has_app_context() else None
    return value or os.environ.get(name, "")
