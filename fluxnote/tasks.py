"""RQ plumbing shared by every domain's jobs.py: queues, enqueue-after-commit, workers.

Jobs take ids, never objects; the database row is the truth and a sweeper is the
guarantee, so a lost enqueue delays work but never loses it.
"""

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial

from flask import Flask
from rq import Queue, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from fluxnote.extensions import db, redis_store

log = logging.getLogger(__name__)
QUEUES = ("priority", "default", "render")
ALIVE = ("queued", "started", "deferred", "scheduled")


def get_queue(name: str) -> Queue:
    return Queue(name, connection=redis_store.conn)


def enqueue_after_commit(queue_name: str, func: Callable, *args, job_id: str, **options) -> None:
    """Enqueue `func(*args)` once the current transaction commits: never before (a
    released savepoint is no commit), never if it, or the savepoint the call was made
    in, rolls back. A Redis failure then is logged, not raised: the sweeper re-enqueues."""
    session = db.session()
    scope = session.get_nested_transaction() or session.get_transaction()
    send = partial(get_queue(queue_name).enqueue, func, *args, job_id=job_id, **options)
    session.info.setdefault(_PENDING, []).append((scope, job_id, send))


_PENDING = "fluxnote_jobs_after_commit"


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    if session.get_nested_transaction() is not None or not session.info.get(_PENDING):
        return  # SQLAlchemy reports a released savepoint as a commit too: not yet
    for _scope, job_id, send in session.info.pop(_PENDING):
        try:
            send()
        except Exception:
            log.exception("enqueue of %s failed; sweeper will retry", job_id)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, rolled_back) -> None:
    pending = session.info.get(_PENDING)
    if pending:
        session.info[_PENDING] = [job for job in pending if not _inside(job[0], rolled_back)]


def _inside(scope, rolled_back) -> bool:
    """Whether work done in transaction `scope` went with the `rolled_back` one."""
    if scope is None:  # made before any transaction began: only the outermost counts
        return rolled_back.parent is None
    while scope is not None:
        if scope is rolled_back:
            return True
        scope = scope.parent
    return False


def job_alive(job_id: str) -> bool:
    """Whether RQ still holds this job in a state that will (or does) run it."""
    try:
        return Job.fetch(job_id, connection=redis_store.conn).get_status() in ALIVE
    except NoSuchJobError:
        return False


def requeue_lost(
    model, enqueue: Callable, created_before: datetime, limit: int, *conditions
) -> int:
    """Sweeper step: re-enqueue `model` rows still "queued" (created before
    `created_before`, matching `conditions`) whose RQ job is gone, and commit so the
    enqueues fire.

    `model` needs `id`, `job_id`, `status` and `created_at`; `enqueue(row)` must enqueue
    after commit. Returns how many were re-enqueued.
    """
    rows = db.session.execute(
        select(model.id, model.job_id)
        .where(model.status == "queued", model.created_at <= created_before, *conditions)
        .order_by(model.id)
        .limit(limit)
    ).all()
    lost = [row_id for row_id, job_id in rows if not job_alive(job_id)]
    for row_id in lost:
        log.warning("%s %s: job lost, re-enqueued", model.__tablename__, row_id)
        enqueue(db.session.get(model, row_id))
    db.session.commit()
    return len(lost)


class AppWorker(Worker):
    """An RQ worker whose forked work horses start with fresh database connections."""

    def main_work_horse(self, *args, **kwargs):
        db.engine.dispose(close=False)
        return super().main_work_horse(*args, **kwargs)


def run_worker(app: Flask, queues: list[str], burst: bool = False) -> None:
    """Work `queues` in order (earlier queues always drained first) inside an app context."""
    with app.app_context():
        worker = AppWorker([get_queue(q) for q in queues], connection=redis_store.conn)
        worker.work(burst=burst, with_scheduler=False)
