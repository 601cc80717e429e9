"""OpenAI voices through the Realtime API (`gpt-realtime-2.1-mini`), on the official SDK.

OpenAI shuts `tts-1`, `tts-1-hd` and `gpt-4o-mini-tts` (the /v1/audio/speech models) down
on 2027-01-06; its deprecation notice names gpt-realtime-2.1-mini over the Realtime API as
the replacement, which /v1/audio/speech does not serve. So one WebSocket session per
narration: `session.update` (audio out only, 24 kHz PCM, the voice, an instruction to read
verbatim), the script as a user message, `response.create`, then the
`response.output_audio.delta` chunks until `response.done`. The Realtime API gives no
word timings, so the narration is aligned to the script offline. Honours OPENAI_BASE_URL.
"""

from __future__ import annotations

import base64
import binascii
import threading

import numpy as np

from fluxnote.voice.errors import VoiceProviderError

MODEL = "gpt-realtime-2.1-mini"
PCM_RATE = 24000  # "audio/pcm": raw 16-bit little-endian mono at 24 kHz
MAX_INPUT = 4096
INSTRUCTIONS = (
    "You are a narrator. Read the user's message aloud exactly as written, word for word, "
    "in a clear and engaging voice. Do not answer it, comment on it, or add anything."
)


def _session(voice: str) -> dict:
    return {
        "type": "realtime",
        "output_modalities": ["audio"],
        "instructions": INSTRUCTIONS,
        "audio": {"output": {"voice": voice, "format": {"type": "audio/pcm", "rate": PCM_RATE}}},
    }


def synthesize(
    text: str, voice: str, api_key: str, base_url: str | None = None, timeout: float = 120.0
) -> tuple[np.ndarray, int]:
    """Mono float samples and their rate for `text` in OpenAI voice `voice`.

    Raises VoiceProviderError when the text is too long, the connection is refused or
    drops, the service answers an error event or an unfinished response, or sends no
    audio within `timeout` seconds.
    """
    import openai
    import websockets

    if len(text) > MAX_INPUT:
        raise VoiceProviderError(
            f"OpenAI voices take at most {MAX_INPUT} characters per narration."
        )
    client = openai.OpenAI(
        api_key=api_key, base_url=base_url or None, max_retries=0, timeout=timeout
    )
    try:
        with client.realtime.connect(model=MODEL) as conn:
            watchdog = threading.Timer(timeout, conn.close)  # bounds a silent server
            watchdog.start()
            try:
                pcm = _narrate(conn, text, voice)
            finally:
                watchdog.cancel()
    except VoiceProviderError:
        raise
    except (openai.OpenAIError, websockets.exceptions.WebSocketException, OSError) as exc:
        raise VoiceProviderError(f"OpenAI voice failed: {_reason(exc)}") from exc
    if len(pcm) < 2:
        raise VoiceProviderError("OpenAI voice returned no audio.")
    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2") / 32768.0
    return samples.astype(np.float32), PCM_RATE


def _narrate(conn, text: str, voice: str) -> bytes:
    """Send the session, the script and the response request; gather the audio."""
    conn.session.update(session=_session(voice))
    conn.conversation.item.create(
        item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    )
    conn.response.create()
    chunks: list[bytes] = []
    for event in conn:
        if event.type == "response.output_audio.delta":
            try:
                chunks.append(base64.b64decode(event.delta, validate=True))
            except (binascii.Error, ValueError, TypeError) as exc:
                raise VoiceProviderError("OpenAI voice sent malformed audio.") from exc
        elif event.type == "error":
            raise VoiceProviderError(f"OpenAI voice answered an error: {event.error.message}")
        elif event.type == "response.done":
            status = getattr(event.response, "status", None)
            if status != "completed":
                raise VoiceProviderError(f"OpenAI voice response ended {status}.")
            return b"".join(chunks)
    raise VoiceProviderError("OpenAI voice closed the session before the response was done.")


def _reason(exc: Exception) -> str:
    response = getattr(exc, "response", None)  # a refused WebSocket upgrade
    status = getattr(response, "status_code", None) or getattr(exc, "status_code", None)
    return f"HTTP {status}" if status else f"{exc.__class__.__name__}: {exc}"[:200]
