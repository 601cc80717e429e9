"""OpenAI Images adapter, on the official `openai` SDK (honours OPENAI_BASE_URL).

`images.generate` is synchronous: `submit` returns the finished picture, decoded from
`b64_json` into a local file, or its `url`. GPT Image 2 takes any WIDTHxHEIGHT with both
sides multiples of 16, so the catalogue's output size is asked for exactly (1152x2048 for
9:16 scales to 1080x1920 without a crop); DALL·E 3 and GPT Image 1 are shut down. A refusal by the content policy (HTTP 400
with code `content_policy_violation` or `moderation_blocked`) is a moderated failure.
"""

from __future__ import annotations

import base64
import binascii
import tempfile
import uuid
from pathlib import Path

import openai

from fluxnote.providers.base import (
    GenerationRequest,
    InvalidSignature,
    ProviderError,
    ProviderResult,
    WebhookEvent,
)
from fluxnote.providers.http import download, move_into

MODERATION_CODES = {"content_policy_violation", "moderation_blocked"}
# the standard sizes every GPT image model takes, when no exact size is given
GPT_IMAGE_SIZES = {"9:16": "1024x1536", "16:9": "1536x1024", "1:1": "1024x1024"}


class OpenAIImagesProvider:
    id = "openai"
    name = "OpenAI"
    env_key = "OPENAI_API_KEY"
    webhooks = False

    def __init__(
        self,
        key: str,
        base_url: str = "",
        timeout: float = 120.0,
        work_dir: Path | None = None,
        allow_private: bool = False,
    ):
        self.key = key
        self.allow_private = allow_private
        self.base_url = base_url or None
        self.timeout = timeout
        self.work_dir = Path(work_dir or Path(tempfile.gettempdir()) / "fluxnote-openai")

    def submit(self, request: GenerationRequest) -> ProviderResult:
        """Generate one image now. ProviderError on failure (retryable for 5xx, 429 and
        timeouts); a content-policy refusal is a `failed` result with `moderated=True`."""
        if request.kind != "image":
            raise ProviderError("OpenAI images: only image generations are supported")
        params = {
            "model": request.model,
            "prompt": request.prompt,
            "n": 1,
            "size": request.size or GPT_IMAGE_SIZES[request.aspect],
        }
        try:
            with self._client() as client:
                response = client.images.generate(**params)
        except openai.BadRequestError as exc:
            if _code(exc) in MODERATION_CODES:
                return ProviderResult("failed", error=_message(exc), moderated=True)
            raise ProviderError(f"OpenAI images: {_message(exc)}") from exc
        except openai.APIStatusError as exc:
            retry = exc.status_code >= 500 or exc.status_code in (408, 409, 429)
            raise ProviderError(
                f"OpenAI images: HTTP {exc.status_code}: {_message(exc)}", retryable=retry
            ) from exc
        except (openai.APIConnectionError, openai.APITimeoutError) as exc:
            raise ProviderError(f"OpenAI images: {exc.__class__.__name__}", retryable=True) from exc
        except (openai.APIResponseValidationError, ValueError) as exc:
            raise ProviderError(f"OpenAI images: unexpected answer: {exc}"[:300]) from exc
        return self._result(response)

    def _result(self, response) -> ProviderResult:
        item = (getattr(response, "data", None) or [None])[0]
        job_id = uuid.uuid4().hex
        if item is not None and getattr(item, "b64_json", None):
            try:
                data = base64.b64decode(item.b64_json, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ProviderError("OpenAI images: b64_json is not base64") from exc
            self.work_dir.mkdir(parents=True, exist_ok=True)
            path = self.work_dir / f"{job_id}{_suffix(data)}"
            path.write_bytes(data)
            return ProviderResult("succeeded", job_id, output_path=path)
        if item is not None and getattr(item, "url", None):
            return ProviderResult("succeeded", job_id, output_url=item.url)
        raise ProviderError("OpenAI images: answer has no image")

    def verify(self) -> str:
        """One cheap authenticated call (GET /v1/models): how many models the key sees and
        whether GPT Image 2 is among them, or ProviderError."""
        try:
            with self._client() as client:
                ids = {model.id for model in client.models.list()}
        except openai.APIStatusError as exc:
            raise ProviderError(
                f"OpenAI models: HTTP {exc.status_code}: {_message(exc)}",
                retryable=exc.status_code >= 500,
            ) from exc
        except openai.OpenAIError as exc:
            raise ProviderError(f"OpenAI models: {exc.__class__.__name__}: {exc}"[:300]) from exc
        image = "gpt-image-2 listed" if "gpt-image-2" in ids else "gpt-image-2 NOT listed"
        return f"{len(ids)} models visible; {image}"

    def _client(self) -> openai.OpenAI:
        return openai.OpenAI(
            api_key=self.key, base_url=self.base_url, timeout=self.timeout, max_retries=0
        )

    def poll(self, provider_job_id: str, model: str | None = None) -> ProviderResult:
        """Image generation finishes inside submit; nothing to poll (ProviderError)."""
        raise ProviderError("OpenAI images finish in submit; re-run the job instead")

    def cancel(self, provider_job_id: str, model: str | None = None) -> None:
        """Image generation finishes inside submit: nothing is left running to stop."""

    def parse_webhook(self, headers: dict, body: bytes) -> WebhookEvent:
        """OpenAI image generation sends no callbacks: every request is refused."""
        raise InvalidSignature("OpenAI images send no webhooks")

    def fetch_result(self, result: ProviderResult, dest_dir: Path) -> Path:
        """Move the decoded file into `dest_dir`, or download the URL (ProviderError)."""
        if result.output_path is not None:
            return move_into(result.output_path, dest_dir)
        if result.output_url:
            return download(result.output_url, dest_dir, self.timeout, self.allow_private)
        raise ProviderError("OpenAI result has no image")


def _code(exc: openai.APIStatusError) -> str | None:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error", body) if isinstance(body.get("error", body), dict) else {}
    return getattr(exc, "code", None) or error.get("code")


def _message(exc: openai.APIStatusError) -> str:
    return str(getattr(exc, "message", "") or exc)[:300]


def _suffix(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return ".png"
    if data.startswith(b"\xff\xd8"):
        return ".jpg"
    if data[8:12] == b"WEBP":
        return ".webp"
    raise ProviderError("OpenAI images: the image is not PNG, JPEG or WebP")
