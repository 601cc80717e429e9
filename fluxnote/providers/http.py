"""HTTP plumbing shared by the hand-written adapters: JSON calls that map every failure
to ProviderError, result downloads, and data URIs for image-to-video first frames."""
from __future__ import annotations

import base64
import mimetypes
import shutil
import uuid
from pathlib import Path
from urllib.parse import urlparse

import httpx

from fluxnote.providers.base import ProviderError

MAX_DOWNLOAD_BYTES = 1 << 30
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
        raise ProviderError(f"{what}: HTTP {response.status_code}: {response.text[:300]}",
                            retryable=is_retryable_status(response.status_code))
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


def download(url: str, dest_dir: Path, timeout: float) -> Path:
    """Stream `url` into a new file in `dest_dir` and return its path.

    Raises ProviderError (retryable for timeouts, 5xx and 429) and leaves no partial file.
    """
    dest_dir.mkdir(parents=True, exist_ok=True)
    if url.startswith("data:"):
        return _save_data_uri(url, dest_dir)
    part = dest_dir / f"{uuid.uuid4().hex}.part"
    try:
        with httpx.stream("GET", url, timeout=timeout, follow_redirects=True) as response:
            if response.status_code >= 400:
                raise ProviderError(f"download: HTTP {response.status_code}",
                                    retryable=is_retryable_status(response.status_code))
            size = 0
            with part.open("wb") as out:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_DOWNLOAD_BYTES:
                        raise ProviderError("download: result larger than 1 GiB")
                    out.write(chunk)
            suffix = _suffix(url, response.headers.get("content-type", ""))
    except httpx.HTTPError as exc:
        part.unlink(missing_ok=True)
        raise transport_error(exc, "download") from exc
    except ProviderError:
        part.unlink(missing_ok=True)
        raise
    return part.rename(part.with_suffix(suffix))


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


def data_uri(path: Path) -> str:
    """The file as a `data:<mime>;base64,...` URI (how first frames are sent to providers)."""
    mime = mimetypes.guess_type(str(path))[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(Path(path).read_bytes()).decode()}"


def move_into(path: Path, dest_dir: Path) -> Path:
    """Move a local result into `dest_dir` (no-op when already there); return the new path."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / Path(path).name
    if Path(path).resolve() != target.resolve():
        shutil.move(str(path), str(target))  # works across filesystems
    return target
