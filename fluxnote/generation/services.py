"""Submitting, cancelling and reading generations. Services own the commit.

Submit reserves every credit of the request (1-4 variations) all or nothing in the
same transaction that inserts the rows, and enqueues the jobs only after that commit:
on `priority` for workspaces whose plan has the priority queue, else on `default`.
Cancel releases the credit at once and, after its commit, sends a job that stops the
work at the provider, so the request never waits on one.
"""

import hashlib
import json
import uuid
from datetime import timedelta

from rq import Retry
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from fluxnote.accounts.models import Workspace
from fluxnote.assets.models import Asset
from fluxnote.credits.services import release, reserve
from fluxnote.extensions import db, savepoint
from fluxnote.generation import jobs
from fluxnote.generation.models import IN_FLIGHT, Generation
from fluxnote.generation.validation import GenerationSpec, validate
from fluxnote.plans import get_plan
from fluxnote.sqltypes import MAX_INT, utcnow
from fluxnote.tasks import enqueue_after_commit

DEADLINE = {"image": timedelta(minutes=15), "video": timedelta(minutes=60)}
JOB_TIMEOUT = {"image": 240, "video": 540}
CANCEL_RETRIES = 3


class IdempotencyConflict(Exception):
    """The Idempotency-Key was already used with a different request body."""


def request_hash(body: object) -> str:
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()


def submit(
    workspace: Workspace, user_id: int | None, body: object, idempotency_key: str | None = None
) -> list[Generation]:
    """Validate, reserve and insert in the caller's transaction (flushed, not committed);
    each generation's job is sent once the caller commits. Returns the generations.

    With an `idempotency_key` already used in this workspace, returns that request's
    generations untouched (same body) or raises IdempotencyConflict (other body).
    Raises InvalidRequest or InsufficientCredits; the writes run in a savepoint, so on
    any error nothing is written and the caller's transaction is left as it was.
    """
    digest = request_hash(body)
    if idempotency_key and (done := _by_key(workspace.id, idempotency_key)):
        return _replay(done, digest)
    spec = validate(workspace.id, body)
    try:
        with savepoint():
            return _create(workspace, user_id, spec, idempotency_key, digest)
    except IntegrityError:  # the same key, committed by a concurrent request meanwhile
        done = _by_key(workspace.id, idempotency_key) if idempotency_key else []
        if not done:
            raise
        return _replay(done, digest)


def _by_key(workspace_id: int, key: str) -> list[Generation]:
    return list(
        db.session.scalars(
            select(Generation)
            .where(Generation.workspace_id == workspace_id, Generation.idempotency_key == key)
            .order_by(Generation.variation)
        )
    )


def _replay(done: list[Generation], digest: str) -> list[Generation]:
    if done[0].request_hash != digest:
        raise IdempotencyConflict("This Idempotency-Key was used with a different request.")
    return done


def _create(
    workspace: Workspace,
    user_id: int | None,
    spec: GenerationSpec,
    idempotency_key: str | None,
    digest: str,
) -> list[Generation]:
    model, batch, now = spec.model, uuid.uuid4().hex, utcnow()
    queue = get_plan(workspace.plan).queue
    holds = reserve(workspace.id, model.kind, f"gen:{batch}", user_id, count=spec.variations)
    generations = []
    for variation, hold in enumerate(holds):
        gen = Generation(
            workspace_id=workspace.id,
            user_id=user_id,
            kind=model.kind,
            model=model.id,
            provider=model.provider,
            engine=model.name,
            prompt=spec.prompt,
            aspect=spec.aspect,
            duration_s=spec.duration_s,
            source_asset_id=spec.source_asset_id,
            project_id=spec.project_id,
            batch=batch,
            variation=variation,
            status="queued",
            hold_id=hold.id,
            queue=queue,
            idempotency_key=idempotency_key,
            request_hash=digest,
            deadline=now + DEADLINE[model.kind],
            created_at=now,
        )
        db.session.add(gen)
        db.session.flush()
        gen.job_id = f"generation-{gen.id}"
        enqueue(gen)
        generations.append(gen)
    return generations


def enqueue(gen: Generation) -> None:
    """Send the generation's job to its queue once the current transaction commits."""
    enqueue_after_commit(
        gen.queue,
        jobs.run_generation,
        gen.id,
        job_id=gen.job_id,
        job_timeout=JOB_TIMEOUT[gen.kind],
        result_ttl=600,
        failure_ttl=86400,
    )


def enqueue_provider_cancel(generation_id: int, queue: str) -> None:
    """Send the job that stops the generation's work at its provider, once the current
    transaction commits. A retryable provider failure is retried CANCEL_RETRIES times,
    at once: interval retries would need an RQ scheduler, and the workers run none."""
    enqueue_after_commit(
        queue,
        jobs.cancel_at_provider,
        generation_id,
        job_id=f"cancel-{generation_id}",
        retry=Retry(max=CANCEL_RETRIES),
        job_timeout=120,
        failure_ttl=86400,
    )


def get_generation(workspace_id: int, generation_id: int) -> Generation | None:
    """The generation if it belongs to the workspace, else None (callers answer 404)."""
    if not 0 < generation_id <= MAX_INT:
        return None
    gen = db.session.get(Generation, generation_id, populate_existing=True)
    return gen if gen and gen.workspace_id == workspace_id else None


def recent(workspace_id: int, limit: int = 24) -> list[Generation]:
    """The workspace's latest generations, newest first."""
    return list(
        db.session.scalars(
            select(Generation)
            .where(Generation.workspace_id == workspace_id)
            .order_by(Generation.id.desc())
            .limit(limit)
        )
    )


def source_images(workspace_id: int, limit: int = 50) -> list[Asset]:
    """Image assets (generated or uploaded) that can start an image-to-video generation."""
    return list(
        db.session.scalars(
            select(Asset)
            .where(Asset.workspace_id == workspace_id, Asset.kind == "image")
            .order_by(Asset.id.desc())
            .limit(limit)
        )
    )


def batch_of(gen: Generation) -> list[int]:
    return list(
        db.session.scalars(
            select(Generation.id)
            .where(Generation.batch == gen.batch)
            .order_by(Generation.variation)
        )
    )


def cancel(workspace_id: int, generation_id: int) -> Generation | None:
    """Cancel a queued or running generation and release its credit; a job already
    sent to a provider is then canceled there too (`enqueue_provider_cancel`).

    Returns the generation (unchanged if it had already finished), None if it is not
    in this workspace. A provider result arriving later changes nothing.
    """
    gen = get_generation(workspace_id, generation_id)
    if gen is None:
        return None
    row = db.session.execute(
        update(Generation)
        .where(Generation.id == gen.id, Generation.status.in_(IN_FLIGHT))
        .values(status="canceled", error="Canceled.", finished_at=utcnow())
        .returning(Generation.hold_id, Generation.provider_job_id, Generation.queue)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if row is not None:
        release(row.hold_id, reason="generation canceled")
        if row.provider_job_id:  # only queue providers record one while in flight
            enqueue_provider_cancel(gen.id, row.queue)
    db.session.flush()
    return get_generation(workspace_id, generation_id)
