"""Doctor check for media storage: the configured store (local files or an S3 bucket)
answers its own probe (`services.check`)."""

from __future__ import annotations

from fluxnote.checks import Check, CheckFailed
from fluxnote.storage import services


def checks() -> list[Check]:
    return [Check("storage", storage)]


def storage() -> str:
    """Where media lives; CheckFailed with the store's own reason when it does not work."""
    ok, detail = services.check()
    if not ok:
        raise CheckFailed(detail)
    return detail
