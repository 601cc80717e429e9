"""Doctor checks for narration: the offline Piper voice loads, and ElevenLabs (when its
key is set) answers one cheap authenticated call (GET /v1/user). OpenAI voices share the
OpenAI key, which the providers' check already calls."""

from __future__ import annotations

from fluxnote import config
from fluxnote.checks import Check, CheckFailed
from fluxnote.voice import elevenlabs_tts, piper_tts
from fluxnote.voice.errors import VoiceProviderError

TIMEOUT_S = 10.0


def checks() -> list[Check]:
    cfg = config.current()
    key = cfg["PROVIDER_KEYS"].get("ELEVENLABS_API_KEY", "").strip()
    base_url = cfg.get("ELEVENLABS_BASE_URL") or None

    def elevenlabs() -> str:
        try:
            return elevenlabs_tts.account(key, base_url, TIMEOUT_S)
        except VoiceProviderError as exc:
            raise CheckFailed(str(exc)) from exc

    return [
        Check("offline voice", offline_voice),
        Check("elevenlabs", elevenlabs if key else None, "set ELEVENLABS_API_KEY"),
    ]


def offline_voice() -> str:
    """The Piper voice model loads (CheckFailed naming why not)."""
    try:
        voice = piper_tts.load_voice()
    except (OSError, ImportError, ValueError, RuntimeError) as exc:
        raise CheckFailed(f"Piper voice does not load: {exc}"[:200]) from exc
    return f"Piper voice loads ({voice.config.sample_rate} Hz)"
