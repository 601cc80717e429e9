"""The publishing sweeper (periodic, run by the clock): starts scheduled publications
when their time comes, re-enqueues queued ones whose back-off ended or whose job was
lost, and puts back an upload whose worker died (it resumes from the saved state)."""

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from fluxnote.extensions import db
from fluxnote.publishing.models import Publication
from fluxnote.publishing.services import enqueue
from fluxnote.sqltypes import utcnow
from fluxnote.tasks import requeue_lost

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=10)
LOST_AFTER = timedelta(seconds=60)


def sweep(now: datetime | None = None, limit: int = 50) -> dict[str, int]:
    """One bounded pass; returns how many publications each step touched."""
    now = now or utcnow()
    counts = {
        "started": _start_due(now, limit),
        "revived": _revive_dead(now),
        "requeued": requeue_lost(
            Publication,
            enqueue,
            now - LOST_AFTER,
            limit,
            or_(Publication.next_attempt_at.is_(None), Publication.next_attempt_at <= now),
        ),
    }
    db.session.rollback()
    return counts


def _start_due(now: datetime, limit: int) -> int:
    due = list(
        db.session.scalars(
            select(Publication)
            .where(Publication.status == "scheduled", Publication.publish_at <= now)
            .order_by(Publication.publish_at)
            .limit(limit)
        )
    )
    for publication in due:
        publication.status = "queued"
        enqueue(publication)
    db.session.commit()
    return len(due)


def _revive_dead(now: datetime) -> int:
    dead = list(
        db.session.scalars(
            select(Publication).where(
                Publication.status == "uploading", Publication.heartbeat_at <= now - STALE_AFTER
            )
        )
    )
    for publication in dead:
        log.warning("publication %s lost its worker; queued again", publication.id)
        publication.status, publication.next_attempt_at = "queued", now
        enqueue(publication)
    db.session.commit()
    return len(dead)
