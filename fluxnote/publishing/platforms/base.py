"""The platform interface and what every platform shares: errors, tokens, HTTP.

How things fail: every platform call raises PublishError. `retryable` errors (network
trouble, 5xx, 429) are retried by the job with back-off; the others fail the
publication with their message (`code` names the kind: "quota_exceeded", "policy",
"consent_expired", "invalid", "rejected"). AuthRejected (a 401) makes the job refresh
the access token once and try again.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

import httpx
from flask import current_app

TIMEOUT = httpx.Timeout(60.0, connect=10.0)
MAX_RESUMES = 5  # dropped connections survived inside one attempt


class PublishError(Exception):
    def __init__(self, code: str, message: str, retryable: bool = False):
        super().__init__(message)
        self.code, self.message, self.retryable = code, message, retryable


class AuthRejected(PublishError):
    """The platform refused the access token (401): refresh it and try again."""

    def __init__(self, message: str = "The access token was refused."):
        super().__init__("unauthorized", message)


def consent_expired(platform: str) -> PublishError:
    return PublishError(
        "consent_expired",
        f"{platform} access was revoked or has expired: reconnect the account in Settings.",
    )


@dataclass
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_in: int | None
    scope: str = ""


@dataclass
class Account:
    id: str
    name: str
    handle: str | None = None


@dataclass
class Upload:
    """One publication's upload, with the resume state kept on its row; `save(**state)`
    writes upload_url / remote_id / uploaded_bytes there (and a heartbeat). `file` is
    open for the whole upload (a storage cache may evict the path meanwhile)."""

    file: BinaryIO
    size: int
    title: str
    description: str
    privacy: str
    upload_url: str | None
    remote_id: str | None
    uploaded_bytes: int
    save: Callable[..., None] = field(repr=False)
    handle: str | None = None

    def read(self, start: int, length: int) -> bytes:
        self.file.seek(start)
        return self.file.read(length)


@dataclass
class Posted:
    post_id: str
    url: str


class Platform:
    """What the connect flow and the job call; see youtube.py and tiktok.py."""

    name: str
    label: str
    uses_pkce: bool

    def _client(self) -> tuple[str, str]:
        """The app's client id (or key) and secret from config; empty when unset."""
        raise NotImplementedError

    def configured(self) -> bool:
        return all(self._client())

    def authorize_url(self, redirect_uri: str, state: str, challenge: str) -> str:
        raise NotImplementedError

    def exchange(self, code: str, verifier: str, redirect_uri: str) -> Tokens:
        raise NotImplementedError

    def refresh(self, refresh_token: str) -> Tokens:
        raise NotImplementedError

    def revoke(self, token: str) -> None:
        raise NotImplementedError

    def account(self, access_token: str) -> Account:
        raise NotImplementedError

    def upload(self, access_token: str, upload: Upload) -> Posted:
        raise NotImplementedError


def base_url(platform: str, host: str, default: str) -> str:
    """A platform host root; tests (and only tests: TESTING) replace it with a local
    server through PUBLISH_BASE_URLS = {platform: {host: url}}."""
    if current_app.config.get("TESTING"):
        return current_app.config.get("PUBLISH_BASE_URLS", {}).get(platform, {}).get(host, default)
    return default


def setting(name: str, default):
    """A tuning knob tests shrink (chunk size, poll interval); production keeps `default`."""
    if current_app.config.get("TESTING"):
        return current_app.config.get(name, default)
    return default


def request(method: str, url: str, **kwargs) -> httpx.Response:
    """One HTTP call; a network failure is a retryable PublishError."""
    try:
        with httpx.Client(timeout=TIMEOUT) as client:
            return client.request(method, url, **kwargs)
    except httpx.TransportError as exc:
        raise PublishError("network", f"Network error: {exc.__class__.__name__}.", True) from exc


def json_of(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def token_request(platform: str, url: str, form: dict) -> Tokens:
    """An OAuth 2.0 token request (RFC 6749: code exchange or refresh). `invalid_grant`
    means the creator's consent is gone; a 5xx or 429 is retryable."""
    answer = request("POST", url, data=form)
    body = json_of(answer)
    if body.get("error") == "invalid_grant":
        raise consent_expired(platform)
    trouble = server_trouble(platform, answer)
    if trouble:
        raise trouble
    if answer.status_code != 200 or "access_token" not in body:
        why = body.get("error_description") or body.get("error") or answer.status_code
        raise PublishError("rejected", f"{platform} refused the token request: {why}.")
    return Tokens(
        body["access_token"],
        body.get("refresh_token"),
        body.get("expires_in"),
        body.get("scope", ""),
    )


def server_trouble(platform: str, response: httpx.Response) -> PublishError | None:
    """Retryable error for a 5xx or 429, else None."""
    if response.status_code >= 500 or response.status_code == 429:
        return PublishError(
            "unavailable", f"{platform} answered {response.status_code}; will retry.", True
        )
    return None
