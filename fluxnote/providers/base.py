"""The one interface every generation provider implements (offline engine included).

A provider turns a GenerationRequest into media. Synchronous providers (the offline
engine, OpenAI images) finish inside `submit`; queue providers (fal, Replicate, Runway)
return a provider job id and report later, by webhook (`parse_webhook`, a hint unless
the signature proves it) or by `poll`. Providers never touch the database or credits:
the generation service owns state and the ledger.

Contract details every adapter keeps: every HTTP call has a timeout; a 5xx, a timeout, a
dropped connection or a rate limit raises ProviderError(retryable=True); a 4xx or an
answer that is not the documented JSON raises ProviderError(retryable=False), except a
content-policy refusal, which is a `failed` ProviderResult with `moderated=True`.
`fetch_result` turns any succeeded result into a file inside `dest_dir` (downloading
`output_url`, or moving `output_path` there) and returns its path.

`cancel` asks the provider to stop a job (best effort: the provider may still finish it).
A job that already finished there is not an error; other failures raise ProviderError by
the same rule (retryable for 5xx/timeouts, not for 4xx). Synchronous providers have
nothing to stop and return at once.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from fluxnote.media.frames import DEFAULT_ASPECT


@dataclass(frozen=True)
class GenerationRequest:
    """One generation as a provider sees it; `fetch_result` later yields a local file."""

    kind: str  # "image" | "video"
    model: str  # the provider's model id (catalogue `provider_model`)
    prompt: str
    aspect: str = DEFAULT_ASPECT  # one the model frames (catalogue `aspects`)
    size: str | None = None  # the catalogue's output size for `aspect`, "1080x1920"
    duration_s: int | None = None  # video only
    source_image: Path | None = None  # image-to-video first frame (local file)
    seed: int | None = None
    webhook_url: str | None = None


@dataclass
class ProviderResult:
    """What a provider knows about a job. `status`: queued | running | succeeded | failed."""

    status: str
    provider_job_id: str | None = None
    output_url: str | None = None  # remote result to fetch
    output_path: Path | None = None  # local result already written
    error: str | None = None
    moderated: bool = False  # refused by the provider's content policy
    meta: dict = field(default_factory=dict)


@dataclass
class WebhookEvent:
    event_id: str
    provider_job_id: str
    result: ProviderResult
    verified: bool  # signature proved the payload authentic


class ProviderError(Exception):
    """The provider failed or answered garbage; `retryable` tells the sweeper to poll again."""

    def __init__(self, message: str, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable


class InvalidSignature(Exception):
    """A webhook whose signature is missing, forged, tampered or stale (answer 401)."""


class Provider(Protocol):
    id: str  # "offline", "fal", "replicate", "openai", "runway"
    name: str  # display name
    env_key: str | None  # the credential it needs, e.g. "FAL_KEY"; None for offline
    webhooks: bool  # calls back to /webhooks/<id>; without, that URL is a 404

    def submit(self, request: GenerationRequest) -> ProviderResult: ...
    # `model` is the request's provider model id: fal's status URL needs it (the others ignore it)
    def poll(self, provider_job_id: str, model: str | None = None) -> ProviderResult: ...
    def parse_webhook(self, headers: dict, body: bytes) -> WebhookEvent: ...
    def fetch_result(self, result: ProviderResult, dest_dir: Path) -> Path: ...
    def cancel(self, provider_job_id: str, model: str | None = None) -> None: ...


class RemoteProvider(Provider, Protocol):
    """A provider reached with a key: `verify` makes one cheap authenticated call and
    returns a line about the account, or raises ProviderError (used by `fluxnote doctor`)."""

    def verify(self) -> str: ...
