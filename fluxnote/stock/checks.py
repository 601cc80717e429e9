"""Doctor checks for stock footage: each library with a key (Pexels, Pixabay) answers one
photo search."""

from __future__ import annotations

from fluxnote import config
from fluxnote.checks import Check, CheckFailed
from fluxnote.stock.search import StockError, search

PROBE = "ocean"
KEYS = {"pexels": "PEXELS_API_KEY", "pixabay": "PIXABAY_API_KEY"}


def checks() -> list[Check]:
    cfg = dict(config.current()["STOCK"])

    def probe(provider: str):
        def run() -> str:
            try:
                items = search(cfg, provider, PROBE, "image", None)
            except StockError as exc:
                raise CheckFailed(str(exc)) from exc
            return f"search answered ({len(items)} photos for {PROBE!r})"

        return run

    return [
        Check(provider, probe(provider) if cfg.get(key) else None, f"set {key}")
        for provider, key in KEYS.items()
    ]
