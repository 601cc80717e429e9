"""Replicate predictions adapter, on the official `replicate` SDK.

Protocol: POST /v1/models/{owner}/{name}/predictions (or POST /v1/predictions with a
version for "owner/name:version"), GET /v1/predictions/{id}, POST /v1/predictions/{id}/cancel
(a finished prediction answers 200 unchanged); webhooks are the prediction
JSON signed per Standard Webhooks (webhook-id / webhook-timestamp / webhook-signature),
verified with the `standardwebhooks` library and the account's signing secret
(REPLICATE_WEBHOOK_SECRET, or fetched once from GET /v1/webhooks/default/secret).
"""
from __future__ import annotations

import json
import threading
from pathlib import Path

import httpx
import replicate
import standardwebhooks
from replicate.exceptions import ReplicateError

from fluxnote.providers.base import (GenerationRequest, InvalidSignature, ProviderError,
                                     ProviderResult, WebhookEvent)
from fluxnote.providers.http import data_uri, download, is_retryable_status, transport_error

BASE_URL = "https://api.replicate.com"
STATUS = {"starting": "queued", "processing": "running", "succeeded": "succeeded",
          "failed": "failed", "canceled": "failed", "aborted": "failed"}
MODERATION_MARKERS = ("nsfw", "sensitive", "flagged", "content policy", "safety", "e005")

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
    """A ProviderResult from prediction JSON (ProviderError for an unknown status)."""
    state = STATUS.get(prediction.get("status"))
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
        return ProviderResult("failed", job_id, moderated=_moderated(error),
                              error=error or f"replicate: prediction {prediction.get('status')}")
    return ProviderResult(state, job_id)


class ReplicateProvider:
    id = "replicate"
    name = "Replicate"
    env_key = "REPLICATE_API_TOKEN"

    def __init__(self, token: str, base_url: str = "", webhook_secret: str = "",
                 timeout: float = 30.0):
        self.token = token
        self.base_url = (base_url or BASE_URL).rstrip("/")
        self.webhook_secret = webhook_secret
        self.timeout = timeout

    def _client(self) -> replicate.Client:
        return replicate.Client(self.token, base_url=self.base_url,
                                timeout=httpx.Timeout(self.timeout), transport=_NoRetryTransport())

    def _call(self, what: str, fn):
        """Run one SDK call, mapping its failures to ProviderError."""
        try:
            return fn(self._client())
        except ReplicateError as exc:
            status = exc.status or 500
            raise ProviderError(f"{what}: HTTP {status}: {exc.detail or exc.title}",
                                retryable=is_retryable_status(status)) from exc
        except httpx.HTTPError as exc:
            raise transport_error(exc, what) from exc
        except ValueError as exc:  # JSON or pydantic validation of a garbage answer
            raise ProviderError(f"{what}: unexpected answer: {exc}"[:300]) from exc

    def _input(self, request: GenerationRequest) -> dict:
        body: dict = {"prompt": request.prompt, "aspect_ratio": request.aspect}
        if request.seed is not None:
            body["seed"] = request.seed
        if request.kind == "video" and request.duration_s:
            body["duration"] = request.duration_s
        if request.source_image is not None:
            body["image"] = data_uri(request.source_image)
        return body

    def submit(self, request: GenerationRequest) -> ProviderResult:
        """Create a prediction; returns its status (ProviderError on failure)."""
        params: dict = {"input": self._input(request)}
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
        """The prediction's current status (ProviderError on failure)."""
        prediction = self._call("replicate get", lambda c: c.predictions.get(provider_job_id))
        return _result(prediction.dict())  # the SDK models are pydantic.v1

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
        except (standardwebhooks.webhooks.WebhookVerificationError,
                standardwebhooks.webhooks.EmptyWebhookSecretError, RuntimeError) as exc:
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
        return download(result.output_url, dest_dir, self.timeout)
