"""What the job system is doing, read straight from RQ: queues, workers, failed jobs."""

from dataclasses import dataclass
from datetime import datetime

from rq import Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry, StartedJobRegistry

from fluxnote.extensions import redis_store
from fluxnote.sqltypes import utcnow
from fluxnote.tasks import QUEUES, get_queue


@dataclass
class QueueStats:
    name: str
    waiting: int
    running: int
    failed: int
    oldest_age_s: float | None


@dataclass
class FailedJob:
    id: str
    queue: str
    func: str
    failed_at: datetime | None
    error: str


def queue_stats(now: datetime | None = None) -> list[QueueStats]:
    """Depth, running and failed counts, and the age of the oldest waiting job, per queue."""
    now = now or utcnow()
    stats = []
    for name in QUEUES:
        queue = get_queue(name)
        oldest = None
        for job_id in queue.get_job_ids(0, 1):
            job = queue.fetch_job(job_id)
            if job and job.enqueued_at:
                oldest = max(0.0, (now - job.enqueued_at).total_seconds())
        stats.append(
            QueueStats(
                name,
                queue.count,
                StartedJobRegistry(queue=queue).count,
                FailedJobRegistry(queue=queue).count,
                oldest,
            )
        )
    return stats


def workers() -> list[dict]:
    """Every registered worker: name, state, queues, current job and last heartbeat."""
    rows = []
    for worker in Worker.all(connection=redis_store.conn):
        rows.append(
            {
                "name": worker.name,
                "state": worker.get_state(),
                "queues": worker.queue_names(),
                "job": worker.get_current_job_id(),
                "heartbeat": worker.last_heartbeat,
                "pid": worker.pid,
            }
        )
    return sorted(rows, key=lambda r: r["name"])


def failed_jobs(limit: int = 50) -> list[FailedJob]:
    """The newest failed jobs of every queue, with the last line of their traceback."""
    jobs = []
    for name in QUEUES:
        registry = FailedJobRegistry(queue=get_queue(name))
        ids = registry.get_job_ids(0, limit - 1, desc=True)
        for job in Job.fetch_many(ids, connection=redis_store.conn):
            if job is not None:
                jobs.append(FailedJob(job.id, name, job.func_name, job.ended_at, _error(job)))
    return sorted(jobs, key=lambda j: j.failed_at or utcnow(), reverse=True)[:limit]


def _error(job: Job) -> str:
    result = job.latest_result()
    text = (result.exc_string if result and result.exc_string else "") or ""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "unknown error"


def retry_failed(job_id: str) -> bool:
    """Put a failed job back on its queue. False if no such failed job exists."""
    for name in QUEUES:
        registry = FailedJobRegistry(queue=get_queue(name))
        if job_id in registry.get_job_ids():
            try:
                registry.requeue(job_id)
            except NoSuchJobError:
                return False
            return True
    return False
