"""Runway tasks adapter, on the official `runwayml` SDK: poll-only.

Protocol: POST /v1/image_to_video (gen4_turbo, which needs a first frame) or
/v1/text_to_image (gen4_image) → {"id"}; the ratio is the catalogue's output size ("720:1280").
First frames are uploaded (POST /v1/uploads, then the form POST it names: the SDK's
`uploads.create_ephemeral`) and passed as their runway:// URI, since data URIs cap at 5 MB;
GET /v1/tasks/{id} → status PENDING | THROTTLED | RUNNING | SUCCEEDED (output: [urls])
| FAILED (failure, failureCode) | CANCELLED; DELETE /v1/tasks/{id} → 204 cancels a pending,
throttled or running task and deletes a finished one. Runway's API sends no callbacks,
so /webhooks/runway does not exist (404) and the sweeper polls.
"""

from __future__ import annotations

from pathlib import Path

import runwayml

from fluxnote.providers.base import (
    GenerationRequest,
    InvalidSignature,
    ProviderError,
    ProviderResult,
    WebhookEvent,
)
from fluxnote.providers.http import download

BASE_URL = "https://api.dev.runwayml.com"
RATIOS = {"9:16": "720:1280", "16:9": "1280:720", "1:1": "960:960"}
IMAGE_RATIOS = {"9:16": "1080:1920", "16:9": "1920:1080", "1:1": "1080:1080"}
STATUS = {
    "PENDING": "queued",
    "THROTTLED": "queued",
    "RUNNING": "running",
    "SUCCEEDED": "succeeded",
    "FAILED": "failed",
    "CANCELLED": "failed",
}


class RunwayProvider:
    id = "runway"
    name = "Runway"
    env_key = "RUNWAYML_API_SECRET"
    webhooks = False

    def __init__(
        self, key: str, base_url: str = "", timeout: float = 30.0, allow_private: bool = False
    ):
        self.key = key
        self.allow_private = allow_private
        self.base_url = (base_url or BASE_URL).rstrip("/")
        self.timeout = timeout

    def _send(self, what: str, fn):
        """Run one SDK call and return its answer; ProviderError on failure."""
        try:
            with runwayml.RunwayML(
                api_key=self.key, base_url=self.base_url, timeout=self.timeout, max_retries=0
            ) as client:
                return fn(client)
        except runwayml.APIStatusError as exc:
            status = exc.status_code
            raise ProviderError(
                f"{what}: HTTP {status}: {str(exc)[:200]}",
                retryable=status >= 500 or status in (408, 409, 429),
            ) from exc
        except runwayml.APIConnectionError as exc:  # includes timeouts
            raise ProviderError(f"{what}: {exc.__class__.__name__}", retryable=True) from exc
        except (runwayml.APIError, ValueError) as exc:
            raise ProviderError(f"{what}: unexpected answer: {exc}"[:300]) from exc

    def _call(self, what: str, fn) -> dict:
        """Run one SDK call and return the answer as a dict; ProviderError on failure."""
        answer = self._send(what, fn)
        data = answer.model_dump(by_alias=True) if hasattr(answer, "model_dump") else answer
        if not isinstance(data, dict):
            raise ProviderError(f"{what}: answer is not a JSON object")
        return data

    def submit(self, request: GenerationRequest) -> ProviderResult:
        """Start a task (text_to_image, or image_to_video from the first frame); returns
        `queued` with the task id. ProviderError otherwise, including a video request
        without a first frame (Runway's Gen-4 Turbo makes none from text)."""
        ratios = IMAGE_RATIOS if request.kind == "image" else RATIOS
        params: dict = {
            "model": request.model,
            "prompt_text": request.prompt,
            "ratio": request.size.replace("x", ":") if request.size else ratios[request.aspect],
        }
        if request.seed is not None:
            params["seed"] = request.seed % 4294967295
        if request.kind == "image":
            task = self._call("runway submit", lambda c: c.text_to_image.create(**params))
        elif request.source_image is None:
            raise ProviderError(f"runway: {request.model} needs a first frame")
        else:
            if request.duration_s:
                params["duration"] = request.duration_s
            params["prompt_image"] = self.upload(request.source_image)
            task = self._call("runway submit", lambda c: c.image_to_video.create(**params))
        if not isinstance(task.get("id"), str) or not task["id"]:
            raise ProviderError("runway submit: answer has no task id")
        return ProviderResult("queued", provider_job_id=task["id"])

    def verify(self) -> str:
        """One cheap authenticated call (GET /v1/organization): the credit balance, or
        ProviderError."""
        org = self._call("runway organization", lambda c: c.organization.retrieve())
        return f"organization has {org.get('creditBalance', '?')} credits"

    def upload(self, path: Path) -> str:
        """Upload a local file as an ephemeral Runway asset; its runway:// URI
        (ProviderError on failure)."""
        answer = self._call("runway upload", lambda c: c.uploads.create_ephemeral(file=Path(path)))
        uri = answer.get("uri")
        if not isinstance(uri, str) or not uri:
            raise ProviderError("runway upload: answer has no uri")
        return uri

    def poll(self, provider_job_id: str, model: str | None = None) -> ProviderResult:
        """The task's status; ProviderError on failure or an unknown status."""
        task = self._call("runway task", lambda c: c.tasks.retrieve(provider_job_id))
        state = STATUS.get(task.get("status"))
        if state is None:
            raise ProviderError(f"runway task: unknown status {task.get('status')!r}")
        if state == "succeeded":
            output = task.get("output") or []
            if not output or not isinstance(output[0], str):
                raise ProviderError("runway task: succeeded without output")
            return ProviderResult(state, provider_job_id, output_url=output[0])
        if state == "failed":
            code = str(task.get("failureCode") or task.get("failure_code") or "")
            return ProviderResult(
                state,
                provider_job_id,
                moderated=code.upper().startswith("SAFETY"),
                error=task.get("failure") or f"runway task {task.get('status')}",
            )
        return ProviderResult(state, provider_job_id)

    def cancel(self, provider_job_id: str, model: str | None = None) -> None:
        """Cancel the task (a finished one is deleted, which is no error). ProviderError
        on failure, including 404 for a task Runway no longer knows."""
        self._send("runway cancel", lambda c: c.tasks.delete(provider_job_id))

    def parse_webhook(self, headers: dict, body: bytes) -> WebhookEvent:
        """Never called (`webhooks` is False): Runway sends no callbacks."""
        raise InvalidSignature("Runway sends no webhooks")

    def fetch_result(self, result: ProviderResult, dest_dir: Path) -> Path:
        """Download the output. ProviderError (retryable for 5xx/timeouts) on failure."""
        if not result.output_url:
            raise ProviderError("runway result has no output URL")
        return download(result.output_url, dest_dir, self.timeout, self.allow_private)
