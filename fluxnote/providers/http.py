"""HTTP plumbing shared by the hand-written adapters: JSON calls that map every failure
to ProviderError, and result downloads."""

from __future__ import annotations

import base64
import shutil
import uuid
from pathlib import Path
from urllib.parse import urlparse

import httpx

from fluxnote import netguard
from fluxnote.providers.base import ProviderError

MAX_DOWNLOAD_BYTES = 1 << 30
DOWNLOAD_DEADLINE_S = 600.0  # a whole result file, however large
SUFFIXES = {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp", "video/mp4": ".mp4"}
RETRYABLE_STATUS = {408, 409, 425, 429}


def is_retryable_status(status: int) -> bool:
    return status >= 500 or status in RETRYABLE_STATUS


def transport_error(exc: Exception, what: str) -> ProviderError:
    """A ProviderError for a timeout / connection failure: always worth retrying."""
    return ProviderError(f"{what}: {exc.__class__.__name__}: {exc}", retryable=True)


def request_json(client: httpx.Client, method: str, url: str, what: str, **kwargs) -> dict:
    """Send one request and return its JSON object.

    Raises ProviderError: retryable for timeouts, connection errors, 5xx and 429; not
    retryable for other 4xx and for a body that is not a JSON object.
    """
    try:
        response = client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise transport_error(exc, what) from exc
    if response.status_code >= 400:
        raise ProviderError(
            f"{what}: HTTP {response.status_code}: {response.text[:300]}",
            retryable=is_retryable_status(response.status_code),
        )
    try:
        data = response.json()
    except ValueError as exc:
        raise ProviderError(f"{what}: answer is not JSON: {response.text[:200]!r}") from exc
    if not isinstance(data, dict):
        raise ProviderError(f"{what}: answer is not a JSON object")
    return data


def _suffix(url: str, content_type: str) -> str:
    suffix = SUFFIXES.get(content_type.split(";")[0].strip().lower())
    if suffix:
        return suffix
    guess = Path(urlparse(url).path).suffix.lower()
    return guess if guess in SUFFIXES.values() else ".bin"


def download(url: str, dest_dir: Path, timeout: float, allow_private: bool = False) -> Path:
    """Stream `url` into a new file in `dest_dir` and return its path.

    Every hop (the URL and each redirect) must pass the netguard rule unless
    `allow_private`. Raises ProviderError (retryable for network trouble, 5xx and 429;
    not for a refused address or a result over 1 GiB) and leaves no partial file.
    """
    dest_dir.mkdir(parents=True, exist_ok=True)
    if url.startswith("data:"):
        return _save_data_uri(url, dest_dir)
    part = dest_dir / f"{uuid.uuid4().hex}.part"
    try:
        content_type = netguard.download(
            url,
            part,
            allow_private=allow_private,
            max_bytes=MAX_DOWNLOAD_BYTES,
            timeout_s=max(timeout, DOWNLOAD_DEADLINE_S),
            io_timeout_s=timeout,
        )
    except netguard.UnsafeUrl as exc:
        raise ProviderError(f"download refused: {exc}") from exc
    except netguard.FetchError as exc:
        retryable = (
            is_retryable_status(exc.status) if exc.status else not str(exc).startswith("larger")
        )
        raise ProviderError(f"download: {exc}", retryable=retryable) from exc
    return part.rename(part.with_suffix(_suffix(url, content_type)))


def _save_data_uri(url: str, dest_dir: Path) -> Path:
    """Write an inline `data:<mime>;base64,...` result (ProviderError if malformed)."""
    header, _, payload = url.partition(",")
    if not header.endswith(";base64"):
        raise ProviderError("download: only base64 data URIs are supported")
    try:
        data = base64.b64decode(payload, validate=True)
    except ValueError as exc:
        raise ProviderError("download: malformed data URI") from exc
    path = dest_dir / f"{uuid.uuid4().hex}{_suffix('', header[5:-7])}"
    path.write_bytes(data)
    return path


def move_into(path: Path, dest_dir: Path) -> Path:
    """Move a local result into `dest_dir` (no-op when already there); return the new path."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / Path(path).name
    if Path(path).resolve() != target.resolve():
        shutil.move(str(path), str(target))  # works across filesystems
    return target
