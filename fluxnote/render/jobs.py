"""RQ job of the render domain: build the spec, compose outside any transaction, store.

The job takes the row with a conditional queued -> running update (a duplicate job does
nothing), writes progress and a heartbeat every PROGRESS_STEP, and settles the row with
a conditional update, so a render the sweeper gave up on cannot be revived by a late
worker. Renders are free: nothing here touches credits.
"""
import logging
from pathlib import Path

from sqlalchemy import update

from fluxnote.extensions import db
from fluxnote.models import utcnow
from fluxnote.render.compose import compose
from fluxnote.render.models import Render
from fluxnote.storage import services as storage

log = logging.getLogger(__name__)
PROGRESS_STEP = 0.02


class Superseded(Exception):
    """The row left 'running' under us (the sweeper failed or re-queued it)."""


def render_project(render_id: int) -> None:
    """Render one queued render to MP4 and store it. Never raises for render trouble:
    a failure (unbuildable project, unreadable media, encoder error) marks it failed."""
    if not _take(render_id):
        return
    render = db.session.get(Render, render_id, populate_existing=True)
    project_id, aspect = render.project_id, render.aspect
    db.session.commit()
    key = None
    try:
        spec = _build_spec(project_id, aspect)
        db.session.commit()          # the builder may have read or written: end it here
        key, path = storage.reserve_path(".mp4")
        compose(spec, path, Heartbeat(render_id))
    except Superseded:
        _discard(key)
        return
    except Exception as exc:  # recorded on the row; the creator sees the message
        db.session.rollback()
        log.exception("render %s failed", render_id)
        _discard(key)
        _settle(render_id, status="failed", error=_message(exc))
        return
    if not _settle(render_id, status="succeeded", progress=1.0, storage_key=key,
                   size_bytes=Path(path).stat().st_size, duration_s=round(spec.duration, 3)):
        _discard(key)


def _build_spec(project_id: int, aspect: str):
    from fluxnote.studio import spec as studio_spec  # looked up per call (tests swap it)
    return studio_spec.build_render_spec(project_id, aspect)


def _take(render_id: int) -> bool:
    now = utcnow()
    result = db.session.execute(
        update(Render).where(Render.id == render_id, Render.status == "queued")
        .values(status="running", started_at=now, heartbeat_at=now, progress=0.0,
                attempts=Render.attempts + 1).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


class Heartbeat:
    """compose()'s progress callback: writes progress and a heartbeat at most every
    PROGRESS_STEP, each in its own short transaction. Raises Superseded when the row
    is no longer running."""

    def __init__(self, render_id: int):
        self.render_id, self.last = render_id, -1.0

    def __call__(self, fraction: float) -> None:
        if fraction - self.last < PROGRESS_STEP and fraction < 1.0:
            return
        self.last = fraction
        result = db.session.execute(
            update(Render).where(Render.id == self.render_id, Render.status == "running")
            .values(progress=min(fraction, 0.99), heartbeat_at=utcnow())
            .execution_options(synchronize_session=False))
        db.session.commit()
        if result.rowcount != 1:
            raise Superseded(self.render_id)


def _settle(render_id: int, **values) -> bool:
    """Finish a running render; emit its webhook after the commit. False if it was not
    running any more."""
    result = db.session.execute(
        update(Render).where(Render.id == render_id, Render.status == "running")
        .values(finished_at=utcnow(), **values).execution_options(synchronize_session=False))
    db.session.commit()
    if result.rowcount == 1:
        _emit(render_id)
    return result.rowcount == 1


def _emit(render_id: int) -> None:
    try:
        from fluxnote.webhooks import outbound
    except ImportError:
        return
    render = db.session.get(Render, render_id, populate_existing=True)
    body = render.to_json()
    workspace_id, event = render.workspace_id, f"render.{render.status}"
    db.session.commit()
    outbound.emit(workspace_id, event, body)


def fail(render_id: int, error: str) -> bool:
    """Mark an in-flight render failed (used by the sweeper); False if it had finished."""
    result = db.session.execute(
        update(Render).where(Render.id == render_id, Render.status.in_(("queued", "running")))
        .values(status="failed", error=error, finished_at=utcnow())
        .execution_options(synchronize_session=False))
    db.session.commit()
    if result.rowcount == 1:
        _emit(render_id)
    return result.rowcount == 1


def _discard(key: str | None) -> None:
    if key:
        storage.delete(key)


def _message(exc: Exception) -> str:
    from fluxnote.studio.spec import SpecError
    if isinstance(exc, (SpecError, ValueError)):
        return str(exc)[:500]
    if isinstance(exc, OSError):
        return "A media file could not be read or the encoder failed."
    return f"The render failed ({exc.__class__.__name__})."
