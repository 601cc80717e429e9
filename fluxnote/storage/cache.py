"""A bounded local cache of a remote store's objects, least recently used out first.

Objects are immutable, so a cached file is valid for ever: it is looked up by key and
never revalidated. A fetch downloads to a temporary name and renames it into place, so
concurrent processes on one host share the cache safely. Using a file refreshes its
mtime; after each addition the oldest files go until the cache is within its bound,
except files used in the last `grace_s` seconds (a running job may still open them), so
the cache can exceed its bound by what is in use right now.
"""

import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from fluxnote.storage.base import check_key

STALE_PART_S = 24 * 3600.0


class Cache:
    def __init__(self, root: Path, max_bytes: int, grace_s: float = 600.0):
        self.root, self.max_bytes, self.grace_s = Path(root).resolve(), max_bytes, grace_s

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def lookup(self, key: str) -> Path | None:
        """The cached file (its use recorded), or None."""
        path = self.path(key)
        try:
            os.utime(path)
        except FileNotFoundError:
            return None
        return path

    def fill(self, key: str, write: Callable[[Path], None]) -> Path:
        """Cache the object `write(tmp_path)` produces; its path. Whatever `write`
        raises propagates and leaves nothing behind."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        try:
            write(part)
            os.replace(part, path)
        finally:
            part.unlink(missing_ok=True)
        self.evict()
        return path

    def adopt(self, key: str, src: Path) -> None:
        """Move a file just stored under `key` into the cache (the writer's host will
        likely read it next); a file on another filesystem is left where it is."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(src, path)
        except OSError:
            return
        self.evict()

    def discard(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def evict(self) -> int:
        """Remove least recently used files until the cache fits; the bytes freed."""
        files = []
        for path in self.root.rglob("*"):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            if not path.is_file():
                continue
            if not path.name.endswith(".part"):
                files.append((stat.st_mtime, stat.st_size, path))
            elif stat.st_mtime < time.time() - STALE_PART_S:  # its writer was killed
                path.unlink(missing_ok=True)
        total = sum(size for _, size, _ in files)
        freed, cutoff = 0, time.time() - self.grace_s
        for mtime, size, path in sorted(files, key=lambda f: f[0]):
            if total - freed <= self.max_bytes or mtime > cutoff:
                break
            path.unlink(missing_ok=True)
            freed += size
        return freed
