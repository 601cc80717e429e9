"""Media storage for every process on every host: the only way FluxNote code touches
stored media. Nothing here assumes that another process shares this host's disk.

The backend follows FLUXNOTE_STORAGE_URL: unset means local files under MEDIA_DIR (read
in place); `s3://BUCKET[/PREFIX]` means an S3-compatible store (see `s3.py`), with
each process keeping a bounded LRU cache of fetched objects under DATA_DIR/cache
(FLUXNOTE_STORAGE_CACHE_MB, default 2048).

- `new_key(suffix)`: a fresh key `<yyyy>/<mm>/<uuid><suffix>`; no user-given name or
  path ever becomes part of a key (ValueError for an unknown suffix).
- `put_file(src, suffix=None, *, key=None, move=False) -> key`: store a local file
  (streamed; multipart for large files) under a fresh key or the caller's own `key`
  (e.g. a content hash); `move` consumes `src` (it then seeds this host's cache).
- `put_bytes(data, suffix) -> key`.
- `fetch(key) -> Path`: a local path to read the object from (the file itself for the
  local backend, a cached copy otherwise). Treat it as read-only and use it now: the
  cache may evict files unused for `CACHE_GRACE_S`.
- `exists(key)`, `size(key)`, `delete(key)` (deleting an absent key is fine);
  `discard(key)` deletes as cleanup and only logs a store failure.
- `scratch_dir()`: a context manager giving a job a private temporary directory under
  DATA_DIR/tmp for its outputs before they are stored; removed on exit.
- `url(key, content_type=..., filename=None, attachment=False) -> str | None`: a
  presigned GET URL, or None for the local backend (`responses.send` serves either).
- `check() -> (ok, detail)`: one cheap round trip, for `fluxnote doctor`.

Failures: ValueError for an invalid key, MissingObject (a FileNotFoundError) for a key
with no object, StorageUnavailable when the store errs or times out after retries.
A write either completes or leaves nothing under its key.
"""

import functools
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from fluxnote import config
from fluxnote.sqltypes import utcnow
from fluxnote.storage.base import MissingObject, StorageUnavailable, Store, check_key
from fluxnote.storage.cache import Cache
from fluxnote.storage.local import LocalStore
from fluxnote.storage.s3 import S3Store

ALLOWED_SUFFIXES = {
    ".png",
    ".jpg",
    ".webp",
    ".mp4",
    ".wav",
    ".mp3",
    ".m4a",
    ".json",
    ".ass",
    ".srt",
}
CACHE_GRACE_S = 600.0
STALE_SCRATCH_S = 24 * 3600.0  # no job runs this long
log = logging.getLogger(__name__)


def new_key(suffix: str) -> str:
    """A fresh storage key for a file of this suffix (ValueError for an unknown suffix)."""
    suffix = suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ValueError(f"unsupported suffix {suffix!r}")
    return f"{utcnow():%Y/%m}/{uuid.uuid4().hex}{suffix}"


def put_file(
    src: str | Path, suffix: str | None = None, *, key: str | None = None, move: bool = False
) -> str:
    """Store a local file (copied, or consumed when `move`) and return its key."""
    src = Path(src)
    key = check_key(key) if key else new_key(suffix or src.suffix)
    store, cache = _backend()
    store.put(key, src, move=move and cache is None)
    if move and cache is not None:
        cache.adopt(key, src)
        Path(src).unlink(missing_ok=True)
    return key


def put_bytes(data: bytes, suffix: str) -> str:
    with scratch_dir() as tmp:
        path = tmp / f"data{suffix}"
        path.write_bytes(data)
        return put_file(path, suffix, move=True)


def fetch(key: str) -> Path:
    """A local, readable path holding the object (see the module doc)."""
    store, cache = _backend()
    if cache is None:
        path = store.local_path(key)
        if not path.is_file():
            raise MissingObject(key)
        return path
    return cache.lookup(key) or cache.fill(key, lambda part: store.get(key, part))


def exists(key: str) -> bool:
    store, cache = _backend()
    return (cache is not None and cache.lookup(key) is not None) or store.exists(key)


def size(key: str) -> int:
    store, cache = _backend()
    cached = cache.lookup(key) if cache is not None else None
    return cached.stat().st_size if cached else store.size(key)


def delete(key: str) -> None:
    store, cache = _backend()
    if cache is not None:
        cache.discard(key)
    store.delete(key)


def discard(key: str) -> None:
    """Delete an object nothing references, as cleanup: a store that is down only costs
    an orphan, logged (never raises StorageUnavailable)."""
    try:
        delete(key)
    except StorageUnavailable as exc:
        log.warning("could not delete orphan %s: %s", key, exc)


def url(
    key: str,
    *,
    content_type: str = "application/octet-stream",
    filename: str | None = None,
    attachment: bool = False,
) -> str | None:
    store, _ = _backend()
    return store.url(key, content_type=content_type, filename=filename, attachment=attachment)


def media_origin() -> str:
    """`scheme://host[:port]` of the presigned URLs browsers are sent to; "" for local
    files or a misconfigured store (signing makes no network call)."""
    try:
        signed = url("origin/probe.png", content_type="image/png")
    except (ValueError, StorageUnavailable):
        return ""
    if not signed:
        return ""
    parts = urlsplit(signed)
    return f"{parts.scheme}://{parts.netloc}"


@contextmanager
def scratch_dir() -> Iterator[Path]:
    """A private temporary directory, removed on exit. What a killed job left behind is
    removed here too, once it is older than STALE_SCRATCH_S."""
    root = Path(config.current()["DATA_DIR"]) / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    _remove_stale(root)
    with tempfile.TemporaryDirectory(prefix="job-", dir=root) as tmp:
        yield Path(tmp)


def _remove_stale(root: Path) -> None:
    cutoff = time.time() - STALE_SCRATCH_S
    for path in root.glob("job-*"):
        try:
            stale = path.stat().st_mtime < cutoff
        except FileNotFoundError:
            continue
        if stale:
            shutil.rmtree(path, ignore_errors=True)


def check() -> tuple[bool, str]:
    """(ok, detail) for the configured store; never raises."""
    try:
        store, _ = _backend()
    except (ValueError, StorageUnavailable) as exc:
        return False, f"storage misconfigured: {exc}"
    return store.check()


def store() -> Store:
    return _backend()[0]


def _backend() -> tuple[Store, Cache | None]:
    cfg = config.current()
    aws = cfg.get("AWS", {})
    return _make_backend(
        os.getpid(),  # a forked work horse makes its own client (sockets are not shared)
        cfg.get("STORAGE_URL", ""),
        cfg["MEDIA_DIR"],
        cfg["DATA_DIR"],
        int(cfg.get("STORAGE_CACHE_MB", 2048)),
        float(cfg.get("STORAGE_TIMEOUT_S", 30.0)),
        cfg.get("STORAGE_PUBLIC_ENDPOINT", ""),
        tuple(sorted(aws.items())),
    )


@functools.lru_cache(maxsize=8)
def _make_backend(
    _pid, url, media_dir, data_dir, cache_mb, timeout_s, public_endpoint, aws_items
) -> tuple[Store, Cache | None]:
    if not url:
        return LocalStore(Path(media_dir)), None
    if not url.startswith("s3://") or not url[5:].split("/", 1)[0]:
        raise ValueError(f"FLUXNOTE_STORAGE_URL must be s3://BUCKET[/PREFIX], not {url!r}")
    bucket, _, prefix = url[5:].partition("/")
    aws = dict(aws_items)
    store = S3Store(
        bucket,
        prefix,
        endpoint_url=aws.get("AWS_ENDPOINT_URL"),
        public_endpoint_url=public_endpoint or None,
        region=aws.get("AWS_DEFAULT_REGION"),
        access_key=aws.get("AWS_ACCESS_KEY_ID"),
        secret_key=aws.get("AWS_SECRET_ACCESS_KEY"),
        session_token=aws.get("AWS_SESSION_TOKEN"),
        timeout_s=timeout_s,
    )
    return store, Cache(Path(data_dir) / "cache", cache_mb * 1024 * 1024, CACHE_GRACE_S)
