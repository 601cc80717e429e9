"""RQ plumbing shared by every domain's jobs.py: queues, enqueue-after-commit, workers.

Jobs take ids, never objects; the database row is the truth and a sweeper is the
guarantee, so a lost enqueue delays work but never loses it.
"""
from typing import Callable

from flask import Flask
from rq import Queue, Worker
from sqlalchemy import event

from fluxnote.extensions import db, redis_store

QUEUES = ("priority", "default", "render")


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
