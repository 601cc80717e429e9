"""The first-run checklist: what this install has connected (script writer, visuals,
voices, stock footage) and the exact environment variable that connects the rest.

Read from the running config only (no network): `fluxnote doctor` is the one that
proves a configured key works.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from fluxnote.catalog.services import all_models, provider_name
from fluxnote.voice.catalog import VOICES


@dataclass
class Check:
    """One line of the checklist. `state`: "ok" (a real provider is connected),
    "offline" (the free built-in fallback works, a key would do better)."""

    id: str
    label: str
    state: str
    now: str
    connected: list[str] = field(default_factory=list)
    to_connect: list[tuple[str, str]] = field(default_factory=list)  # (variable, what it adds)


def checklist(cfg: Mapping) -> list[Check]:
    """The four parts a creator's video is made of, each with what works today."""
    keys = cfg.get("PROVIDER_KEYS", {})
    stock = cfg.get("STOCK", {})
    return [
        _writer(cfg, keys),
        _visuals(keys),
        _voices(keys),
        _stock(stock),
    ]


def _writer(cfg: Mapping, keys: Mapping) -> Check:
    base = cfg.get("OPENAI_BASE_URL", "")
    model = cfg.get("WRITER_MODEL", "gpt-4o-mini")
    if base or keys.get("OPENAI_API_KEY"):
        where = base or "OpenAI"
        return Check("writer", "Script writer", "ok", f"{model} at {where}", [where])
    return Check(
        "writer",
        "Script writer",
        "offline",
        "Offline template writer: it cannot know facts, so paste a script or an article "
        "for anything factual.",
        to_connect=[
            ("OPENAI_API_KEY", "scripts written by OpenAI"),
            (
                "OPENAI_BASE_URL",
                "any OpenAI-compatible server, e.g. http://localhost:11434/v1 for Ollama",
            ),
            ("FLUXNOTE_WRITER_MODEL", f"the model it runs (now {model})"),
        ],
    )


_VISUAL_PROVIDERS = (  # (variable, catalogue provider id)
    ("FAL_KEY", "fal"),
    ("REPLICATE_API_TOKEN", "replicate"),
    ("OPENAI_API_KEY", "openai"),
    ("RUNWAYML_API_SECRET", "runway"),
)


def _models_of(provider: str) -> str:
    """ "3 video and 4 image models: Veo 3.1, Kling 3.0, ..." from the catalogue."""
    models = [m for m in all_models() if m.provider == provider]
    counts = " and ".join(
        f"{n} {kind} model{'s' if n != 1 else ''}"
        for kind in ("video", "image")
        if (n := sum(m.kind == kind for m in models))
    )
    names = ", ".join(m.name for m in models[:3])
    return f"{counts} ({names}{', …' if len(models) > 3 else ''})"


def _visuals(keys: Mapping) -> Check:
    connected = [provider_name(p) for var, p in _VISUAL_PROVIDERS if keys.get(var)]
    missing = [(var, _models_of(p)) for var, p in _VISUAL_PROVIDERS if not keys.get(var)]
    if connected:
        now = f"Generated images and video through {', '.join(connected)} (uses credits)"
        return Check("visuals", "Generated visuals", "ok", now, connected, missing)
    now = "Offline illustrations (free, always there)."
    return Check("visuals", "Generated visuals", "offline", now, to_connect=missing)


_OPENAI_VOICES = sum(1 for v in VOICES.values() if v.provider == "openai")
_VOICE_PROVIDERS = (
    ("ELEVENLABS_API_KEY", "ElevenLabs", "ElevenLabs voices"),
    ("OPENAI_API_KEY", "OpenAI", f"the {_OPENAI_VOICES} OpenAI voices"),
)


def _voices(keys: Mapping) -> Check:
    connected = [name for var, name, _ in _VOICE_PROVIDERS if keys.get(var)]
    missing = [(var, what) for var, _, what in _VOICE_PROVIDERS if not keys.get(var)]
    offline = "offline neural and espeak-ng voices"
    if connected:
        now = f"{', '.join(connected)} voices, plus the {offline}"
        return Check("voices", "Voices", "ok", now, connected, missing)
    now = f"The {offline} (free, many languages)."
    return Check("voices", "Voices", "offline", now, to_connect=missing)


_STOCK_PROVIDERS = (
    ("PEXELS_API_KEY", "Pexels", "free Pexels videos and photos"),
    ("PIXABAY_API_KEY", "Pixabay", "free Pixabay videos and photos"),
)


def _stock(stock: Mapping) -> Check:
    connected = [name for var, name, _ in _STOCK_PROVIDERS if stock.get(var)]
    missing = [(var, what) for var, _, what in _STOCK_PROVIDERS if not stock.get(var)]
    if connected:
        now = f"Stock footage from {', '.join(connected)} (free, attributed)"
        return Check("stock", "Stock footage", "ok", now, connected, missing)
    now = "Not connected: real footage for free needs a free API key."
    return Check("stock", "Stock footage", "offline", now, to_connect=missing)
