"""OpenAI text-to-speech (`audio.speech.create`); it gives no timings, so the narration is
aligned to the script offline. Honours OPENAI_BASE_URL (any compatible server)."""
from __future__ import annotations

import numpy as np

from fluxnote.voice.errors import VoiceProviderError

MODEL = "gpt-4o-mini-tts"
PCM_RATE = 24000  # response_format="pcm": raw 16-bit little-endian mono at 24 kHz
MAX_INPUT = 4096


def synthesize(text: str, voice: str, api_key: str, base_url: str | None = None,
               timeout: float = 120.0) -> tuple[np.ndarray, int]:
    """Mono float samples and their rate for `text` in OpenAI voice `voice`.

    Raises VoiceProviderError when the text is too long, the service answers an error or
    returns no audio.
    """
    import openai
    if len(text) > MAX_INPUT:
        raise VoiceProviderError(f"OpenAI TTS takes at most {MAX_INPUT} characters per narration.")
    client = openai.OpenAI(api_key=api_key, base_url=base_url or None, max_retries=1,
                           timeout=timeout)
    try:
        response = client.audio.speech.create(model=MODEL, voice=voice, input=text,
                                              response_format="pcm")
        pcm = response.content
    except openai.APIStatusError as exc:
        raise VoiceProviderError(f"OpenAI TTS answered {exc.status_code}: {exc.message}") from exc
    except openai.OpenAIError as exc:
        raise VoiceProviderError(f"OpenAI TTS failed: {exc}") from exc
    if len(pcm) < 2:
        raise VoiceProviderError("OpenAI TTS returned no audio.")
    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2") / 32768.0
    return samples.astype(np.float32), PCM_RATE
