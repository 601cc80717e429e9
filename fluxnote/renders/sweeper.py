"""The render sweeper (periodic): no render or piece stays queued or running forever,
and old segments are collected.

A render planning or joining writes a heartbeat; one silent for STALE_AFTER lost its
worker (killed, OOM, job timeout): it is re-queued once (planning again reuses every
piece already stored), then failed. While a render is made in pieces each running piece
writes its own heartbeat: a silent piece is re-queued for any worker once, then the
render fails. Queued renders and pieces whose RQ job is gone are re-enqueued (not a
render whose project is still building: it waits for the build's end on purpose). A
render whose pieces are all done but which nobody joined (the last piece's worker died
in between) gets a join job.

Segments, soundtracks and media stored by content are shared between renders by key
(the storage orphan collector leaves such keys to their owner); one that no render has
used for SEGMENT_TTL, and that no render in flight needs, is deleted from storage.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update

from fluxnote.extensions import db
from fluxnote.renders import jobs
from fluxnote.renders.models import IN_FLIGHT, Render, RenderPiece
from fluxnote.renders.services import enqueue
from fluxnote.sqltypes import utcnow
from fluxnote.storage import services as storage
from fluxnote.studio.models import Project
from fluxnote.tasks import enqueue_after_commit, requeue_lost

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=3)
# a queued render of a project still building has no job on purpose: it waits
_NOT_WAITING = Render.project_id.not_in(select(Project.id).where(Project.status == "building"))
LOST_AFTER = timedelta(seconds=60)
MAX_ATTEMPTS = 2
SEGMENT_TTL = timedelta(days=7)


def sweep(now: datetime | None = None, limit: int = 50) -> dict[str, int]:
    """One bounded pass; returns how many renders each step touched."""
    now = now or utcnow()
    counts = {
        "dead": _retry_or_fail_dead(now, limit),
        "requeued": _requeue_lost(now, limit),
        "dead_pieces": _retry_or_fail_dead_pieces(now, limit),
        "lost_pieces": _requeue_lost_pieces(now, limit),
        "joins": _join_forgotten(limit),
    }
    db.session.rollback()
    return counts


def collect(now: datetime | None = None, limit: int = 200) -> int:
    """Delete stored segments and soundtracks no render used for SEGMENT_TTL and no
    render in flight needs, with their piece rows; returns how many keys went. A store
    that is down leaves the rows for the next pass."""
    now = now or utcnow()
    in_flight = select(RenderPiece.key).join(Render).where(Render.status.in_(IN_FLIGHT))
    keys = list(
        db.session.scalars(
            select(RenderPiece.key)
            .where(RenderPiece.key.not_in(in_flight))
            .group_by(RenderPiece.key)
            .having(func.max(RenderPiece.created_at) <= now - SEGMENT_TTL)
            .limit(limit)
        )
    )
    db.session.rollback()
    gone = 0
    for key in keys:
        try:
            storage.delete(key)
        except storage.StorageUnavailable:
            log.warning("segment %s: store unavailable, kept for the next pass", key)
            continue
        db.session.execute(delete(RenderPiece).where(RenderPiece.key == key))
        db.session.commit()
        gone += 1
    return gone


def _retry_or_fail_dead(now: datetime, limit: int) -> int:
    rows = db.session.execute(
        select(Render.id, Render.attempts)
        .where(
            Render.status == "running",
            Render.stage.is_distinct_from("pieces"),  # pieces have their own heartbeats
            Render.heartbeat_at <= now - STALE_AFTER,
        )
        .order_by(Render.id)
        .limit(limit)
    ).all()
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
        update(Render)
        .where(
            Render.id == render_id,
            Render.status == "running",
            Render.stage.is_distinct_from("pieces"),
            Render.heartbeat_at <= now - STALE_AFTER,
        )
        .values(status="queued", stage=None, progress=0.0)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        enqueue(db.session.get(Render, render_id, populate_existing=True))
    db.session.commit()
    return result.rowcount == 1


def _requeue_lost(now: datetime, limit: int) -> int:
    return requeue_lost(Render, enqueue, now - LOST_AFTER, limit, _NOT_WAITING)


_MAKING = RenderPiece.render_id.in_(
    select(Render.id).where(Render.status == "running", Render.stage == "pieces")
)


def _retry_or_fail_dead_pieces(now: datetime, limit: int) -> int:
    rows = db.session.execute(
        select(RenderPiece.id, RenderPiece.render_id, RenderPiece.attempts)
        .where(
            RenderPiece.status == "running",
            RenderPiece.heartbeat_at <= now - STALE_AFTER,
            _MAKING,
        )
        .order_by(RenderPiece.id)
        .limit(limit)
    ).all()
    db.session.rollback()
    touched = 0
    for piece_id, render_id, attempts in rows:
        if attempts < MAX_ATTEMPTS and _piece_back_to_queue(piece_id, now):
            log.warning("render %s: piece %s lost its worker, re-queued", render_id, piece_id)
            touched += 1
        else:
            touched += jobs.fail(
                render_id, "A segment could not be made: its worker stopped twice."
            )
    return touched


def _piece_back_to_queue(piece_id: int, now: datetime) -> bool:
    result = db.session.execute(
        update(RenderPiece)
        .where(
            RenderPiece.id == piece_id,
            RenderPiece.status == "running",
            RenderPiece.heartbeat_at <= now - STALE_AFTER,
        )
        .values(status="queued", progress=0.0)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        jobs.enqueue_piece(db.session.get(RenderPiece, piece_id, populate_existing=True))
    db.session.commit()
    return result.rowcount == 1


def _requeue_lost_pieces(now: datetime, limit: int) -> int:
    return requeue_lost(RenderPiece, jobs.enqueue_piece, now - LOST_AFTER, limit, _MAKING)


def _join_forgotten(limit: int) -> int:
    unfinished = select(RenderPiece.render_id).where(RenderPiece.status.in_(("queued", "running")))
    ids = list(
        db.session.scalars(
            select(Render.id)
            .where(
                Render.status == "running",
                Render.stage == "pieces",
                Render.id.not_in(unfinished),
            )
            .limit(limit)
        )
    )
    for render_id in ids:
        enqueue_after_commit(
            "render", jobs.finish_render, render_id, job_id=f"render-join-{render_id}"
        )
    db.session.commit()
    return len(ids)
