"""ElevenLabs text-to-speech with character timestamps (`convert_with_timestamps`), mapped
to the script's words, on the official `elevenlabs` SDK (it honours ELEVENLABS_BASE_URL)."""

from __future__ import annotations

import base64
import binascii

import httpx
import numpy as np
from elevenlabs.client import ElevenLabs
from elevenlabs.core.api_error import ApiError

from fluxnote.voice.errors import VoiceProviderError
from fluxnote.voice.normalize import Token
from fluxnote.voice.timing import match_sequences

BASE_URL = "https://api.elevenlabs.io"
MODEL = "eleven_multilingual_v2"
PCM_RATE = 22050


def _client(api_key: str, base_url: str | None, timeout: float) -> ElevenLabs:
    return ElevenLabs(api_key=api_key, base_url=(base_url or BASE_URL).rstrip("/"), timeout=timeout)


def synthesize(
    text: str, voice_id: str, api_key: str, base_url: str | None = None, timeout: float = 120.0
) -> tuple[np.ndarray, int, dict]:
    """Mono float samples, their rate and the character alignment
    (`characters`, `character_start_times_seconds`, `character_end_times_seconds`).

    Raises VoiceProviderError on an error answer, a network failure or a malformed body.
    """
    try:
        answer = _client(api_key, base_url, timeout).text_to_speech.convert_with_timestamps(
            voice_id, text=text, model_id=MODEL, output_format=f"pcm_{PCM_RATE}"
        )
        pcm = base64.b64decode(answer.audio_base_64 or "", validate=True)
    except ApiError as exc:
        raise VoiceProviderError(f"ElevenLabs answered {exc.status_code}: {_detail(exc)}") from exc
    except httpx.HTTPError as exc:
        raise VoiceProviderError(f"ElevenLabs is unreachable: {exc}") from exc
    except (ValueError, binascii.Error, TypeError) as exc:
        raise VoiceProviderError("ElevenLabs returned a malformed answer.") from exc
    if len(pcm) < 2:
        raise VoiceProviderError("ElevenLabs returned no audio.")
    alignment = answer.alignment.dict() if answer.alignment is not None else {}
    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2") / 32768.0
    return samples.astype(np.float32), PCM_RATE, alignment


def account(api_key: str, base_url: str | None = None, timeout: float = 10.0) -> str:
    """One cheap authenticated call (GET /v1/user): the plan and characters left.

    Raises VoiceProviderError like `synthesize`."""
    try:
        user = _client(api_key, base_url, timeout).user.get()
    except ApiError as exc:
        raise VoiceProviderError(f"ElevenLabs answered {exc.status_code}: {_detail(exc)}") from exc
    except httpx.HTTPError as exc:
        raise VoiceProviderError(f"ElevenLabs is unreachable: {exc}") from exc
    sub = user.subscription
    left = sub.character_limit - sub.character_count
    return f"{sub.tier} plan, {left} of {sub.character_limit} characters left"


def token_spans(
    text: str, tokens: list[Token], alignment: dict
) -> list[tuple[float, float] | None] | None:
    """Each token's (start, end) from the character alignment of `text`, or None when there
    is no usable alignment. Characters are matched by edit distance, so an alignment of a
    slightly different text (a stripped space, a normalised quote) still maps word by word."""
    chars = alignment.get("characters") or []
    starts = alignment.get("character_start_times_seconds") or []
    ends = alignment.get("character_end_times_seconds") or []
    if not chars or not len(chars) == len(starts) == len(ends):
        return None
    where = list(range(len(text))) if "".join(chars) == text else match_sequences(list(text), chars)
    spans: list[tuple[float, float] | None] = []
    for token in tokens:
        first, last = where[token.at], where[token.at + len(token.text) - 1]
        spans.append((float(starts[first]), float(ends[last])))
    return spans


def _detail(exc: ApiError) -> str:
    body = exc.body
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, dict):
        return str(detail.get("message") or detail.get("status") or detail)[:200]
    return str(detail)[:200]
