"""Reading the catalogue (one data file) and telling which models can run right now.

A third-party model runs only on its own provider with its own key: without the key it
is listed as unavailable with the reason, never silently served by another engine.

Each model states what it really makes, as its provider documents it: the aspects it can
frame (`aspects`, with one output size each in `resolutions`), the clip lengths it takes,
its output resolution, what it does with sound (`audio`: "none" makes none, "off" could
but is asked not to, "discarded" may add some that the render drops) and whether it takes
a first frame. An aspect a model cannot frame is generated at its nearest shape and
fitted (centre-cropped) in the render; `fit_notice` says so in words.
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fluxnote.media.frames import orientation
from fluxnote.plans import KINDS


@dataclass(frozen=True)
class CatalogModel:
    id: str
    name: str
    kind: str
    provider: str
    provider_model: str
    aspects: tuple[str, ...]  # the aspects it frames natively, in preference order
    resolutions: tuple[str, ...]  # the output size of each of `aspects`, same order
    max_duration_s: int | None = None
    durations: tuple[int, ...] = ()  # the only clip lengths the model makes, when it is picky
    output_resolution: str | None = None  # video: "1080p", "768p", "720p"
    audio: str = "none"  # video: "none" | "off" | "discarded" (see the module docstring)
    image_to_video: bool = False
    requires_source_image: bool = False
    image_sets_aspect: bool = False  # with a first frame, the clip takes the frame's shape

    @property
    def offline(self) -> bool:
        return self.provider == "offline"

    def native_aspect(self, aspect: str, with_image: bool = False) -> str:
        """The aspect the model is asked for when `aspect` is wanted: `aspect` itself when
        it can frame it (or a first frame sets the shape), else its nearest: same
        orientation first, then its first listed aspect."""
        if aspect in self.aspects or (with_image and self.image_sets_aspect):
            return aspect
        want = orientation(aspect)
        same = [a for a in self.aspects if orientation(a) == want]
        return (same or list(self.aspects))[0]

    def resolution(self, aspect: str) -> str:
        """The output size ("1080x1920") the model makes when `aspect` is wanted."""
        return self.resolutions[self.aspects.index(self.native_aspect(aspect))]

    def fit_notice(self, aspect: str, with_image: bool = False) -> str | None:
        """Why the result will be cropped in the render, or None when it fits as made."""
        native = self.native_aspect(aspect, with_image)
        if native == aspect:
            return None
        return (
            f"{self.name} cannot make {aspect}; it is generated at {native} and "
            f"centre-cropped to {aspect} in the render."
        )


@cache
def _data() -> dict:
    return json.loads((Path(__file__).parent / "models.json").read_text())


@cache
def all_models() -> tuple[CatalogModel, ...]:
    """Every model, video first, in file order."""
    return tuple(
        CatalogModel(
            kind=kind,
            aspects=tuple(m.pop("aspects")),
            resolutions=tuple(m.pop("resolutions")),
            durations=tuple(m.pop("durations", ())),
            **m,
        )
        for kind in KINDS
        for m in (dict(row) for row in _data()[kind])
    )


def get_model(model_id: str) -> CatalogModel | None:
    """The model with this id, or None."""
    return next((m for m in all_models() if m.id == model_id), None)


def retired_reason(model_id: str) -> str | None:
    """Why a model that used to be listed is gone ("OpenAI shut ... down on ..."), or None."""
    return _data()["retired"].get(model_id)


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
        row = {
            "id": model.id,
            "name": model.name,
            "provider": model.provider,
            "provider_model": model.provider_model,
            "resolutions": list(model.resolutions),
            "aspects": list(model.aspects),
            "credit_kind": model.kind,
            "credit_cost": 1,
            "available": True,
        }
        reason = unavailable_reason(model)
        if reason:
            row.update(available=False, unavailable_reason=reason)
        if model.kind == "video":
            row.update(
                max_duration_s=model.max_duration_s,
                image_to_video=model.image_to_video,
                requires_source_image=model.requires_source_image,
                output_resolution=model.output_resolution,
                audio=model.audio,
                image_sets_aspect=model.image_sets_aspect,
            )
            if model.durations:
                row["durations"] = list(model.durations)
        out[model.kind].append(row)
    return out
