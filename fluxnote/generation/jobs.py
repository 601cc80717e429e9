"""RQ jobs of the generation domain. They take ids; the row is the truth.

`run_generation` takes the row with a conditional queued -> running update (so a
duplicate job does nothing), commits, calls the provider outside any transaction,
then settles the result or records the provider's job id and waits for its webhook
or the sweeper's poll. `cancel_at_provider` stops a canceled generation's provider job.
"""

import logging

from flask import current_app
from rq import get_current_job
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from fluxnote.assets.services import get_asset, local_path
from fluxnote.catalog.services import get_model
from fluxnote.extensions import db
from fluxnote.generation import services, settle
from fluxnote.generation.models import Generation, ProviderEvent
from fluxnote.providers.base import GenerationRequest, ProviderError, ProviderResult
from fluxnote.sqltypes import utcnow

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 3


def run_generation(generation_id: int) -> None:
    """Run one queued generation on its provider. Never raises for provider trouble:
    a failure releases the hold; a retryable one re-queues it up to MAX_ATTEMPTS."""
    if not _take(generation_id):
        return
    gen = db.session.get(Generation, generation_id, populate_existing=True)
    request, provider_id, attempts = _request(gen), gen.provider, gen.attempts
    db.session.commit()
    try:
        result = settle.provider_for(provider_id).submit(request)
    except ProviderError as exc:
        if exc.retryable and attempts < MAX_ATTEMPTS and requeue(generation_id):
            return
        settle.fail(generation_id, str(exc) or "The provider failed.")
        return
    except Exception as exc:  # an engine bug must still release the credit
        log.exception("generation %s: provider %s crashed", generation_id, provider_id)
        settle.fail(generation_id, f"The engine failed ({exc.__class__.__name__}).")
        return
    settle.apply_provider_result(generation_id, result)


def _take(generation_id: int) -> bool:
    result = db.session.execute(
        update(Generation)
        .where(Generation.id == generation_id, Generation.status == "queued")
        .values(status="running", started_at=utcnow(), attempts=Generation.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def requeue(generation_id: int) -> bool:
    """Put a running generation back in its queue (after the commit); False if it moved on."""
    result = db.session.execute(
        update(Generation)
        .where(
            Generation.id == generation_id,
            Generation.status == "running",
            Generation.provider_job_id.is_(None),
        )
        .values(status="queued")
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        services.enqueue(db.session.get(Generation, generation_id, populate_existing=True))
    db.session.commit()
    return result.rowcount == 1


def _request(gen: Generation) -> GenerationRequest:
    model = get_model(gen.model)
    source = get_asset(gen.workspace_id, gen.source_asset_id) if gen.source_asset_id else None
    webhook = (
        None
        if model.offline
        else f"{current_app.config['PUBLIC_URL'].rstrip('/')}/webhooks/{gen.provider}"
    )
    aspect = model.native_aspect(gen.aspect, with_image=source is not None)
    return GenerationRequest(
        kind=gen.kind,
        model=model.provider_model,
        prompt=gen.prompt,
        aspect=aspect,
        size=model.resolutions[model.aspects.index(aspect)] if aspect in model.aspects else None,
        duration_s=gen.duration_s,
        source_image=local_path(source) if source else None,
        seed=gen.id,
        webhook_url=webhook,
    )


def poll_generation(generation_id: int) -> bool:
    """Ask the provider for the authoritative status of a running generation and apply it.

    True if the generation changed. A retryable provider error leaves it for the next
    sweep; the deadline bounds how long that can go on.
    """
    gen = db.session.get(Generation, generation_id, populate_existing=True)
    if gen is None or gen.status != "running" or not gen.provider_job_id:
        db.session.rollback()
        return False
    provider_id, job = gen.provider, gen.provider_job_id
    model = get_model(gen.model)  # fal's status URL names the model's app
    gen.polled_at = utcnow()
    db.session.commit()
    try:
        result = settle.provider_for(provider_id).poll(
            job, model=model.provider_model if model else None
        )
    except ProviderError as exc:
        if exc.retryable:
            return False
        return settle.fail(generation_id, str(exc) or "The provider failed.")
    return settle.apply_provider_result(generation_id, result)


def settle_event(event_row_id: int) -> bool:
    """Apply a received provider callback: a verified one as sent, an unverified one
    only as a hint (the status is fetched from the provider)."""
    event = db.session.get(ProviderEvent, event_row_id)
    if event is None or event.generation_id is None:
        db.session.rollback()
        return False
    if not event.verified:
        return poll_generation(event.generation_id)
    result = ProviderResult(
        status=event.status,
        provider_job_id=event.provider_job_id,
        output_url=event.output_url,
        error=event.error,
        moderated=event.moderated,
    )
    generation_id = event.generation_id
    db.session.rollback()
    return settle.apply_provider_result(generation_id, result)


def cancel_at_provider(generation_id: int) -> None:
    """Ask the provider to stop a canceled generation's job, and record the outcome as a
    ProviderEvent ("cancel:<job id>": status "canceled", or "failed" with the error).

    Never touches credits: the cancel already released them. A retryable provider error
    is raised while RQ has retries left (the job was enqueued with a Retry); after that,
    and for any other provider error, it is logged and recorded, not raised.
    """
    gen = db.session.get(Generation, generation_id, populate_existing=True)
    if gen is None or gen.status != "canceled" or not gen.provider_job_id:
        db.session.rollback()
        return
    provider_id, job, model = gen.provider, gen.provider_job_id, get_model(gen.model)
    db.session.rollback()
    try:
        settle.provider_for(provider_id).cancel(job, model=model.provider_model if model else None)
    except ProviderError as exc:
        current = get_current_job()
        if exc.retryable and current is not None and current.retries_left:
            raise
        log.warning(
            "generation %s: %s did not cancel job %s: %s", generation_id, provider_id, job, exc
        )
        _record_cancel(generation_id, provider_id, job, str(exc) or "cancel failed")
        return
    _record_cancel(generation_id, provider_id, job, None)


def _record_cancel(generation_id: int, provider_id: str, job: str, error: str | None) -> None:
    db.session.add(
        ProviderEvent(
            provider=provider_id,
            event_id=f"cancel:{job}"[:200],
            provider_job_id=job,
            generation_id=generation_id,
            verified=True,
            status="failed" if error else "canceled",
            error=error[:500] if error else None,
        )
    )
    try:
        db.session.commit()
    except IntegrityError:  # a re-run of this job: the first outcome stays
        db.session.rollback()
