"""The generation sweeper (periodic): nothing stays in flight, no hold lives forever.

One bounded pass: fail and release whatever is past its deadline; re-enqueue queued
generations whose RQ job is lost; re-run (or, out of attempts, fail) running ones
whose worker died before the provider answered; poll providers for overdue ones.
"""

from datetime import datetime, timedelta

from sqlalchemy import select, update

from fluxnote.extensions import db
from fluxnote.generation import jobs, settle
from fluxnote.generation.models import IN_FLIGHT, Generation
from fluxnote.generation.services import JOB_TIMEOUT, enqueue
from fluxnote.sqltypes import utcnow
from fluxnote.tasks import enqueue_after_commit, requeue_lost

LOST_AFTER = timedelta(seconds=30)  # a queued row this old must have a live job
# RQ kills a job after its timeout, so a row still running past it has lost its worker.
LEASE = {kind: timedelta(seconds=seconds + 60) for kind, seconds in JOB_TIMEOUT.items()}
POLL_EVERY = timedelta(seconds=30)


def sweep(now: datetime | None = None, limit: int = 100) -> dict[str, int]:
    """Run every sweeping step once; returns how many generations each step touched."""
    now = now or utcnow()
    counts = {
        "expired": _expire(now, limit),
        "requeued": _requeue_lost(now, limit),
        "rerun": _rerun_dead(now, limit),
        "polled": _poll_overdue(now, limit),
    }
    db.session.rollback()
    return counts


def _ids(*where, limit: int) -> list[int]:
    ids = list(
        db.session.scalars(select(Generation.id).where(*where).order_by(Generation.id).limit(limit))
    )
    db.session.rollback()
    return ids


def _expire(now: datetime, limit: int) -> int:
    ids = _ids(Generation.status.in_(IN_FLIGHT), Generation.deadline <= now, limit=limit)
    return sum(settle.fail(gid, "Timed out: the provider did not deliver in time.") for gid in ids)


def _requeue_lost(now: datetime, limit: int) -> int:
    return requeue_lost(Generation, enqueue, now - LOST_AFTER, limit)


def _rerun_dead(now: datetime, limit: int) -> int:
    """Running without a provider job id past its lease: the worker died mid-job."""
    touched = 0
    for kind, lease in LEASE.items():
        for gid in _ids(
            Generation.status == "running",
            Generation.kind == kind,
            Generation.provider_job_id.is_(None),
            Generation.started_at <= now - lease,
            limit=limit,
        ):
            attempts = db.session.get(Generation, gid).attempts
            if attempts < jobs.MAX_ATTEMPTS and jobs.requeue(gid):
                touched += 1
            else:
                touched += settle.fail(
                    gid, "The worker stopped while making this; credit released."
                )
    return touched


def _poll_overdue(now: datetime, limit: int) -> int:
    """Send a poll job for each remote generation not heard of for POLL_EVERY (the clock
    itself never waits on a provider)."""
    due = Generation.polled_at.is_(None) | (Generation.polled_at <= now - POLL_EVERY)
    ids = _ids(
        Generation.status == "running", Generation.provider_job_id.is_not(None), due, limit=limit
    )
    rows = (
        db.session.execute(
            update(Generation)
            .where(Generation.id.in_(ids), Generation.status == "running", due)
            .values(polled_at=now)
            .returning(Generation.id, Generation.queue)
            .execution_options(synchronize_session=False)
        ).all()
        if ids
        else []
    )
    for gid, queue in rows:
        enqueue_after_commit(
            queue, jobs.poll_generation, gid, job_id=f"poll-{gid}-{int(now.timestamp())}"
        )
    db.session.commit()
    return len(rows)
