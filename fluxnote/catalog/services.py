"""Reading the catalogue (one data file) and telling which models can run right now.

A third-party model runs only on its own provider with its own key: without the key it
is listed as unavailable with the reason, never silently served by another engine.
"""
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

KINDS = ("video", "image")
ASPECTS = ("9:16", "16:9", "1:1")


@dataclass(frozen=True)
class CatalogModel:
    id: str
    name: str
    kind: str
    provider: str
    provider_model: str
    resolutions: tuple[str, ...]
    max_duration_s: int | None = None
    durations: tuple[int, ...] = ()    # the only clip lengths the model makes, when it is picky
    image_to_video: bool = False
    requires_source_image: bool = False

    @property
    def offline(self) -> bool:
        return self.provider == "offline"

    def resolution(self, aspect: str) -> str:
        """The listed resolution closest to `aspect` (portrait, landscape or square)."""
        want = {"9:16": -1, "16:9": 1, "1:1": 0}[aspect]
        for res in self.resolutions:
            w, h = (int(v) for v in res.split("x"))
            if (w > h) - (w < h) == want:
                return res
        return self.resolutions[0]


@cache
def _data() -> dict:
    return json.loads((Path(__file__).parent / "models.json").read_text())


@cache
def all_models() -> tuple[CatalogModel, ...]:
    """Every model, video first, in file order."""
    return tuple(CatalogModel(kind=kind, resolutions=tuple(m.pop("resolutions")),
                              durations=tuple(m.pop("durations", ())), **m)
                 for kind in KINDS for m in (dict(row) for row in _data()[kind]))


def get_model(model_id: str) -> CatalogModel | None:
    """The model with this id, or None."""
    return next((m for m in all_models() if m.id == model_id), None)


def provider_name(provider_id: str) -> str:
    return _data()["providers"][provider_id]["name"]


def unavailable_reason(model: CatalogModel) -> str | None:
    """Why `model` cannot run now ("set FAL_KEY"), or None when it can."""
    from fluxnote.providers.registry import missing_key
    return missing_key(model.provider)


def listing() -> dict[str, list[dict]]:
    """`GET /api/v1/models`: both kinds, each model with its availability."""
    out: dict[str, list[dict]] = {kind: [] for kind in KINDS}
    for model in all_models():
        row = {"id": model.id, "name": model.name, "provider": model.provider,
               "provider_model": model.provider_model, "resolutions": list(model.resolutions),
               "credit_kind": model.kind, "credit_cost": 1, "available": True}
        reason = unavailable_reason(model)
        if reason:
            row.update(available=False, unavailable_reason=reason)
        if model.kind == "video":
            row.update(max_duration_s=model.max_duration_s, image_to_video=model.image_to_video,
                       requires_source_image=model.requires_source_image)
            if model.durations:
                row["durations"] = list(model.durations)
        out[model.kind].append(row)
    return out
