"""fal.ai queue API adapter, hand-written on httpx.

Not on `fal-client`: its queue, REST and CDN hosts are module constants fixed to https, so
it can be pointed neither at a proxy nor at a test server, and the two protocols used here
(the queue and the storage upload) are a handful of documented HTTP calls.

Every model is asked in its own words (`MODELS`, checked against each endpoint's published
input schema in tests/providers/schemas/fal): which field takes the aspect (`aspect_ratio`,
`image_size` or none), how a duration is spelled ("8s", "8" or 8), which resolution to ask
for, whether to switch generated sound off, and which field takes the first frame.

Protocol: POST {queue}/{model}?fal_webhook=URL → {"request_id", ...};
GET {queue}/{owner}/{alias}/requests/{id}/status → IN_QUEUE | IN_PROGRESS | COMPLETED;
GET {queue}/{owner}/{alias}/requests/{id} → the model's output JSON (or an error).
PUT {queue}/{owner}/{alias}/requests/{id}/cancel → 202 CANCELLATION_REQUESTED, or
400 ALREADY_COMPLETED, or 404 NOT_FOUND.
First frames are uploaded to fal storage, not inlined: POST {rest}/storage/upload/initiate
?storage_type=gcs {"content_type", "file_name"} → {"upload_url", "file_url"}, then PUT the
bytes to upload_url; the request carries file_url.
Webhooks are signed with Ed25519 over "request-id\\nuser-id\\ntimestamp\\nsha256hex(body)"
using a key from fal's JWKS; the timestamp must be within 5 minutes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import mimetypes
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from fluxnote.providers.base import (
    GenerationRequest,
    InvalidSignature,
    ProviderError,
    ProviderResult,
    WebhookEvent,
)
from fluxnote.providers.http import download, request_json, transport_error

QUEUE_URL = "https://queue.fal.run"
REST_URL = "https://rest.alpha.fal.ai"
JWKS_URL = "https://rest.alpha.fal.ai/.well-known/jwks.json"
TOLERANCE_S = 300
JWKS_TTL_S = 3600
JWKS_REFRESH_MIN_S = 60  # an unknown signature refetches the key set at most this often
JWKS_TIMEOUT_S = 5.0  # fetched while a webhook waits for its answer
STATUS = {"IN_QUEUE": "queued", "IN_PROGRESS": "running"}
MODERATION_MARKERS = ("content_policy_violation", "nsfw", "content policy")

_jwks_lock = threading.Lock()
_jwks_cache: dict[str, tuple[float, list[VerifyKey]]] = {}


@dataclass(frozen=True)
class FalModel:
    """How one fal model is asked, in the field names of its published input schema."""

    i2v: str | None = None  # its image-to-video endpoint
    aspect: str | None = None  # "aspect_ratio" | "image_size" (exact width/height) | None
    i2v_aspect: bool = False  # the image-to-video endpoint takes aspect_ratio too
    duration: str = "str"  # "s": "8s"; "str": "8"; "int": 8
    resolution: str | None = None  # the text-to-video "resolution" to ask for
    i2v_resolution: str | None = None
    audio_off: bool = False  # it makes sound unless generate_audio is false
    image_field: str = "image_url"  # the image-to-video first-frame field
    seed: bool = True
    num_images: bool = False  # image models that take num_images


MODELS: dict[str, FalModel] = {
    "fal-ai/veo3.1": FalModel(
        i2v="fal-ai/veo3.1/image-to-video",
        aspect="aspect_ratio",
        i2v_aspect=True,
        duration="s",
        resolution="1080p",
        i2v_resolution="1080p",
        audio_off=True,
    ),
    "fal-ai/kling-video/v3/pro/text-to-video": FalModel(
        i2v="fal-ai/kling-video/v3/pro/image-to-video",
        aspect="aspect_ratio",
        audio_off=True,
        image_field="start_image_url",
        seed=False,
    ),
    "fal-ai/luma-dream-machine/ray-2": FalModel(
        i2v="fal-ai/luma-dream-machine/ray-2/image-to-video",
        aspect="aspect_ratio",
        i2v_aspect=True,
        duration="s",
        resolution="1080p",
        i2v_resolution="1080p",
        seed=False,
    ),
    "fal-ai/minimax/hailuo-02/standard/text-to-video": FalModel(
        i2v="fal-ai/minimax/hailuo-02/standard/image-to-video", i2v_resolution="768P", seed=False
    ),
    "fal-ai/pika/v2.2/text-to-video": FalModel(
        i2v="fal-ai/pika/v2.2/image-to-video",
        aspect="aspect_ratio",
        duration="int",
        resolution="1080p",
        i2v_resolution="1080p",
    ),
    "fal-ai/ltx-2/text-to-video": FalModel(
        i2v="fal-ai/ltx-2/image-to-video",
        duration="int",
        resolution="1080p",
        i2v_resolution="1080p",
        audio_off=True,
        seed=False,
    ),
    "fal-ai/flux-2-pro": FalModel(aspect="image_size"),
    "fal-ai/bytedance/seedream/v4/text-to-image": FalModel(aspect="image_size", num_images=True),
    "fal-ai/qwen-image": FalModel(aspect="image_size", num_images=True),
    "fal-ai/flux-pro/kontext/text-to-image": FalModel(aspect="aspect_ratio", num_images=True),
    "fal-ai/hidream-i1-full": FalModel(aspect="image_size", num_images=True),
    "fal-ai/nano-banana": FalModel(aspect="aspect_ratio", num_images=True),
    "fal-ai/hunyuan-image/v3/text-to-image": FalModel(aspect="image_size", num_images=True),
}


def _profile(model: str) -> FalModel:
    profile = MODELS.get(model.strip("/"))
    if profile is None:
        raise ProviderError(f"fal: no request profile for model {model!r}")
    return profile


def _app_path(model: str) -> str:
    """Status/result URLs take the app (owner/alias) without the endpoint sub-path."""
    parts = model.strip("/").split("/")
    return "/".join(parts[:2])


def endpoint(request: GenerationRequest) -> str:
    """The model's endpoint; a first frame selects its image-to-video twin (same app).

    ProviderError when the model takes no first frame."""
    model = request.model.strip("/")
    if request.source_image is None:
        return model
    i2v = _profile(model).i2v
    if i2v is None:
        raise ProviderError(f"fal: {model} takes no first frame")
    return i2v


def _duration(style: str, seconds: int) -> str | int:
    """fal's video models spell durations differently: Veo/Luma "8s", Pika/LTX 8, others "8"."""
    return {"s": f"{seconds}s", "int": seconds}.get(style, str(seconds))


def _image_size(size: str | None) -> dict | None:
    if not size:
        return None
    width, height = (int(v) for v in size.split("x"))
    return {"width": width, "height": height}


def _output_url(payload: dict) -> str | None:
    if not isinstance(payload, dict):
        return None
    for key in ("video", "image", "audio"):
        item = payload.get(key)
        if isinstance(item, dict) and isinstance(item.get("url"), str):
            return item["url"]
    for key in ("images", "videos"):
        items = payload.get(key)
        if isinstance(items, list) and items and isinstance(items[0], dict):
            return items[0].get("url")
    return None


def _moderated(detail: object) -> bool:
    text = json.dumps(detail).lower() if not isinstance(detail, str) else detail.lower()
    return any(marker in text for marker in MODERATION_MARKERS)


class FalProvider:
    id = "fal"
    name = "fal.ai"
    env_key = "FAL_KEY"
    webhooks = True

    def __init__(
        self,
        key: str,
        queue_url: str = "",
        jwks_url: str = "",
        timeout: float = 30.0,
        rest_url: str = "",
        allow_private: bool = False,
    ):
        self.key = key
        self.allow_private = allow_private
        self.queue_url = (queue_url or QUEUE_URL).rstrip("/")
        self.jwks_url = jwks_url or JWKS_URL
        self.rest_url = (rest_url or REST_URL).rstrip("/")
        self.timeout = timeout

    def _client(self) -> httpx.Client:
        return httpx.Client(timeout=self.timeout, headers={"Authorization": f"Key {self.key}"})

    def input(self, request: GenerationRequest, image_url: str | None = None) -> dict:
        """The request body for `request`; `image_url` is the uploaded first frame.

        ProviderError for a model with no request profile."""
        profile = _profile(request.model)
        body: dict = {"prompt": request.prompt}
        if request.seed is not None and profile.seed:
            body["seed"] = request.seed
        if request.kind == "image":
            if profile.num_images:
                body["num_images"] = 1
            if profile.aspect == "image_size" and _image_size(request.size):
                body["image_size"] = _image_size(request.size)
            elif profile.aspect == "aspect_ratio":
                body["aspect_ratio"] = request.aspect
            return body
        with_image = image_url is not None
        if profile.aspect == "aspect_ratio" and (not with_image or profile.i2v_aspect):
            body["aspect_ratio"] = request.aspect
        if request.duration_s:
            body["duration"] = _duration(profile.duration, request.duration_s)
        resolution = profile.i2v_resolution if with_image else profile.resolution
        if resolution:
            body["resolution"] = resolution
        if profile.audio_off:
            body["generate_audio"] = False
        if with_image:
            body[profile.image_field] = image_url
        return body

    def verify(self) -> str:
        """One cheap authenticated call (a storage upload token, which inference keys may
        ask for and which costs nothing); a line saying so, or ProviderError."""
        url = f"{self.rest_url}/storage/auth/token"
        with self._client() as client:
            data = request_json(
                client, "POST", url, "fal key", params={"storage_type": "fal-cdn-v3"}, json={}
            )
        if not data.get("token"):
            raise ProviderError("fal key: answer has no token")
        return "key accepted (storage token issued)"

    def upload(self, path: Path) -> str:
        """Put a local file in fal storage and return its URL (ProviderError on failure)."""
        mime = mimetypes.guess_type(str(path))[0] or "application/octet-stream"
        url = f"{self.rest_url}/storage/upload/initiate"
        with self._client() as client:
            target = request_json(
                client,
                "POST",
                url,
                "fal upload",
                params={"storage_type": "gcs"},
                json={"content_type": mime, "file_name": Path(path).name},
            )
            upload_url, file_url = target.get("upload_url"), target.get("file_url")
            if not isinstance(upload_url, str) or not isinstance(file_url, str):
                raise ProviderError("fal upload: answer has no upload_url/file_url")
            try:
                put = httpx.put(
                    upload_url,
                    content=Path(path).read_bytes(),
                    headers={"Content-Type": mime},
                    timeout=self.timeout,
                )
            except httpx.HTTPError as exc:
                raise transport_error(exc, "fal upload") from exc
        if put.status_code >= 400:
            raise ProviderError(
                f"fal upload: HTTP {put.status_code}", retryable=put.status_code >= 500
            )
        return file_url

    def submit(self, request: GenerationRequest) -> ProviderResult:
        """Queue the request; returns `queued` with fal's request id (ProviderError otherwise)."""
        params = {"fal_webhook": request.webhook_url} if request.webhook_url else None
        url = f"{self.queue_url}/{endpoint(request)}"
        image_url = self.upload(request.source_image) if request.source_image else None
        body = self.input(request, image_url)
        with self._client() as client:
            try:
                data = request_json(client, "POST", url, "fal submit", json=body, params=params)
            except ProviderError as exc:
                if not exc.retryable and _moderated(str(exc)):  # refused at the door
                    return ProviderResult("failed", error=str(exc), moderated=True)
                raise
        request_id = data.get("request_id")
        if not isinstance(request_id, str) or not request_id:
            raise ProviderError("fal submit: answer has no request_id")
        return ProviderResult("queued", provider_job_id=request_id)

    def poll(self, provider_job_id: str, model: str | None = None) -> ProviderResult:
        """The request's status, with the output URL once completed.

        fal's status URL names the app, so `model` is required (a retryable ProviderError
        without it); other failures raise ProviderError as the module contract says.
        """
        if not model:
            raise ProviderError("fal poll needs the model id", retryable=True)
        base = self._request_url(model, provider_job_id)
        with self._client() as client:
            status = request_json(client, "GET", f"{base}/status", "fal status")
            state = status.get("status")
            if state in STATUS:
                return ProviderResult(STATUS[state], provider_job_id=provider_job_id)
            if state != "COMPLETED":
                raise ProviderError(f"fal status: unknown status {state!r}")
            if status.get("error"):
                return self._failed(provider_job_id, status.get("error"), status.get("error_type"))
            return self._result(client, base, provider_job_id)

    def cancel(self, provider_job_id: str, model: str | None = None) -> None:
        """Ask fal to drop the request (queued) or signal its runner (in progress).

        A request that already completed is not an error. `model` is required (the URL
        names the app); without it, or on any other failure, ProviderError as the module
        contract says.
        """
        if not model:
            raise ProviderError("fal cancel needs the model id")
        url = f"{self._request_url(model, provider_job_id)}/cancel"
        with self._client() as client:
            try:
                request_json(client, "PUT", url, "fal cancel")
            except ProviderError as exc:
                # fal answers a finished request with 400 {"status": "ALREADY_COMPLETED"}
                if exc.retryable or "ALREADY_COMPLETED" not in str(exc):
                    raise

    def _request_url(self, model: str, provider_job_id: str) -> str:
        return f"{self.queue_url}/{_app_path(model)}/requests/{quote(provider_job_id, safe='')}"

    def _result(self, client: httpx.Client, base: str, job_id: str) -> ProviderResult:
        try:
            response = client.get(base)
        except httpx.HTTPError as exc:
            raise transport_error(exc, "fal result") from exc
        if response.status_code >= 500:
            raise ProviderError(f"fal result: HTTP {response.status_code}", retryable=True)
        try:
            data = response.json()
        except ValueError as exc:
            raise ProviderError("fal result: answer is not JSON") from exc
        if response.status_code >= 400:
            detail = data.get("detail", data) if isinstance(data, dict) else data
            return self._failed(job_id, detail)
        url = _output_url(data)
        if not url:
            raise ProviderError("fal result: no media URL in the output")
        return ProviderResult("succeeded", provider_job_id=job_id, output_url=url, meta=_meta(data))

    @staticmethod
    def _failed(job_id: str, detail: object, error_type: object = None) -> ProviderResult:
        message = detail if isinstance(detail, str) else json.dumps(detail)[:300]
        return ProviderResult(
            "failed",
            provider_job_id=job_id,
            error=message,
            moderated=_moderated(detail) or _moderated(error_type or ""),
        )

    def parse_webhook(self, headers: dict, body: bytes) -> WebhookEvent:
        """Verify fal's signature on the raw body and decode the event.

        Raises InvalidSignature for missing headers, a stale timestamp, a signature no
        current key verifies, an unreachable key set, or a body that is not the JSON event.
        """
        request_id = self._verify(headers, body)
        try:
            event = json.loads(body)
        except ValueError as exc:
            raise InvalidSignature("fal webhook body is not JSON") from exc
        if not isinstance(event, dict) or event.get("request_id") not in (None, request_id):
            raise InvalidSignature("fal webhook body does not match its signed request id")
        state = event.get("status")
        payload = event.get("payload")
        if state == "OK" and _output_url(payload):
            result = ProviderResult(
                "succeeded",
                provider_job_id=request_id,
                output_url=_output_url(payload),
                meta=_meta(payload),
            )
        elif state == "OK":  # payload too large / not JSON: fetch it by polling
            result = ProviderResult("running", provider_job_id=request_id)
        else:
            detail = (payload or {}).get("detail") if isinstance(payload, dict) else None
            result = self._failed(request_id, detail or event.get("error") or "fal error")
        return WebhookEvent(f"{request_id}:{state}", request_id, result, verified=True)

    def _verify(self, headers: dict, body: bytes) -> str:
        h = {k.lower(): v for k, v in headers.items()}
        fields = [
            h.get(f"x-fal-webhook-{name}")
            for name in ("request-id", "user-id", "timestamp", "signature")
        ]
        if not all(fields):
            raise InvalidSignature("missing fal webhook signature headers")
        request_id, user_id, timestamp, signature = fields
        try:
            stale = abs(time.time() - int(timestamp)) > TOLERANCE_S
            signature_bytes = bytes.fromhex(signature)
        except ValueError as exc:
            raise InvalidSignature("malformed fal webhook timestamp or signature") from exc
        if stale:
            raise InvalidSignature("fal webhook timestamp outside the 5 minute tolerance")
        message = "\n".join([request_id, user_id, timestamp, hashlib.sha256(body).hexdigest()])
        for refresh in (False, True):
            for key in self._keys(refresh):
                try:
                    key.verify(message.encode(), signature_bytes)
                    return request_id
                except (BadSignatureError, ValueError):
                    continue
        raise InvalidSignature("fal webhook signature does not verify")

    def _keys(self, refresh: bool) -> list[VerifyKey]:
        """fal's Ed25519 keys, cached; `refresh` refetches (rate-limited) for key rotation."""
        with _jwks_lock:
            fetched, keys = _jwks_cache.get(self.jwks_url, (None, []))
            age = time.monotonic() - fetched if fetched is not None else None
            if age is not None and not refresh and age < JWKS_TTL_S:
                return keys
            if age is not None and refresh and age < JWKS_REFRESH_MIN_S:
                return []  # fetched moments ago: a forged signature must not hammer fal
            try:
                with httpx.Client(timeout=min(self.timeout, JWKS_TIMEOUT_S)) as client:
                    data = request_json(client, "GET", self.jwks_url, "fal jwks")
                keys = [
                    VerifyKey(_b64url(k["x"]))
                    for k in data.get("keys", [])
                    if isinstance(k, dict) and k.get("crv") == "Ed25519" and "x" in k
                ]
            except (ProviderError, ValueError, TypeError) as exc:
                raise InvalidSignature(f"cannot load fal's public keys: {exc}") from exc
            _jwks_cache[self.jwks_url] = (time.monotonic(), keys)
            return keys

    def fetch_result(self, result: ProviderResult, dest_dir: Path) -> Path:
        """Download the output. ProviderError (retryable for 5xx/timeouts) on failure."""
        if not result.output_url:
            raise ProviderError("fal result has no output URL")
        return download(result.output_url, dest_dir, self.timeout, self.allow_private)


def _b64url(value: str) -> bytes:
    value = value.rstrip("=")
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _meta(payload: dict) -> dict:
    media = payload.get("video") or payload.get("image") or (payload.get("images") or [{}])[0]
    meta = {k: media[k] for k in ("width", "height") if isinstance(media, dict) and k in media}
    if isinstance(media, dict) and isinstance(media.get("duration"), (int, float)):
        meta["duration_s"] = float(media["duration"])
    return meta
