"""The storage contract every backend keeps, and the errors callers see.

A store holds immutable objects under keys (`<yyyy>/<mm>/<uuid><suffix>` from
`services.new_key`, or a caller's own safe key such as a content hash). An object is
visible under its key only once it is complete: a write that fails leaves nothing
there, so a key recorded in the database always names a whole file.
"""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*(/[a-z0-9][a-z0-9_.-]*)*$")
MAX_KEY_LENGTH = 200


class StorageError(Exception):
    """Base of the storage errors."""


class StorageUnavailable(StorageError):
    """The store failed, refused or timed out (after the client's own retries). Jobs
    fail or retry on it; the web answers 503 `storage_unavailable`."""


class MissingObject(StorageError, FileNotFoundError):
    """No object under this key (a FileNotFoundError, so media readers treat it alike)."""


def check_key(key: str) -> str:
    """The key itself, or ValueError for one that could escape a root or a prefix."""
    if (
        not isinstance(key, str)
        or len(key) > MAX_KEY_LENGTH
        or not KEY_PATTERN.match(key)
        or ".." in key
    ):
        raise ValueError("invalid storage key")
    return key


class Store(Protocol):
    """What a backend does. Every method raises StorageUnavailable when the store
    cannot answer, and ValueError for an invalid key."""

    name: str

    def put(self, key: str, src: Path, *, move: bool = False) -> None:
        """Store the local file `src` under `key`, complete or not at all."""

    def get(self, key: str, dest: Path) -> None:
        """Write the object to the local file `dest` (MissingObject if absent)."""

    def local_path(self, key: str) -> Path | None:
        """A path where the object can be read in place, or None (remote store)."""

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int:
        """The object's size in bytes (MissingObject if absent)."""

    def delete(self, key: str) -> None:
        """Remove the object; deleting an absent key is not an error."""

    def url(
        self, key: str, *, content_type: str, filename: str | None, attachment: bool
    ) -> str | None:
        """A time-limited URL a browser can GET the object from, or None (local)."""

    def listing(self) -> Iterator[tuple[str, float]]:
        """Every stored (key, last-modified epoch seconds), in no particular order."""

    def check(self) -> tuple[bool, str]:
        """(ok, detail) after one cheap round trip; never raises."""
