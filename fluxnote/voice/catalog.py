"""The voice catalogue (data): offline piper and espeak-ng voices, OpenAI and ElevenLabs.

Offline voices are always available. A third-party voice is listed either way but usable
only when its provider key is set (config PROVIDER_KEYS, read from the environment).
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_VOICE = "piper-joe"


@dataclass(frozen=True)
class Voice:
    """One selectable voice. `engine_voice` is the provider's own voice name or id;
    `length_scale`/`pitch` tune piper variants (pitch < 1 is deeper), `rate` and `pitch`
    espeak (words per minute, 0–99)."""

    id: str
    name: str
    provider: str
    language: str
    engine_voice: str
    description: str = ""
    length_scale: float = 1.0
    pitch: float = 1.0
    rate: int = 165

    @property
    def key_name(self) -> str | None:
        return {"openai": "OPENAI_API_KEY", "elevenlabs": "ELEVENLABS_API_KEY"}.get(self.provider)

    @property
    def lang(self) -> str:
        """Two-letter language used by the text normaliser."""
        return self.language.split("-")[0]


_JOE = [
    ("piper-joe", "Joe", "Clear US English male narrator (offline, neural)", 1.0, 1.0),
    ("piper-joe-calm", "Joe — calm", "Slower and a touch lower: explainers, quotes", 1.18, 0.96),
    ("piper-joe-energetic", "Joe — energetic", "Faster and brighter: listicles, ads", 0.86, 1.07),
    ("piper-joe-deep", "Joe — deep", "Deeper voice, steady pace: stories, suspense", 1.05, 0.88),
    ("piper-joe-fast", "Joe — fast", "Quick read for packed scripts", 0.78, 1.0),
]
_ESPEAK = [  # (espeak voice+variant, language, label, display name)
    ("es+f3", "es-ES", "Spanish (Spain)", "Lucía"),
    ("es-419+m3", "es-419", "Spanish (Latin America)", "Mateo"),
    ("fr+f2", "fr-FR", "French", "Camille"),
    ("de+m3", "de-DE", "German", "Lukas"),
    ("it+f3", "it-IT", "Italian", "Giulia"),
    ("pt+f2", "pt-PT", "Portuguese (Portugal)", "Inês"),
    ("pt-BR+m3", "pt-BR", "Portuguese (Brazil)", "Rafael"),
    ("nl+m1", "nl-NL", "Dutch", "Daan"),
    ("en-GB-x-rp+m3", "en-GB", "British English", "Oliver"),
]
_OPENAI = [
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
]
_ELEVENLABS = [
    ("21m00Tcm4TlvDq8ikWAM", "Rachel"),
    ("9BWtsMINqrJLrRacOk9x", "Aria"),
    ("CwhRBWXzGAHq8TQ4Fs17", "Roger"),
    ("EXAVITQu4vr4xnSDxMaL", "Sarah"),
    ("FGY2WhTYpPnrIDTdsKH5", "Laura"),
    ("IKne3meq5aSn9XLyUdCD", "Charlie"),
    ("JBFqnCBsd6RMkjVDRZzb", "George"),
    ("N2lVS1w4EtoT3dr4eOWO", "Callum"),
    ("SAz9YHcvj6GT2YYXdXww", "River"),
    ("TX3LPaxmHKxFdv7VOQHJ", "Liam"),
    ("Xb7hH8MSUJpSbSDYk0k2", "Alice"),
    ("XrExE9yKIg1WjnnlVkGX", "Matilda"),
    ("bIHbv24MWmeRgasZH58o", "Will"),
    ("cgSgspJ2msm6clMCkdW9", "Jessica"),
    ("cjVigY5qzO86Huf0OWal", "Eric"),
    ("iP95p4xoKVk53GoZ742B", "Chris"),
    ("nPczCjzI2devNBz1zQrb", "Brian"),
    ("onwK4e9ZLuTAKqWW03F9", "Daniel"),
    ("pFZP5JQG7iQjIQuC4Bku", "Lily"),
    ("pqHfZKP75CvOlQylNhV4", "Bill"),
]

VOICES: dict[str, Voice] = {
    v.id: v
    for v in [
        *(Voice(i, n, "piper", "en-US", "en_US-joe-medium", d, ls, p) for i, n, d, ls, p in _JOE),
        *(
            Voice(
                f"espeak-{lang.lower()}",
                f"{name} — {label}",
                "espeak",
                lang,
                code,
                f"{label} (offline, espeak-ng: robotic but clear)",
            )
            for code, lang, label, name in _ESPEAK
        ),
        *(
            Voice(
                f"openai-{v}",
                v.capitalize(),
                "openai",
                "en-US",
                v,
                "OpenAI voice (gpt-realtime-2.1-mini)",
            )
            for v in _OPENAI
        ),
        *(
            Voice(
                f"elevenlabs-{name.lower()}",
                name,
                "elevenlabs",
                "en-US",
                vid,
                "ElevenLabs premade voice (multilingual v2)",
            )
            for vid, name in _ELEVENLABS
        ),
    ]
}


def get_voice(voice_id: str) -> Voice | None:
    return VOICES.get(voice_id)


def unavailable_reason(voice: Voice, keys: dict[str, str]) -> str | None:
    """Why a voice cannot be used with these provider keys, or None when it can."""
    if voice.key_name and not keys.get(voice.key_name):
        return f"Set {voice.key_name} to use {voice.provider} voices."
    return None


def catalogue(keys: dict[str, str]) -> list[dict]:
    """Every voice as the API shows it, with its availability under `keys`."""
    rows = []
    for voice in VOICES.values():
        reason = unavailable_reason(voice, keys)
        row = {
            "id": voice.id,
            "name": voice.name,
            "provider": voice.provider,
            "language": voice.language,
            "description": voice.description,
            "available": reason is None,
            "preview_url": f"/voices/{voice.id}/preview.wav",
        }
        if reason:
            row["unavailable_reason"] = reason
        rows.append(row)
    return rows
