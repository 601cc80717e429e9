"""Studio jobs (RQ): take ids, run inside the worker's app context."""

from sqlalchemy import select

from fluxnote.extensions import db
from fluxnote.studio import footage
from fluxnote.studio.build import build_project as _build
from fluxnote.studio.models import Project
from fluxnote.tasks import enqueue_after_commit


def build_project(project_id: int) -> None:
    """Build a quick-created project's media; the project row records success or failure.

    Variants duplicated while it was building were copied half-built and wait for it:
    once it is done (ready or failed) each of them is built too, finishing its own copy.
    """
    try:
        _build(project_id)
    finally:
        build_waiting_variants(project_id)


def build_waiting_variants(project_id: int) -> None:
    """Enqueue, after the commit, the build of every variant of `project_id` still building."""
    db.session.rollback()
    variants = db.session.scalars(
        select(Project.id).where(Project.parent_id == project_id, Project.status == "building")
    ).all()
    for variant_id in variants:
        enqueue_after_commit(
            "default", build_project, variant_id, job_id=f"project-build-{variant_id}-after-parent"
        )
    db.session.commit()


def swap_stock(scene_id: int, choice: int) -> None:
    """Download a scene's stock alternate `choice` and show it; a failure is the scene's
    note and the scene keeps its visual."""
    footage.use_stock(scene_id, choice)
