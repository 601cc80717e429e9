"""Provider ids → adapters, configured from the app config (`PROVIDER_KEYS`,
`PROVIDER_SETTINGS`, `OPENAI_BASE_URL`), or from the environment outside an app."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from fluxnote import config
from fluxnote.providers.base import Provider
from fluxnote.providers.fal import FalProvider
from fluxnote.providers.offline import OfflineProvider
from fluxnote.providers.openai_images import OpenAIImagesProvider
from fluxnote.providers.replicate import ReplicateProvider
from fluxnote.providers.runway import RunwayProvider

_ADAPTERS: dict[str, type[Provider]] = {
    "offline": OfflineProvider,
    "fal": FalProvider,
    "replicate": ReplicateProvider,
    "openai": OpenAIImagesProvider,
    "runway": RunwayProvider,
}
ENV_KEYS = {pid: adapter.env_key for pid, adapter in _ADAPTERS.items()}


def _settings() -> dict[str, str]:
    """Keys, URLs and the work dir, from the one config."""
    cfg = config.current()
    return {
        **cfg.get("PROVIDER_SETTINGS", {}),
        **cfg.get("PROVIDER_KEYS", {}),
        "OPENAI_BASE_URL": cfg.get("OPENAI_BASE_URL", ""),
        "DATA_DIR": cfg.get("DATA_DIR", ""),
        "ALLOW_PRIVATE_URLS": "1" if cfg.get("ALLOW_PRIVATE_URLS") else "",
    }


def _work_dir(s: dict[str, str], name: str) -> Path:
    root = Path(s["DATA_DIR"]) / "tmp" if s.get("DATA_DIR") else Path(tempfile.gettempdir())
    return root / f"fluxnote-{name}"


def _timeout(s: dict[str, str], default: float) -> float:
    try:
        return float(s.get("PROVIDER_TIMEOUT_S") or default)
    except ValueError:
        return default


_BUILDERS: dict[str, Callable[[dict[str, str]], Provider]] = {
    "offline": lambda s: OfflineProvider(_work_dir(s, "offline")),
    "fal": lambda s: FalProvider(
        s.get("FAL_KEY", ""),
        s.get("FAL_QUEUE_URL", ""),
        s.get("FAL_JWKS_URL", ""),
        _timeout(s, 30.0),
        s.get("FAL_REST_URL", ""),
        bool(s.get("ALLOW_PRIVATE_URLS")),
    ),
    "replicate": lambda s: ReplicateProvider(
        s.get("REPLICATE_API_TOKEN", ""),
        s.get("REPLICATE_BASE_URL", ""),
        s.get("REPLICATE_WEBHOOK_SECRET", ""),
        _timeout(s, 30.0),
        bool(s.get("ALLOW_PRIVATE_URLS")),
    ),
    "openai": lambda s: OpenAIImagesProvider(
        s.get("OPENAI_API_KEY", ""),
        s.get("OPENAI_BASE_URL", ""),
        _timeout(s, 180.0),
        _work_dir(s, "openai"),
        bool(s.get("ALLOW_PRIVATE_URLS")),
    ),
    "runway": lambda s: RunwayProvider(
        s.get("RUNWAYML_API_SECRET", ""),
        s.get("RUNWAY_BASE_URL", ""),
        _timeout(s, 30.0),
        bool(s.get("ALLOW_PRIVATE_URLS")),
    ),
}
PROVIDER_IDS = tuple(_BUILDERS)


ADAPTERS: dict[str, type] = {
    "offline": OfflineProvider,
    "fal": FalProvider,
    "replicate": ReplicateProvider,
    "openai": OpenAIImagesProvider,
    "runway": RunwayProvider,
}


def takes_webhooks(provider_id: str) -> bool:
    """True if `provider_id` calls back to /webhooks/<provider_id> (False if unknown)."""
    adapter = ADAPTERS.get(provider_id)
    return bool(adapter and adapter.webhooks)


def get_provider(provider_id: str, timeout_s: float | None = None) -> Provider:
    """The configured adapter for `provider_id` (with every HTTP call bounded by
    `timeout_s` when given). KeyError for an unknown id."""
    settings = _settings()
    if timeout_s is not None:
        settings["PROVIDER_TIMEOUT_S"] = str(timeout_s)
    return _BUILDERS[provider_id](settings)


def missing_key(provider_id: str) -> str | None:
    """What to configure before `provider_id` can run ("set FAL_KEY"), or None when ready.

    KeyError for an unknown id.
    """
    env_key = ENV_KEYS[provider_id]
    if env_key is None or _settings().get(env_key, "").strip():
        return None
    return f"set {env_key}"
