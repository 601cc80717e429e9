"""ElevenLabs text-to-speech with character timestamps (`/with-timestamps`), mapped to the
script's words."""
from __future__ import annotations

import base64

import httpx
import numpy as np

from fluxnote.voice.errors import VoiceProviderError
from fluxnote.voice.normalize import Token
from fluxnote.voice.timing import match_sequences

BASE_URL = "https://api.elevenlabs.io"
MODEL = "eleven_multilingual_v2"
PCM_RATE = 22050


def synthesize(text: str, voice_id: str, api_key: str, base_url: str | None = None,
               timeout: float = 120.0) -> tuple[np.ndarray, int, dict]:
    """Mono float samples, their rate and the character alignment
    (`characters`, `character_start_times_seconds`, `character_end_times_seconds`).

    Raises VoiceProviderError on an error answer, a network failure or a malformed body.
    """
    url = f"{(base_url or BASE_URL).rstrip('/')}/v1/text-to-speech/{voice_id}/with-timestamps"
    try:
        response = httpx.post(url, params={"output_format": f"pcm_{PCM_RATE}"},
                              headers={"xi-api-key": api_key},
                              json={"text": text, "model_id": MODEL}, timeout=timeout)
    except httpx.HTTPError as exc:
        raise VoiceProviderError(f"ElevenLabs is unreachable: {exc}") from exc
    if response.status_code != 200:
        raise VoiceProviderError(f"ElevenLabs answered {response.status_code}: {_detail(response)}")
    try:
        body = response.json()
        pcm = base64.b64decode(body["audio_base64"])
        alignment = body.get("alignment") or {}
    except (ValueError, KeyError, TypeError) as exc:
        raise VoiceProviderError("ElevenLabs returned a malformed answer.") from exc
    if len(pcm) < 2:
        raise VoiceProviderError("ElevenLabs returned no audio.")
    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2") / 32768.0
    return samples.astype(np.float32), PCM_RATE, alignment


def token_spans(text: str, tokens: list[Token], alignment: dict) -> list[tuple[float, float] | None] | None:
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


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        return response.text[:200]
    if isinstance(detail, dict):
        return str(detail.get("message") or detail.get("status") or detail)[:200]
    return str(detail)[:200]
