"""The studio's sweeper: a project whose build stopped moving (lost job, dead worker) is
queued again. Building is idempotent, so a re-run continues where the last one stopped."""

from datetime import timedelta

from sqlalchemy import select

from fluxnote.extensions import db
from fluxnote.sqltypes import utcnow
from fluxnote.studio import jobs
from fluxnote.studio.models import Project
from fluxnote.tasks import enqueue_after_commit

STALE_AFTER = timedelta(minutes=5)
BATCH = 20


def sweep() -> int:
    """Re-enqueue builds idle for STALE_AFTER; returns how many were queued again."""
    now = utcnow()
    stale = list(
        db.session.scalars(
            select(Project)
            .where(Project.status == "building", Project.updated_at < now - STALE_AFTER)
            .limit(BATCH)
        )
    )
    for project in stale:
        project.updated_at = now
        enqueue_after_commit(
            "default",
            jobs.build_project,
            project.id,
            job_id=f"project-build-{project.id}-{int(now.timestamp())}",
        )
    db.session.commit()
    return len(stale)
