"""Every request body an adapter can send, validated against the provider's published
input schema (tests/providers/schemas, each with its source and date).

For each catalogue model × aspect × duration × text/image-to-video, the request is built
the way the generation job builds it (the catalogue picks the aspect the model frames and
its output size), submitted to a loopback server speaking the provider's protocol, and the
body that arrived is checked with jsonschema. On top of the published schema the check is
strict where a provider would silently ignore a mistake: no field the schema does not name
(a misspelt aspect field comes back landscape), and the fields that decide the shape, the
resolution, the sound and the first frame must be sent whenever the schema has them.
"""

import base64
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from fluxnote.catalog.services import all_models
from fluxnote.media.frames import ASPECTS
from fluxnote.providers.base import GenerationRequest
from fluxnote.providers.fal import FalProvider
from fluxnote.providers.fal import endpoint as fal_endpoint
from fluxnote.providers.openai_images import OpenAIImagesProvider
from fluxnote.providers.replicate import ReplicateProvider
from fluxnote.providers.runway import RunwayProvider

SCHEMAS = Path(__file__).parent / "schemas"
FAL_FILE = "https://v3.fal.media/files/first.png"
REPLICATE_FILE = "https://api.replicate.com/v1/files/f-1"
RUNWAY_URI = "runway://uploads/first.png"
THIRD_PARTY = [m for m in all_models() if not m.offline]


def fixture(provider: str, name: str) -> dict:
    return json.loads((SCHEMAS / provider / f"{name.replace('/', '__')}.json").read_text())


def durations(model) -> list[int | None]:
    if model.kind == "image":
        return [None]
    return list(model.durations) or list(range(1, model.max_duration_s + 1))


def requests_for(model, png_file):
    """Every (request, with first frame) the studio or the API can make of `model`."""
    frames = [None]
    if model.kind == "video" and model.image_to_video:
        frames = [png_file] if model.requires_source_image else [None, png_file]
    for aspect in ASPECTS:
        for seconds in durations(model):
            for frame in frames:
                native = model.native_aspect(aspect, with_image=frame is not None)
                size = (
                    model.resolutions[model.aspects.index(native)]
                    if native in model.aspects
                    else None
                )
                yield GenerationRequest(
                    kind=model.kind,
                    model=model.provider_model,
                    prompt="why octopuses have three hearts",
                    aspect=native,
                    size=size,
                    duration_s=seconds,
                    source_image=frame,
                    seed=7,
                    webhook_url="https://fluxnote.example/webhooks/x",
                )


def check(schema_doc: dict, body: dict, request: GenerationRequest, image_field: str | None):
    """The published schema plus the strict rules of the module docstring."""
    schema = schema_doc["schema"]
    where = f"{schema_doc['endpoint']} {request.aspect} {request.duration_s}s"
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(body)]
    assert not errors, f"{where}: {errors} in {body}"
    unknown = set(body) - set(schema["properties"])
    assert not unknown, f"{where}: fields the schema does not name: {unknown}"
    names = schema["properties"]
    for field in ("resolution", "generate_audio") if request.kind == "video" else ():
        if field in names:
            assert field in body, f"{where}: {field} not sent"
    if "generate_audio" in body:
        assert body["generate_audio"] is False, f"{where}: sound we would throw away"
    shape = {"aspect_ratio", "size", "image_size", "width", "ratio"} & set(names)
    if shape and request.source_image is None:
        assert shape & set(body), f"{where}: no aspect sent (it would come back in the default)"
    if "aspect_ratio" in body:
        assert body["aspect_ratio"] == request.aspect, f"{where}: wrong aspect"
    if request.duration_s and "duration" in names:
        assert "duration" in body, f"{where}: duration not sent"
    if request.source_image is not None:
        assert image_field and body.get(image_field) in (FAL_FILE, REPLICATE_FILE, RUNWAY_URI)


def enums(schema) -> set:
    """Every enum value anywhere in `schema`."""
    if isinstance(schema, dict):
        found = set(schema.get("enum", ()))
        for value in schema.values():
            found |= enums(value)
        return found
    if isinstance(schema, list):
        return set().union(*map(enums, schema)) if schema else set()
    return set()


def serve_fal(server):
    server.on(
        "POST",
        "/storage/upload/initiate",
        json_body={"upload_url": f"{server.url}/gcs/first.png", "file_url": FAL_FILE},
    )
    server.on("PUT", "/gcs/first.png", body=b"")
    for path in (SCHEMAS / "fal").glob("*.json"):
        endpoint = json.loads(path.read_text())["endpoint"]
        server.on("POST", f"/{endpoint}", json_body={"request_id": "r-1"})


def first_of_each_kind(requests):
    """One request per (with/without first frame): the ones sent over HTTP."""
    seen: dict = {}
    for request in requests:
        seen.setdefault(request.source_image is None, request)
    return list(seen.values())


@pytest.mark.parametrize("model", [m for m in THIRD_PARTY if m.provider == "fal"], ids=str)
def test_fal_bodies_match_the_published_schemas(server, png_file, model):
    """Every combination through `input` (what submit sends), and one text-to-video and one
    image-to-video submitted over HTTP to prove the endpoint and the body that arrive."""
    serve_fal(server)
    provider = FalProvider("k", queue_url=server.url, rest_url=server.url, timeout=5)
    requests = list(requests_for(model, png_file))
    for request in requests:
        endpoint = fal_endpoint(request)
        doc = fixture("fal", endpoint)
        body = provider.input(request, FAL_FILE if request.source_image else None)
        field = "start_image_url" if "start_image_url" in doc["schema"]["properties"] else None
        check(doc, body, request, field or "image_url")
    for request in first_of_each_kind(requests):
        provider.submit(request)
        seen = server.seen[-1]
        assert seen.path == f"/{fal_endpoint(request)}"
        assert seen.json == provider.input(request, FAL_FILE if request.source_image else None)
    assert len(requests) >= 3


PREDICTION = {
    "id": "p-1",
    "model": "m",
    "version": "v",
    "status": "starting",
    "input": {},
    "output": None,
    "logs": "",
    "error": None,
    "metrics": {},
    "created_at": "2026-01-01T00:00:00Z",
    "urls": {},
}
FILE = {
    "id": "f-1",
    "name": "first.png",
    "content_type": "image/png",
    "size": 1,
    "etag": "e",
    "checksums": {},
    "metadata": {},
    "created_at": "2026-01-01T00:00:00Z",
    "expires_at": None,
    "urls": {"get": REPLICATE_FILE},
}


@pytest.mark.parametrize("model", [m for m in THIRD_PARTY if m.provider == "replicate"], ids=str)
def test_replicate_inputs_match_the_model_schemas(server, png_file, model):
    server.on("POST", "/v1/files", status=201, json_body=FILE)
    path = f"/v1/models/{model.provider_model}/predictions"
    server.on("POST", path, status=201, json_body=PREDICTION)
    provider = ReplicateProvider("r8", base_url=server.url, timeout=5)
    doc = fixture("replicate", model.provider_model)
    requests = list(requests_for(model, png_file))
    for request in requests:
        body = provider.input(request, REPLICATE_FILE if request.source_image else None)
        check(doc, body, request, "image")
    for request in first_of_each_kind(requests):
        provider.submit(request)
        seen = server.seen[-1]
        assert seen.path == path
        assert seen.json["input"] == provider.input(
            request, REPLICATE_FILE if request.source_image else None
        )


def test_runway_bodies_match_the_sdk_types(server, png_file):
    server.on(
        "POST",
        "/v1/uploads",
        json_body={
            "uploadUrl": f"{server.url}/s3",
            "fields": {"key": "k"},
            "runwayUri": RUNWAY_URI,
        },
    )
    server.on("POST", "/s3", status=204, body=b"")
    server.on("POST", "/v1/image_to_video", json_body={"id": "t-1"})
    server.on("POST", "/v1/text_to_image", json_body={"id": "t-2"})
    provider = RunwayProvider("key", base_url=server.url, timeout=5)
    upload = fixture("runway", "uploads")
    for model in (m for m in THIRD_PARTY if m.provider == "runway"):
        for request in requests_for(model, png_file):
            provider.submit(request)
            seen = server.seen[-1]
            name = f"{seen.path.rsplit('/', 1)[-1]}__{model.provider_model}"
            check(fixture("runway", name), seen.json, request, "promptImage")
            if request.source_image is not None:
                check(upload, server.seen[-3].json, GenerationRequest("image", "", ""), None)


def test_openai_bodies_match_the_openapi_document(server, png_file, tmp_path):
    png = png_file.read_bytes()
    server.on(
        "POST",
        "/v1/images/generations",
        json_body={"created": 1, "data": [{"b64_json": base64.b64encode(png).decode()}]},
    )
    provider = OpenAIImagesProvider("sk", base_url=f"{server.url}/v1", work_dir=tmp_path)
    doc = fixture("openai", "images_generations")
    for model in (m for m in THIRD_PARTY if m.provider == "openai"):
        for request in requests_for(model, png_file):
            provider.submit(request)
            body = server.seen[-1].json
            check(doc, body, request, None)
            assert body["model"] in enums(doc["schema"]["properties"]["model"])
            width, height = (int(v) for v in body["size"].split("x"))
            assert width % 16 == height % 16 == 0 and 1 / 3 <= width / height <= 3


def test_every_catalogue_model_has_a_vendored_schema_with_its_source():
    for model in THIRD_PARTY:
        if model.provider == "fal":
            names = [model.provider_model]
        elif model.provider == "runway":
            names = [
                f"{'image_to_video' if model.kind == 'video' else 'text_to_image'}__"
                f"{model.provider_model}"
            ]
        elif model.provider == "openai":
            names = ["images_generations"]
        else:
            names = [model.provider_model]
        for name in names:
            source = fixture(model.provider, name)["source"]
            assert source["url"].startswith("https://") and source["retrieved"] == "2026-12-02"
            assert source["note"]
