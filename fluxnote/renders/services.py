"""Render services: start a render (free: no credit is ever touched), read renders.

Starting only writes a queued row and enqueues `jobs.render_project` after the commit;
the job builds the spec and composes outside any transaction. A render of a project that
is still building (or waiting for generated visuals) stays queued without a job until
`resume_waiting` — called when the project's build or one of its generations ends —
sends it, or fails it with the project's error.
"""

import logging
import uuid

from sqlalchemy import select

from fluxnote.accounts.models import User, Workspace
from fluxnote.extensions import db
from fluxnote.media.frames import ASPECTS
from fluxnote.renders import jobs
from fluxnote.renders.models import IN_FLIGHT, QUALITIES, Render
from fluxnote.studio.models import Project
from fluxnote.studio.services import render_readiness
from fluxnote.tasks import enqueue_after_commit

log = logging.getLogger(__name__)
JOB_TIMEOUT = 3600


class ProjectNotFound(LookupError):
    """No such project in this workspace."""


def start_render(
    workspace: Workspace,
    project_id: int,
    user: User | None,
    aspect: str | None = None,
    quality: str = "final",
) -> Render:
    """Queue a render of the project (at `aspect`, default the project's; `quality`
    "final" or "preview": at most 540 px wide, fastest preset); flushes, the caller commits
    (its job is sent after the commit).

    A render of the same project, aspect and quality already in flight is returned
    instead of starting another. While the project is building the render is accepted and waits
    (no job until `resume_waiting`). Raises ProjectNotFound when the project is not in the workspace
    and ValueError for an unknown aspect.
    """
    project = db.session.get(Project, project_id)
    if project is None or project.workspace_id != workspace.id:
        raise ProjectNotFound(project_id)
    aspect = aspect or project.aspect
    if aspect not in ASPECTS:
        raise ValueError(f"aspect: one of {', '.join(ASPECTS)}")
    if quality not in QUALITIES:
        raise ValueError(f"quality: one of {', '.join(QUALITIES)}")
    running = db.session.scalar(
        select(Render)
        .where(
            Render.workspace_id == workspace.id,
            Render.project_id == project_id,
            Render.aspect == aspect,
            Render.quality == quality,
            Render.status.in_(IN_FLIGHT),
        )
        .limit(1)
    )
    if running is not None:
        return running
    width, height = jobs.preview_size(*ASPECTS[aspect]) if quality == "preview" else ASPECTS[aspect]
    render = Render(
        workspace_id=workspace.id,
        project_id=project_id,
        aspect=aspect,
        created_by_id=user.id if user else None,
        width=width,
        height=height,
        quality=quality,
        job_id=f"render-{uuid.uuid4().hex}",
    )
    db.session.add(render)
    db.session.flush()
    if render_readiness(project)[0] != "wait":
        enqueue(render)
    return render


def resume_waiting(workspace_id: int, project_id: int) -> int:
    """Send the jobs of the project's waiting renders once it can be rendered, or fail
    them with its error when its build failed; commits. Returns how many moved."""
    project = db.session.get(Project, project_id)
    if project is None or project.workspace_id != workspace_id:
        return 0
    verdict, error = render_readiness(project)
    waiting = list(
        db.session.scalars(
            select(Render).where(Render.project_id == project_id, Render.status == "queued")
        )
    )
    db.session.commit()
    if verdict == "wait":
        return 0
    for render in waiting:
        if verdict == "fail":
            jobs.fail(render.id, error)
        else:
            enqueue(render)
    db.session.commit()
    return len(waiting)


def on_project_event(workspace_id: int, event: str, data: dict) -> None:
    """Receiver of project_finished / generation_finished: resume the renders waiting
    for that project. Never raises (a signal receiver); the sweeper catches up."""
    project_id = data.get("id") if event.startswith("project.") else data.get("project_id")
    if not project_id:
        return
    try:
        resume_waiting(workspace_id, project_id)
    except Exception:
        log.exception("resuming renders of project %s failed", project_id)
        db.session.rollback()


def enqueue(render: Render) -> None:
    """Send the render's job once the current transaction commits."""
    enqueue_after_commit(
        "render", jobs.render_project, render.id, job_id=render.job_id, job_timeout=JOB_TIMEOUT
    )


def get_render(workspace_id: int, render_id: int) -> Render | None:
    """The render if it belongs to the workspace, else None."""
    render = db.session.get(Render, render_id)
    return render if render is not None and render.workspace_id == workspace_id else None


def latest_render(project: Project) -> Render | None:
    """The project's most recent render (for the studio's render panel), or None."""
    return db.session.scalar(
        select(Render)
        .where(Render.workspace_id == project.workspace_id, Render.project_id == project.id)
        .order_by(Render.id.desc())
        .limit(1)
    )


def latest_playable(workspace_id: int, project_id: int) -> Render | None:
    """The project's most recent succeeded render (what the studio's player plays)."""
    return db.session.scalar(
        select(Render)
        .where(
            Render.workspace_id == workspace_id,
            Render.project_id == project_id,
            Render.status == "succeeded",
            Render.storage_key.is_not(None),
        )
        .order_by(Render.id.desc())
        .limit(1)
    )


def stored_keys(keys: list[str]) -> set[str]:
    """The storage keys among `keys` that a render's file uses (the orphan collector's owner)."""
    return set(db.session.scalars(select(Render.storage_key).where(Render.storage_key.in_(keys))))
