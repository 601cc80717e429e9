"""Turning a generation request body (API JSON or studio form) into a checked spec."""
from dataclasses import dataclass

from fluxnote.assets.services import get_asset
from fluxnote.catalog.services import ASPECTS, KINDS, CatalogModel, get_model, unavailable_reason

PROMPT_MAX = 2000
MAX_VARIATIONS = 4
MAX_INT = 2**31 - 1  # ids are 32-bit integer columns
FIELDS = {"kind": str, "model": str, "prompt": str, "duration_s": int, "source_asset_id": int,
          "project_id": int, "aspect": str, "variations": int}


class InvalidRequest(Exception):
    """A request that names `field` wrongly; nothing was written."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field, self.message = field, message


@dataclass(frozen=True)
class GenerationSpec:
    model: CatalogModel
    prompt: str
    aspect: str
    duration_s: int | None
    source_asset_id: int | None
    project_id: int | None
    variations: int


def validate(workspace_id: int, body: object) -> GenerationSpec:
    """Check a request body against the catalogue and the workspace's assets.

    Raises InvalidRequest naming the first bad field: unknown fields, wrong types, an
    unknown, unavailable or wrong-kind model, an empty or over-long prompt, a duration
    over the model's maximum, a source that is not an image of this workspace.
    """
    body = _typed(body)
    model = _model(body)
    prompt = body["prompt"].strip() if "prompt" in body else ""
    if not prompt:
        raise InvalidRequest("prompt", "Write a prompt.")
    if len(prompt) > PROMPT_MAX:
        raise InvalidRequest("prompt", f"The prompt is {len(prompt)} characters; the limit is {PROMPT_MAX}.")
    aspect = body.get("aspect", "9:16")
    if aspect not in ASPECTS:
        raise InvalidRequest("aspect", f"Aspect must be one of {', '.join(ASPECTS)}.")
    variations = body.get("variations", 1)
    if not 1 <= variations <= MAX_VARIATIONS:
        raise InvalidRequest("variations", f"Ask for 1 to {MAX_VARIATIONS} variations.")
    project_id = body.get("project_id")
    if project_id is not None and project_id < 1:
        raise InvalidRequest("project_id", "Unknown project.")
    return GenerationSpec(model, prompt, aspect, _duration(model, body.get("duration_s")),
                          _source(workspace_id, model, body.get("source_asset_id")),
                          project_id, variations)


def _typed(body: object) -> dict:
    if not isinstance(body, dict):
        raise InvalidRequest(None, "The body must be a JSON object.")
    for name, value in body.items():
        if name not in FIELDS:
            raise InvalidRequest(name, f"Unknown field {name!r}.")
        expected = FIELDS[name]
        if value is None and name in ("duration_s", "source_asset_id", "project_id"):
            continue
        if not isinstance(value, expected) or isinstance(value, bool):
            raise InvalidRequest(name, f"{name} must be {'a string' if expected is str else 'an integer'}.")
        if expected is int and not -MAX_INT <= value <= MAX_INT:
            raise InvalidRequest(name, f"{name} is out of range.")
        if expected is str and "\x00" in value:
            raise InvalidRequest(name, f"{name} contains a NUL character.")
    for name in ("kind", "model", "prompt"):
        if name not in body:
            raise InvalidRequest(name, f"{name} is required.")
    return {k: v for k, v in body.items() if v is not None}


def _model(body: dict) -> CatalogModel:
    if body["kind"] not in KINDS:
        raise InvalidRequest("kind", "kind must be \"image\" or \"video\".")
    model = get_model(body["model"])
    if model is None:
        raise InvalidRequest("model", f"Unknown model {body['model']!r}; see GET /api/v1/models.")
    if model.kind != body["kind"]:
        raise InvalidRequest("model", f"{model.name} makes {model.kind}s, not {body['kind']}s.")
    reason = unavailable_reason(model)
    if reason:
        raise InvalidRequest("model", f"{model.name} is unavailable: {reason}.")
    return model


def _duration(model: CatalogModel, duration: int | None) -> int | None:
    if model.kind == "image":
        if duration is not None:
            raise InvalidRequest("duration_s", "duration_s applies to video generations only.")
        return None
    if duration is None:
        return model.durations[0] if model.durations else min(5, model.max_duration_s)
    if model.durations and duration not in model.durations:
        lengths = ", ".join(str(d) for d in model.durations)
        raise InvalidRequest("duration_s", f"{model.name} makes {lengths} s clips.")
    if not 1 <= duration <= model.max_duration_s:
        raise InvalidRequest("duration_s", f"{model.name} makes 1 to {model.max_duration_s} s clips.")
    return duration


def _source(workspace_id: int, model: CatalogModel, asset_id: int | None) -> int | None:
    if asset_id is None:
        if model.requires_source_image:
            raise InvalidRequest("source_asset_id", f"{model.name} needs a source image.")
        return None
    if not model.image_to_video:
        raise InvalidRequest("source_asset_id", f"{model.name} does not take a source image.")
    asset = get_asset(workspace_id, asset_id)
    if asset is None or asset.kind != "image":
        raise InvalidRequest("source_asset_id", "The source must be an image asset of this workspace.")
    return asset.id
