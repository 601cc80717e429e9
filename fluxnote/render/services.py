"""Render services: start a render (free: no credit is ever touched), read renders.

Starting only writes a queued row and enqueues `jobs.render_project` after the commit;
the job builds the spec and composes outside any transaction.
"""
import uuid

from sqlalchemy import select

from fluxnote.accounts.models import User, Workspace
from fluxnote.extensions import db
from fluxnote.render.models import IN_FLIGHT, Render
from fluxnote.render.spec import ASPECTS
from fluxnote.studio.models import Project
from fluxnote.tasks import enqueue_after_commit

JOB = "fluxnote.render.jobs.render_project"
JOB_TIMEOUT = 3600


class ProjectNotFound(LookupError):
    """No such project in this workspace."""


def start_render(workspace: Workspace, project_id: int, user: User | None,
                 aspect: str | None = None) -> Render:
    """Queue a render of the project (at `aspect`, default the project's) and commit.

    A render of the same project and aspect already in flight is returned instead of
    starting another. Raises ProjectNotFound when the project is not in the workspace
    and ValueError for an unknown aspect.
    """
    project = db.session.get(Project, project_id)
    if project is None or project.workspace_id != workspace.id:
        raise ProjectNotFound(project_id)
    aspect = aspect or project.aspect
    if aspect not in ASPECTS:
        raise ValueError(f"aspect: one of {', '.join(ASPECTS)}")
    running = db.session.scalar(select(Render).where(
        Render.workspace_id == workspace.id, Render.project_id == project_id,
        Render.aspect == aspect, Render.status.in_(IN_FLIGHT)).limit(1))
    if running is not None:
        db.session.rollback()
        return running
    width, height = ASPECTS[aspect]
    render = Render(workspace_id=workspace.id, project_id=project_id, aspect=aspect,
                    created_by_id=user.id if user else None, width=width, height=height,
                    job_id=f"render-{uuid.uuid4().hex}")
    db.session.add(render)
    db.session.flush()
    enqueue(render)
    db.session.commit()
    return render


def enqueue(render: Render) -> None:
    """Send the render's job once the current transaction commits."""
    enqueue_after_commit("render", JOB, render.id, job_id=render.job_id, job_timeout=JOB_TIMEOUT)


def get_render(workspace_id: int, render_id: int) -> Render | None:
    """The render if it belongs to the workspace, else None."""
    render = db.session.get(Render, render_id)
    return render if render is not None and render.workspace_id == workspace_id else None


def latest_render(workspace_id: int, project_id: int) -> Render | None:
    """The project's most recent render (for the studio's render panel), or None."""
    return db.session.scalar(select(Render).where(
        Render.workspace_id == workspace_id, Render.project_id == project_id)
        .order_by(Render.id.desc()).limit(1))
