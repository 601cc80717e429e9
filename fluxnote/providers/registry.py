"""Provider ids → adapters, configured from the app config (`PROVIDER_KEYS`,
`PROVIDER_SETTINGS`, `OPENAI_BASE_URL`), or from the environment outside an app."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from flask import current_app, has_app_context

from fluxnote.providers.base import Provider
from fluxnote.providers.fal import FalProvider
from fluxnote.providers.offline import OfflineProvider
from fluxnote.providers.openai_images import OpenAIImagesProvider
from fluxnote.providers.replicate import ReplicateProvider
from fluxnote.providers.runway import RunwayProvider

ENV_KEYS: dict[str, str | None] = {"offline": None, "fal": "FAL_KEY",
                                   "replicate": "REPLICATE_API_TOKEN",
                                   "openai": "OPENAI_API_KEY", "runway": "RUNWAYML_API_SECRET"}


def _settings() -> dict[str, str]:
    """Keys, URLs and the work dir: the app's config in an app context, else os.environ."""
    if not has_app_context():
        return dict(os.environ)
    cfg = current_app.config
    return {**cfg.get("PROVIDER_SETTINGS", {}), **cfg.get("PROVIDER_KEYS", {}),
            "OPENAI_BASE_URL": cfg.get("OPENAI_BASE_URL", ""), "DATA_DIR": cfg.get("DATA_DIR", "")}


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
    "fal": lambda s: FalProvider(s.get("FAL_KEY", ""), s.get("FAL_QUEUE_URL", ""),
                                 s.get("FAL_JWKS_URL", ""), _timeout(s, 30.0)),
    "replicate": lambda s: ReplicateProvider(s.get("REPLICATE_API_TOKEN", ""),
                                             s.get("REPLICATE_BASE_URL", ""),
                                             s.get("REPLICATE_WEBHOOK_SECRET", ""), _timeout(s, 30.0)),
    "openai": lambda s: OpenAIImagesProvider(s.get("OPENAI_API_KEY", ""), s.get("OPENAI_BASE_URL", ""),
                                             _timeout(s, 180.0), _work_dir(s, "openai")),
    "runway": lambda s: RunwayProvider(s.get("RUNWAYML_API_SECRET", ""), s.get("RUNWAY_BASE_URL", ""),
                                       _timeout(s, 30.0)),
}
PROVIDER_IDS = tuple(_BUILDERS)


def get_provider(provider_id: str) -> Provider:
    """The configured adapter for `provider_id`. KeyError for an unknown id."""
    return _BUILDERS[provider_id](_settings())


def missing_key(provider_id: str) -> str | None:
    """What to configure before `provider_id` can run ("set FAL_KEY"), or None when ready.

    KeyError for an unknown id.
    """
    env_key = ENV_KEYS[provider_id]
    if env_key is None or _settings().get(env_key, "").strip():
        return None
    return f"set {env_key}"
