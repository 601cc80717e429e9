"""Collecting stored objects nothing references any more: a superseded voiceover, a
re-voiced scene's narration, a result whose job died between storing and recording it,
a cleanup that failed while the store was down.

Each domain that records keys registers an owner: `register_owner(finder)`, where
`finder(keys)` returns the subset of `keys` it still references. `collect()` deletes the
objects `services.new_key` named (`<yyyy>/<mm>/<uuid32>.<ext>`) that are older than
MIN_AGE_S and that no owner claims. Keys a caller names itself (`put_file(key=...)`,
e.g. content-addressed segments) are never touched: their owner collects them. With no
owner registered nothing is deleted. The clock runs `sweep` (at most once every
SWEEP_EVERY_S across all clocks, by a Redis lock).
"""

import logging
import re
import time
from collections.abc import Callable, Iterable

from fluxnote.extensions import redis_store
from fluxnote.storage import services
from fluxnote.storage.base import StorageUnavailable

log = logging.getLogger(__name__)
GENERATED_KEY = re.compile(r"^\d{4}/\d{2}/[0-9a-f]{32}\.[a-z0-9]+$")
MIN_AGE_S = 24 * 3600.0  # far longer than any job takes from storing to recording a key
BATCH = 2000
SWEEP_EVERY_S = 6 * 3600  # orphans are few; a pass lists the whole store
_OWNERS: list[Callable[[list[str]], set[str]]] = []


def register_owner(finder: Callable[[list[str]], set[str]]) -> None:
    """Have `collect` ask `finder(keys)` which of these keys it still references."""
    if finder not in _OWNERS:
        _OWNERS.append(finder)


def collect(min_age_s: float | None = None) -> int:
    """Delete unreferenced generated objects older than `min_age_s` (default MIN_AGE_S);
    how many. StorageUnavailable if the store cannot list or delete (what was done
    stays done)."""
    if not _OWNERS:
        return 0
    cutoff = time.time() - (MIN_AGE_S if min_age_s is None else min_age_s)
    candidates = (
        key
        for key, modified in services.store().listing()
        if modified < cutoff and GENERATED_KEY.match(key)
    )
    deleted = 0
    for chunk in _chunks(candidates, BATCH):
        claimed = set().union(*(finder(chunk) for finder in _OWNERS))
        for key in chunk:
            if key not in claimed:
                services.delete(key)
                deleted += 1
    return deleted


def sweep() -> int:
    """The clock's pass: `collect` at most once per SWEEP_EVERY_S over all clocks."""
    if not redis_store.conn.set("fluxnote:storage:orphans", "1", nx=True, ex=SWEEP_EVERY_S):
        return 0
    try:
        deleted = collect()
    except StorageUnavailable as exc:
        log.warning("orphan collection stopped: %s", exc)
        return 0
    if deleted:
        log.info("deleted %d orphaned stored objects", deleted)
    return deleted


def _chunks(items: Iterable[str], size: int) -> Iterable[list[str]]:
    chunk: list[str] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
