"""Settling a generation from what its provider says: the forward-only state machine.

Every resolution is one conditional UPDATE from an in-flight status, so a duplicate,
late or out-of-order signal (webhook, poll, sweeper, cancel) finds nothing to change,
and of a capture racing a release exactly one wins. Success stores the file, records
the asset under the engine's name and captures the hold; failure, moderation, timeout
and cancellation release it. Slow work (downloads) happens outside any transaction.
"""

import logging
from pathlib import Path

from PIL import Image
from sqlalchemy import update

from fluxnote import events
from fluxnote.assets.services import add_asset
from fluxnote.credits.services import capture, release
from fluxnote.extensions import db
from fluxnote.generation import jobs, services
from fluxnote.generation.models import IN_FLIGHT, Generation, ProviderEvent
from fluxnote.providers import registry
from fluxnote.providers.base import ProviderError, ProviderResult
from fluxnote.sqltypes import utcnow
from fluxnote.storage import services as storage
from fluxnote.tasks import enqueue_after_commit

log = logging.getLogger(__name__)
Image.preinit()  # load the image plugins once: every forked work horse inherits them
MODERATED = "Refused by the provider's content policy."


def provider_for(provider_id: str):
    """The provider adapter (its registry raises KeyError for an unknown id)."""
    return registry.get_provider(provider_id)


def apply_provider_result(generation_id: int, result: ProviderResult) -> bool:
    """Move the generation forward by `result`; True if this call changed it.

    Never raises for provider trouble: a result that cannot be fetched fails the
    generation (retryable fetch errors leave it for the sweeper's next poll).
    """
    if result.status in ("queued", "running"):
        return note_progress(generation_id, result.provider_job_id)
    if result.status == "succeeded":
        return _succeed(generation_id, result)
    return fail(
        generation_id, MODERATED if result.moderated else (result.error or "The provider failed.")
    )


def note_progress(generation_id: int, provider_job_id: str | None) -> bool:
    """Record the provider's job id of a running generation (first id wins), and take up
    any callback for that job that arrived before the id was known. The id of a job
    that started after the user canceled is recorded too, and that job canceled."""
    row = db.session.execute(
        update(Generation)
        .where(
            Generation.id == generation_id,
            Generation.status == "running",
            Generation.provider_job_id.is_(None),
        )
        .values(provider_job_id=provider_job_id, polled_at=utcnow())
        .returning(Generation.provider, Generation.queue)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if row is not None and provider_job_id:
        _adopt_early_events(generation_id, row.provider, row.queue, provider_job_id)
    elif provider_job_id:
        _cancel_late_job(generation_id, provider_job_id)
    db.session.commit()
    return row is not None and provider_job_id is not None


def _cancel_late_job(generation_id: int, provider_job_id: str) -> None:
    """The user canceled while the provider was taking the job: keep its id and stop it."""
    queue = db.session.execute(
        update(Generation)
        .where(
            Generation.id == generation_id,
            Generation.status == "canceled",
            Generation.provider_job_id.is_(None),
        )
        .values(provider_job_id=provider_job_id)
        .returning(Generation.queue)
        .execution_options(synchronize_session=False)
    ).scalar()
    if queue is not None:
        services.enqueue_provider_cancel(generation_id, queue)


def _adopt_early_events(
    generation_id: int, provider: str, queue: str, provider_job_id: str
) -> None:
    event_ids = db.session.scalars(
        update(ProviderEvent)
        .where(
            ProviderEvent.provider == provider,
            ProviderEvent.provider_job_id == provider_job_id,
            ProviderEvent.generation_id.is_(None),
        )
        .values(generation_id=generation_id)
        .returning(ProviderEvent.id)
        .execution_options(synchronize_session=False)
    ).all()
    for event_id in event_ids:
        enqueue_after_commit(
            queue, jobs.settle_event, event_id, job_id=f"provider-event-{event_id}"
        )


def fail(generation_id: int, error: str, status: str = "failed") -> bool:
    """Fail (or cancel) an in-flight generation and release its hold; False if finished."""
    hold_id = db.session.execute(
        update(Generation)
        .where(Generation.id == generation_id, Generation.status.in_(IN_FLIGHT))
        .values(status=status, error=error[:500], finished_at=utcnow())
        .returning(Generation.hold_id)
        .execution_options(synchronize_session=False)
    ).scalar()
    if hold_id is None:
        db.session.rollback()
        return False
    release(hold_id, reason=f"generation {generation_id} {status}: {error}"[:300])
    db.session.commit()
    _emit(generation_id, "generation.failed")
    return True


def _succeed(generation_id: int, result: ProviderResult) -> bool:
    gen = db.session.get(Generation, generation_id, populate_existing=True)
    if gen is None or not gen.in_flight:
        db.session.rollback()
        return False
    provider_id = gen.provider
    db.session.rollback()
    with storage.scratch_dir() as tmp:
        try:
            path = result.output_path or provider_for(provider_id).fetch_result(result, Path(tmp))
            key = _store(Path(path))
        except ProviderError as exc:
            if exc.retryable:
                log.warning("generation %s: fetch failed, will poll again: %s", generation_id, exc)
                return False
            return fail(generation_id, f"Could not fetch the result: {exc}")
        except (OSError, storage.StorageUnavailable) as exc:
            return fail(generation_id, f"Could not store the result: {exc}")
    try:
        recorded = _record_success(generation_id, key, result)
    except (OSError, storage.StorageUnavailable) as exc:  # garbage bytes (PIL's
        # UnidentifiedImageError is an OSError), or the store failed reading it back
        db.session.rollback()
        storage.discard(key)
        return fail(
            generation_id,
            f"The provider's result is not a readable file ({exc.__class__.__name__}).",
        )
    if recorded:
        _emit(generation_id, "generation.succeeded")
        return True
    storage.discard(key)
    return False


def _store(path: Path) -> str:
    """Take the result file into media storage (moved; it was written for us).
    StorageUnavailable if the store cannot take it (nothing is stored then)."""
    if not path.is_file() or path.stat().st_size == 0:
        raise OSError("the provider's result file is missing or empty")
    return storage.put_file(path, move=True)


def _record_success(generation_id: int, key: str, result: ProviderResult) -> bool:
    row = db.session.execute(
        update(Generation)
        .where(Generation.id == generation_id, Generation.status.in_(IN_FLIGHT))
        .values(status="succeeded", finished_at=utcnow(), error=None)
        .returning(
            Generation.hold_id,
            Generation.workspace_id,
            Generation.kind,
            Generation.engine,
            Generation.model,
            Generation.user_id,
            Generation.prompt,
            Generation.duration_s,
        )
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if row is None:
        db.session.rollback()
        return False
    width, height, duration = _dimensions(storage.fetch(key), result.meta)
    duration = duration if duration is not None else row.duration_s
    asset = add_asset(
        row.workspace_id,
        row.kind,
        "generated",
        key,
        width=width,
        height=height,
        duration_s=duration,
        engine=row.engine,
        model_id=row.model,
        title=row.prompt[:200],
        created_by_id=row.user_id,
    )
    db.session.execute(
        update(Generation)
        .where(Generation.id == generation_id)
        .values(asset_id=asset.id)
        .execution_options(synchronize_session=False)
    )
    capture(row.hold_id)
    db.session.commit()
    return True


def _dimensions(path: Path, meta: dict) -> tuple[int | None, int | None, float | None]:
    width, height, duration = meta.get("width"), meta.get("height"), meta.get("duration_s")
    if (width is None or height is None) and path.suffix in (".png", ".jpg", ".webp"):
        with Image.open(path) as img:
            width, height = img.size
    return width, height, duration


def _emit(generation_id: int, event_type: str) -> None:
    """Announce the finished generation (after our commit; listeners never raise)."""
    gen = db.session.get(Generation, generation_id, populate_existing=True)
    events.generation_finished.send(gen.workspace_id, event=event_type, data=gen.to_json())
