"""The render sweeper (periodic): no render stays queued or running forever.

A running render writes a heartbeat at least every 2 % of progress; one silent for
STALE_AFTER lost its worker (killed, OOM, job timeout): it is re-queued once, then
failed. A queued render whose RQ job is gone is re-enqueued.
"""
import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update

from fluxnote.extensions import db
from fluxnote.models import utcnow
from fluxnote.render import jobs
from fluxnote.render.models import Render
from fluxnote.render.services import enqueue
from fluxnote.tasks import requeue_lost

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=3)
LOST_AFTER = timedelta(seconds=60)
MAX_ATTEMPTS = 2


def sweep(now: datetime | None = None, limit: int = 50) -> dict[str, int]:
    """One bounded pass; returns how many renders each step touched."""
    now = now or utcnow()
    counts = {"dead": _retry_or_fail_dead(now, limit), "requeued": _requeue_lost(now, limit)}
    db.session.rollback()
    return counts


def _retry_or_fail_dead(now: datetime, limit: int) -> int:
    rows = db.session.execute(select(Render.id, Render.attempts).where(
        Render.status == "running", Render.heartbeat_at <= now - STALE_AFTER)
        .order_by(Render.id).limit(limit)).all()
    db.session.rollback()
    touched = 0
    for render_id, attempts in rows:
        if attempts < MAX_ATTEMPTS and _back_to_queue(render_id, now):
            log.warning("render %s: worker lost, re-queued", render_id)
            touched += 1
        else:
            touched += jobs.fail(render_id, "The render worker stopped; please render again.")
    return touched


def _back_to_queue(render_id: int, now: datetime) -> bool:
    result = db.session.execute(
        update(Render).where(Render.id == render_id, Render.status == "running",
                             Render.heartbeat_at <= now - STALE_AFTER)
        .values(status="queued", progress=0.0).execution_options(synchronize_session=False))
    if result.rowcount == 1:
        enqueue(db.session.get(Render, render_id, populate_existing=True))
    db.session.commit()
    return result.rowcount == 1


def _requeue_lost(now: datetime, limit: int) -> int:
    return requeue_lost(Render, enqueue, now - LOST_AFTER, limit)
