"""Runway tasks adapter, on the official `runwayml` SDK: poll-only.

Protocol: POST /v1/image_to_video (first frame) or /v1/text_to_video → {"id"};
GET /v1/tasks/{id} → status PENDING | THROTTLED | RUNNING | SUCCEEDED (output: [urls])
| FAILED (failure, failureCode) | CANCELLED; DELETE /v1/tasks/{id} → 204 cancels a pending,
throttled or running task and deletes a finished one. Runway signs no callbacks, so
anything arriving at /webhooks/runway is only a hint to poll the task.
"""
from __future__ import annotations

import json
from pathlib import Path

import runwayml

from fluxnote.providers.base import (GenerationRequest, InvalidSignature, ProviderError,
                                     ProviderResult, WebhookEvent)
from fluxnote.providers.http import data_uri, download

BASE_URL = "https://api.dev.runwayml.com"
RATIOS = {"9:16": "720:1280", "16:9": "1280:720", "1:1": "960:960"}
IMAGE_RATIOS = {"9:16": "1080:1920", "16:9": "1920:1080", "1:1": "1080:1080"}
STATUS = {"PENDING": "queued", "THROTTLED": "queued", "RUNNING": "running",
          "SUCCEEDED": "succeeded", "FAILED": "failed", "CANCELLED": "failed"}


class RunwayProvider:
    id = "runway"
    name = "Runway"
    env_key = "RUNWAYML_API_SECRET"

    def __init__(self, key: str, base_url: str = "", timeout: float = 30.0):
        self.key = key
        self.base_url = (base_url or BASE_URL).rstrip("/")
        self.timeout = timeout

    def _send(self, what: str, fn):
        """Run one SDK call and return its answer; ProviderError on failure."""
        try:
            with runwayml.RunwayML(api_key=self.key, base_url=self.base_url,
                                   timeout=self.timeout, max_retries=0) as client:
                return fn(client)
        except runwayml.APIStatusError as exc:
            status = exc.status_code
            raise ProviderError(f"{what}: HTTP {status}: {str(exc)[:200]}",
                                retryable=status >= 500 or status in (408, 409, 429)) from exc
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
        """Start a task (text_to_image, image_to_video or text_to_video); returns `queued`
        with the task id. ProviderError otherwise."""
        ratios = IMAGE_RATIOS if request.kind == "image" else RATIOS
        params: dict = {"model": request.model, "prompt_text": request.prompt,
                        "ratio": ratios.get(request.aspect, ratios["9:16"])}
        if request.seed is not None:
            params["seed"] = request.seed % 4294967295
        if request.kind == "image":
            task = self._call("runway submit", lambda c: c.text_to_image.create(**params))
        else:
            if request.duration_s:
                params["duration"] = request.duration_s
            if request.source_image is not None:
                params["prompt_image"] = data_uri(request.source_image)
                task = self._call("runway submit", lambda c: c.image_to_video.create(**params))
            else:
                task = self._call("runway submit", lambda c: c.text_to_video.create(**params))
        if not isinstance(task.get("id"), str) or not task["id"]:
            raise ProviderError("runway submit: answer has no task id")
        return ProviderResult("queued", provider_job_id=task["id"])

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
            return ProviderResult(state, provider_job_id, moderated=code.upper().startswith("SAFETY"),
                                  error=task.get("failure") or f"runway task {task.get('status')}")
        return ProviderResult(state, provider_job_id)

    def cancel(self, provider_job_id: str, model: str | None = None) -> None:
        """Cancel the task (a finished one is deleted, which is no error). ProviderError
        on failure, including 404 for a task Runway no longer knows."""
        self._send("runway cancel", lambda c: c.tasks.delete(provider_job_id))

    def parse_webhook(self, headers: dict, body: bytes) -> WebhookEvent:
        """Read a callback as an unverified hint naming a task ("id" or "taskId").

        Raises InvalidSignature when the body names no task.
        """
        try:
            data = json.loads(body)
            task_id = data.get("id") or data.get("taskId")
        except (ValueError, AttributeError) as exc:
            raise InvalidSignature("runway callback is not a JSON task") from exc
        if not isinstance(task_id, str) or not task_id:
            raise InvalidSignature("runway callback names no task")
        event_id = f"{task_id}:{data.get('status')}"
        # an unsigned body proves nothing: the event only says "look at this task"
        return WebhookEvent(event_id, task_id, ProviderResult("running", task_id), verified=False)

    def fetch_result(self, result: ProviderResult, dest_dir: Path) -> Path:
        """Download the output. ProviderError (retryable for 5xx/timeouts) on failure."""
        if not result.output_url:
            raise ProviderError("runway result has no output URL")
        return download(result.output_url, dest_dir, self.timeout)
