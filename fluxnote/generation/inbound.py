"""Provider callbacks: verify, dedupe by event id, hand over to a job, answer fast.

A verified failure is applied at once (a database write). Anything slower — fetching
a successful result, or asking the provider for the truth behind an unverified hint —
is a job on the generation's queue, enqueued after the event is committed.
"""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fluxnote.extensions import db
from fluxnote.generation import jobs, settle
from fluxnote.generation.models import Generation, ProviderEvent
from fluxnote.providers import registry
from fluxnote.providers.base import InvalidSignature, WebhookEvent
from fluxnote.tasks import enqueue_after_commit

__all__ = ["MAX_BODY_BYTES", "InvalidSignature", "UnknownProvider", "receive"]
MAX_BODY_BYTES = 1024 * 1024  # a prediction with its logs is a few KiB
MAX_ID_LENGTH = 200  # ProviderEvent.event_id / provider_job_id


class UnknownProvider(Exception):
    """No provider with that id takes callbacks (answer 404)."""


def receive(provider_id: str, headers: dict, body: bytes) -> str:
    """Take one callback; returns "accepted", "duplicate" or "unmatched".

    Raises UnknownProvider (no such provider, or one that sends no callbacks: offline,
    OpenAI, Runway), or InvalidSignature for a missing, forged, tampered or stale
    signature or ids longer than the database keeps; in every case nothing is written.
    """
    if not registry.takes_webhooks(provider_id):
        raise UnknownProvider(provider_id)
    event = settle.provider_for(provider_id).parse_webhook(headers, body)
    if max(len(event.event_id), len(event.provider_job_id)) > MAX_ID_LENGTH:
        raise InvalidSignature(f"callback ids are limited to {MAX_ID_LENGTH} characters")
    row = _record(provider_id, event)
    if row is None:
        return "duplicate"
    if row.generation_id is None:  # kept: taken up once the job id is known (note_progress)
        return "unmatched"
    if event.verified and event.result.status == "failed":
        settle.apply_provider_result(row.generation_id, event.result)
        return "accepted"
    queue = db.session.get(Generation, row.generation_id).queue
    enqueue_after_commit(queue, jobs.settle_event, row.id, job_id=f"provider-event-{row.id}")
    db.session.commit()
    return "accepted"


def _record(provider_id: str, event: WebhookEvent) -> ProviderEvent | None:
    """Store the event once; None if this event id was seen before."""
    gen_id = db.session.scalar(
        select(Generation.id).where(
            Generation.provider == provider_id, Generation.provider_job_id == event.provider_job_id
        )
    )
    result = event.result
    row = ProviderEvent(
        provider=provider_id,
        event_id=event.event_id,
        provider_job_id=event.provider_job_id,
        generation_id=gen_id,
        verified=event.verified,
        status=result.status,
        output_url=result.output_url,
        error=(result.error or "")[:500] or None,
        moderated=result.moderated,
    )
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return row
