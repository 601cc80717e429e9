"""Replicate predictions adapter, on the official `replicate` SDK.

Protocol: POST /v1/models/{owner}/{name}/predictions (or POST /v1/predictions with a
version for "owner/name:version"), GET /v1/predictions/{id}, POST /v1/predictions/{id}/cancel
(a finished prediction answers 200 unchanged); webhooks are the prediction
JSON signed per Standard Webhooks (webhook-id / webhook-timestamp / webhook-signature),
verified with the `standardwebhooks` library and the account's signing secret
(REPLICATE_WEBHOOK_SECRET, or fetched once from GET /v1/webhooks/default/secret).

Each model is asked in its own words (`MODELS`, checked against its input schema in
tests/providers/schemas/replicate): `aspect_ratio`, an exact `size`, or width/height.
First frames are uploaded with the files API (POST /v1/files) and passed by URL, since
Replicate advises data URIs only under 1 MB.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
import replicate
import standardwebhooks
from replicate.exceptions import ReplicateError

from fluxnote.providers.base import (
    GenerationRequest,
    InvalidSignature,
    ProviderError,
    ProviderResult,
    WebhookEvent,
)
from fluxnote.providers.http import (
    download,
    is_retryable_status,
    request_json,
    transport_error,
)

BASE_URL = "https://api.replicate.com"
STATUS = {
    "starting": "queued",
    "processing": "running",
    "succeeded": "succeeded",
    "failed": "failed",
    "canceled": "failed",
    "aborted": "failed",
}
MODERATION_MARKERS = ("nsfw", "sensitive", "flagged", "content policy", "safety", "e005")

HUNYUAN_FPS = 24
HUNYUAN_MAX_FRAMES = 129


def _aspect_ratio(request: GenerationRequest) -> dict:
    return {"aspect_ratio": request.aspect}


def _size(separator: str) -> Callable[[GenerationRequest], dict]:
    def shape(request: GenerationRequest) -> dict:
        return {"size": request.size.replace("x", separator)} if request.size else {}

    return shape


def _width_height(request: GenerationRequest) -> dict:
    if not request.size:
        return {}
    width, height = (int(v) for v in request.size.split("x"))
    return {"width": width, "height": height}


def _frames(seconds: int) -> dict:
    """HunyuanVideo counts frames (4k+1, at most 129) at its fixed 24 fps."""
    return {"video_length": min(seconds * HUNYUAN_FPS + 1, HUNYUAN_MAX_FRAMES)}


@dataclass(frozen=True)
class ReplicateModel:
    """How one model is asked, in the field names of its input schema."""

    shape: Callable[[GenerationRequest], dict]  # the fields that frame it
    duration: Callable[[int], dict] | None = None  # video: the fields for a clip length
    extra: dict = field(default_factory=dict)  # constant fields (resolution, one output)
    seed: bool = True
    image_field: str | None = None  # the first-frame field, when it takes one


def _seconds(seconds: int) -> dict:
    return {"duration": seconds}


MODELS: dict[str, ReplicateModel] = {
    "bytedance/seedance-1-pro": ReplicateModel(
        _aspect_ratio, _seconds, {"resolution": "1080p"}, image_field="image"
    ),
    "wan-video/wan-2.5-t2v": ReplicateModel(_size("*"), _seconds),
    "tencent/hunyuan-video": ReplicateModel(_width_height, _frames),
    "ideogram-ai/ideogram-v3-turbo": ReplicateModel(_aspect_ratio),
    "recraft-ai/recraft-v3": ReplicateModel(_size("x"), seed=False),
    "stability-ai/stable-diffusion-3.5-large": ReplicateModel(_aspect_ratio),
    "black-forest-labs/flux-1.1-pro-ultra": ReplicateModel(_aspect_ratio),
    "black-forest-labs/flux-schnell": ReplicateModel(_aspect_ratio, extra={"num_outputs": 1}),
    "luma/photon": ReplicateModel(_aspect_ratio),
    "minimax/image-01": ReplicateModel(_aspect_ratio, extra={"number_of_images": 1}, seed=False),
}

_secret_lock = threading.Lock()
_secrets: dict[tuple[str, str], str] = {}


class _NoRetryTransport(httpx.HTTPTransport):
    """The SDK retries 429/503/504 GETs for up to ~50 s; a worker must not block that long,
    so those answers surface at once as retryable errors and the sweeper polls again."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if response.status_code in (429, 503, 504):
            response.close()
            raise ProviderError(f"replicate: HTTP {response.status_code}", retryable=True)
        return response


def _first_url(output: object) -> str | None:
    if isinstance(output, str) and output.startswith(("http://", "https://", "data:")):
        return output
    if isinstance(output, list):
        return next((u for u in map(_first_url, output) if u), None)
    if isinstance(output, dict):
        return next((u for u in map(_first_url, output.values()) if u), None)
    return None


def _moderated(error: str | None) -> bool:
    return bool(error) and any(m in error.lower() for m in MODERATION_MARKERS)


def _result(prediction: dict) -> ProviderResult:
    """A ProviderResult from prediction JSON (ProviderError for anything but a prediction
    object with a known status)."""
    if not isinstance(prediction, dict):
        raise ProviderError("replicate: the prediction is not a JSON object")
    status = prediction.get("status")
    state = STATUS.get(status) if isinstance(status, str) else None
    if state is None or not isinstance(prediction.get("id"), str):
        raise ProviderError(f"replicate: unexpected prediction {str(prediction)[:200]}")
    job_id, error = prediction["id"], prediction.get("error")
    error = error if isinstance(error, str) or error is None else json.dumps(error)
    if state == "succeeded":
        url = _first_url(prediction.get("output"))
        if not url:
            return ProviderResult("failed", job_id, error="replicate: no output URL")
        return ProviderResult("succeeded", job_id, output_url=url)
    if state == "failed":
        return ProviderResult(
            "failed",
            job_id,
            moderated=_moderated(error),
            error=error or f"replicate: prediction {prediction.get('status')}",
        )
    return ProviderResult(state, job_id)


class ReplicateProvider:
    id = "replicate"
    name = "Replicate"
    env_key = "REPLICATE_API_TOKEN"
    webhooks = True

    def __init__(
        self,
        token: str,
        base_url: str = "",
        webhook_secret: str = "",
        timeout: float = 30.0,
        allow_private: bool = False,
    ):
        self.token = token
        self.allow_private = allow_private
        self.base_url = (base_url or BASE_URL).rstrip("/")
        self.webhook_secret = webhook_secret
        self.timeout = timeout

    def _client(self) -> replicate.Client:
        return replicate.Client(
            self.token,
            base_url=self.base_url,
            timeout=httpx.Timeout(self.timeout),
            transport=_NoRetryTransport(),
        )

    def _call(self, what: str, fn):
        """Run one SDK call, mapping its failures to ProviderError."""
        try:
            return fn(self._client())
        except ReplicateError as exc:
            status = exc.status or 500
            raise ProviderError(
                f"{what}: HTTP {status}: {exc.detail or exc.title}",
                retryable=is_retryable_status(status),
            ) from exc
        except httpx.HTTPError as exc:
            raise transport_error(exc, what) from exc
        except ValueError as exc:  # JSON or pydantic validation of a garbage answer
            raise ProviderError(f"{what}: unexpected answer: {exc}"[:300]) from exc

    def input(self, request: GenerationRequest, image_url: str | None = None) -> dict:
        """The prediction input for `request`; `image_url` is the uploaded first frame.

        ProviderError for a model with no request profile or one that takes no frame."""
        model = request.model.partition(":")[0]
        if model not in MODELS:
            raise ProviderError(f"replicate: no request profile for model {model!r}")
        profile = MODELS[model]
        if image_url is not None and profile.image_field is None:
            raise ProviderError(f"replicate: {model} takes no first frame")
        body: dict = {"prompt": request.prompt, **profile.extra}
        if image_url is None:
            body.update(profile.shape(request))  # with a first frame, the frame sets it
        else:
            body[profile.image_field] = image_url
        if request.kind == "video" and request.duration_s and profile.duration:
            body.update(profile.duration(request.duration_s))
        if request.seed is not None and profile.seed:
            body["seed"] = request.seed
        return body

    def verify(self) -> str:
        """One cheap authenticated call (GET /v1/account): the account name, or
        ProviderError."""
        account = self._call("replicate account", lambda c: c.accounts.current())
        return f"account {account.username}"

    def upload(self, path: Path) -> str:
        """Upload a local file with the files API and return its URL (ProviderError)."""
        uploaded = self._call("replicate upload", lambda c: c.files.create(Path(path)))
        url = (uploaded.urls or {}).get("get")
        if not isinstance(url, str) or not url:
            raise ProviderError("replicate upload: answer has no file URL")
        return url

    def submit(self, request: GenerationRequest) -> ProviderResult:
        """Create a prediction; returns its status (ProviderError on failure)."""
        image_url = self.upload(request.source_image) if request.source_image else None
        params: dict = {"input": self.input(request, image_url)}
        if request.webhook_url:
            params.update(webhook=request.webhook_url, webhook_events_filter=["completed"])
        model, _, version = request.model.partition(":")
        if version:
            create = lambda c: c.predictions.create(version=version, **params)  # noqa: E731
        else:
            create = lambda c: c.models.predictions.create(model=model, **params)  # noqa: E731
        prediction = self._call("replicate submit", create)
        return _result(prediction.dict())  # the SDK models are pydantic.v1

    def poll(self, provider_job_id: str, model: str | None = None) -> ProviderResult:
        """The prediction's current status (ProviderError on failure).

        Read as plain JSON: the SDK's Prediction model refuses the documented `aborted`
        status (a prediction stopped before it started), which must read as failed."""
        url = f"{self.base_url}/v1/predictions/{quote(provider_job_id, safe='')}"
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(timeout=self.timeout, headers=headers) as client:
            return _result(request_json(client, "GET", url, "replicate get"))

    def cancel(self, provider_job_id: str, model: str | None = None) -> None:
        """Cancel the prediction; one already finished stays as it was (Replicate answers
        200). ProviderError on failure."""
        self._call("replicate cancel", lambda c: c.predictions.cancel(provider_job_id))

    def parse_webhook(self, headers: dict, body: bytes) -> WebhookEvent:
        """Verify the Standard Webhooks signature and decode the prediction.

        Raises InvalidSignature for a missing/forged/tampered/stale signature, an
        unavailable signing secret, or a body that is not a prediction.
        """
        h = {k.lower(): v for k, v in headers.items()}
        try:
            standardwebhooks.Webhook(self._secret()).verify(body, h)
            result = _result(json.loads(body))
        except (
            standardwebhooks.webhooks.WebhookVerificationError,
            standardwebhooks.webhooks.EmptyWebhookSecretError,
            RuntimeError,
        ) as exc:
            raise InvalidSignature(f"replicate webhook: {exc}") from exc
        except (ValueError, ProviderError) as exc:
            raise InvalidSignature(f"replicate webhook body is not a prediction: {exc}") from exc
        return WebhookEvent(h["webhook-id"], result.provider_job_id, result, verified=True)

    def _secret(self) -> str:
        if self.webhook_secret:
            return self.webhook_secret
        cache_key = (self.base_url, self.token)
        with _secret_lock:
            if cache_key not in _secrets:
                try:
                    secret = self._call("replicate secret", lambda c: c.webhooks.default.secret())
                except ProviderError as exc:
                    raise InvalidSignature(f"cannot load the webhook secret: {exc}") from exc
                _secrets[cache_key] = secret.key
            return _secrets[cache_key]

    def fetch_result(self, result: ProviderResult, dest_dir: Path) -> Path:
        """Download the output. ProviderError (retryable for 5xx/timeouts) on failure."""
        if not result.output_url:
            raise ProviderError("replicate result has no output URL")
        return download(result.output_url, dest_dir, self.timeout, self.allow_private)
