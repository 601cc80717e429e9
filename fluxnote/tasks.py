"""RQ plumbing shared by every domain's jobs.py: queues, enqueue-after-commit, workers.

Jobs take ids, never objects; the database row is the truth and a sweeper is the
guarantee, so a lost enqueue delays work but never loses it.
"""
import logging
from datetime import datetime
from typing import Callable

from flask import Flask
from rq import Queue, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import event, select

from fluxnote.extensions import db, redis_store

log = logging.getLogger(__name__)
QUEUES = ("priority", "default", "render")
ALIVE = ("queued", "started", "deferred", "scheduled")


def get_queue(name: str) -> Queue:
    return Queue(name, connection=redis_store.conn)


def enqueue_after_commit(queue_name: str, func: Callable | str, *args, job_id: str,
                         **options) -> None:
    """Enqueue `func(*args)` once the current transaction commits (never before, never
    if it rolls back). A Redis failure here is logged, not raised: the sweeper re-enqueues."""
    session = db.session()

    def _send(_session):
        try:
            get_queue(queue_name).enqueue(func, *args, job_id=job_id, **options)
        except Exception:
            import logging
            logging.getLogger(__name__).exception("enqueue of %s failed; sweeper will retry", job_id)

    event.listen(session, "after_commit", _send, once=True)


def job_alive(job_id: str) -> bool:
    """Whether RQ still holds this job in a state that will (or does) run it."""
    try:
        return Job.fetch(job_id, connection=redis_store.conn).get_status() in ALIVE
    except NoSuchJobError:
        return False


def requeue_lost(model, enqueue: Callable, created_before: datetime, limit: int) -> int:
    """Sweeper step: re-enqueue `model` rows still "queued" (created before
    `created_before`) whose RQ job is gone, and commit so the enqueues fire.

    `model` needs `id`, `job_id`, `status` and `created_at`; `enqueue(row)` must enqueue
    after commit. Returns how many were re-enqueued.
    """
    rows = db.session.execute(select(model.id, model.job_id).where(
        model.status == "queued", model.created_at <= created_before)
        .order_by(model.id).limit(limit)).all()
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
