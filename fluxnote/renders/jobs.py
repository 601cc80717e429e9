"""RQ jobs of the render domain: a render is planned once, made in pieces by any worker on
any host, and joined by whoever finishes the last piece.

1. `render_project` (the render's own job) takes the row (queued -> running, stage
   "plan"), builds the spec, freezes it on the row (media by storage key) and cuts it into
   pieces: one per video segment (fluxnote.render.segments) and one soundtrack. A piece
   whose content key is already in storage is born done (reused). It enqueues one
   `render_piece` job per missing piece (stage "pieces") and then keeps taking pieces
   itself, so one worker alone needs no queue round trips.
   Media the spec names by content (a file without a storage key) is stored under
   `inputs/<sha256>` and recorded as a done piece of kind "input" for the collector.
2. `render_piece` takes one queued piece (a conditional update: a piece is made once),
   fetches only the media it reads, encodes it to the job's scratch dir and stores it
   under its key (`segments/<hash>.mp4`, `soundtracks/<hash>.m4a`).
3. The job that sees every piece done claims the join (stage "join", a conditional
   update) and concatenates the stored segments with the soundtrack into the render's MP4.

Progress is the frame-weighted sum over pieces; each running piece writes a heartbeat
the sweeper watches. A piece that fails fails the render with a clear message, and the
other pieces stop at their next heartbeat. Renders are free: nothing here touches credits.
"""

import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sqlalchemy import and_, delete, exists, select, update

from fluxnote import events
from fluxnote.extensions import db
from fluxnote.render import segments
from fluxnote.render.audio import write_soundtrack
from fluxnote.renders import portable
from fluxnote.renders.models import Render, RenderPiece
from fluxnote.sqltypes import utcnow
from fluxnote.storage import services as storage
from fluxnote.studio import spec as studio_spec
from fluxnote.studio.models import Project
from fluxnote.studio.services import render_readiness
from fluxnote.tasks import enqueue_after_commit

log = logging.getLogger(__name__)
PROGRESS_STEP = 0.02
PLAN_SHARE, JOIN_SHARE = 0.02, 0.03  # of the progress bar; the pieces share the rest
AUDIO_WEIGHT = 0.05  # the soundtrack's weight, as a fraction of the video's frames
PIECE_TIMEOUT = 1800
PREVIEW_WIDTH, PREVIEW_PRESET = 540, "ultrafast"


class Superseded(Exception):
    """The row left 'running' under us (the sweeper failed or re-queued it)."""


def render_project(render_id: int, on_progress: Callable[[float], None] | None = None) -> None:
    """Plan a queued render and help make its pieces. Never raises for render trouble:
    a failure (unbuildable project, unreadable media, encoder error, store down) marks
    it failed. A render whose project is still building stays queued (it is sent again
    when the build ends); one whose project failed fails with the project's error.
    `on_progress` (in-process callers such as `fluxnote make`) also hears progress."""
    if not _project_allows(render_id) or not _take(render_id):
        return
    try:
        pieces = _plan(render_id)
    except Superseded:
        return
    except Exception as exc:  # recorded on the row; the creator sees the message
        db.session.rollback()
        log.exception("render %s failed", render_id)
        _fail_running(render_id, _message(exc))
        return
    if not pieces:
        _join_if_complete(render_id, on_progress)
    for piece_id in pieces:
        render_piece(piece_id, on_progress)


def render_piece(piece_id: int, on_progress: Callable[[float], None] | None = None) -> None:
    """Make one queued piece and store it; join the render if it was the last. A piece
    taken by another job, or of a render no longer running, is left alone."""
    taken = _take_piece(piece_id)
    if taken is None:
        return
    render_id, kind, key, first, frames, frozen = taken
    beat = PieceBeat(render_id, piece_id, on_progress)
    try:
        if not storage.exists(key):  # another render may have made it meanwhile
            _make(kind, key, first, frames, frozen, beat)
    except Superseded:
        return
    except Exception as exc:
        db.session.rollback()
        log.exception("render %s: piece %s failed", render_id, piece_id)
        _finish_piece(piece_id, "failed")
        _fail_running(render_id, f"A segment could not be made: {_message(exc)}"[:500])
        return
    if _finish_piece(piece_id, "done"):
        _join_if_complete(render_id, on_progress)


def finish_render(render_id: int) -> None:
    """Join a render whose pieces are all done (the sweeper sends this when the job that
    made the last piece died before joining)."""
    _join_if_complete(render_id, None)


# -- planning ------------------------------------------------------------------------
def _plan(render_id: int) -> list[int]:
    render = db.session.get(Render, render_id, populate_existing=True)
    project_id, aspect, quality = render.project_id, render.aspect, render.quality
    db.session.commit()
    spec = studio_spec.build_render_spec(project_id, aspect)
    if quality == "preview":
        width, height = preview_size(spec.width, spec.height)
        spec = replace(spec, width=width, height=height, preset=PREVIEW_PRESET)
    db.session.commit()  # the builder may have read or written: end it here
    frozen = portable.freeze(spec, _stored_key)
    spec = portable.thaw(frozen, scenes=set())  # keys only: planning reads no media
    plan = segments.plan(spec)
    wanted = [("video", f"segments/{s.key}.mp4", s.first_frame, s.frames) for s in plan] + [
        (
            "audio",
            f"soundtracks/{segments.soundtrack_key(spec, frozen['narration'], frozen['music'])}.m4a",
            0,
            0,
        )
    ]
    # media stored by content for this render: recorded too, so the collector knows them
    inputs = [s["key"] for s in frozen["scenes"]] + [frozen["narration"], frozen["music"]]
    wanted += [("input", k, 0, 0) for k in dict.fromkeys(inputs) if k and k.startswith("inputs/")]
    stored = {key for kind, key, _, _ in wanted if kind == "input" or storage.exists(key)}
    return _record_plan(render_id, frozen, wanted, stored)


def _record_plan(render_id: int, frozen: dict, wanted: list, stored: set[str]) -> list[int]:
    """Write the spec and the pieces, move to stage "pieces" and enqueue the missing
    pieces' jobs, in one transaction; returns the ids of the pieces to make."""
    # pieces of an earlier attempt: taken over when wanted again, else kept for the
    # collector only (a piece job finds them no longer queued)
    db.session.execute(
        delete(RenderPiece).where(
            RenderPiece.render_id == render_id, RenderPiece.key.in_([w[1] for w in wanted])
        )
    )
    db.session.execute(
        update(RenderPiece)
        .where(RenderPiece.render_id == render_id)
        .values(status="dropped")
        .execution_options(synchronize_session=False)
    )
    pieces = [
        RenderPiece(
            render_id=render_id,
            index=i,
            kind=kind,
            key=key,
            first_frame=first,
            frames=frames,
            status="done" if key in stored else "queued",
            reused=key in stored,
            progress=1.0 if key in stored else 0.0,
            job_id=f"piece-{uuid.uuid4().hex}",
        )
        for i, (kind, key, first, frames) in enumerate(wanted)
    ]
    db.session.add_all(pieces)
    videos = [p for p in pieces if p.kind == "video"]
    result = db.session.execute(
        update(Render)
        .where(Render.id == render_id, Render.status == "running", Render.stage == "plan")
        .values(
            stage="pieces",
            spec=frozen,
            segments_total=len(videos),
            segments_reused=sum(p.reused for p in videos),
            heartbeat_at=utcnow(),
            progress=PLAN_SHARE,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise Superseded(render_id)
    db.session.flush()
    todo = [p for p in pieces if p.status == "queued"]
    for piece in todo:
        enqueue_piece(piece)
    ids = [p.id for p in todo]
    db.session.commit()
    return ids


def enqueue_piece(piece: RenderPiece) -> None:
    """Send the piece's job once the current transaction commits."""
    enqueue_after_commit(
        "render", render_piece, piece.id, job_id=piece.job_id, job_timeout=PIECE_TIMEOUT
    )


def preview_size(width: int, height: int) -> tuple[int, int]:
    """A preview's frame: at most PREVIEW_WIDTH wide, the aspect kept, even sides."""
    if width <= PREVIEW_WIDTH:
        return width, height
    return PREVIEW_WIDTH, max(16, round(height * PREVIEW_WIDTH / width / 2) * 2)


def _stored_key(path: Path, known: str) -> str:
    """The storage key of a media file: `known` (an asset's key), else the file stored
    under its content hash (once), so every host can fetch it."""
    if known:
        return known
    digest = hashlib.sha256()
    with open(path, "rb") as src:
        for block in iter(lambda: src.read(1 << 20), b""):
            digest.update(block)
    key = f"inputs/{digest.hexdigest()}{Path(path).suffix.lower()}"
    if not storage.exists(key):
        storage.put_file(path, key=key)
    return key


# -- pieces --------------------------------------------------------------------------
def _take_piece(piece_id: int):
    """Claim a queued piece of a render that is making pieces; None when there is none."""
    now = utcnow()
    running = select(Render.id).where(Render.status == "running", Render.stage == "pieces")
    result = db.session.execute(
        update(RenderPiece)
        .where(
            RenderPiece.id == piece_id,
            RenderPiece.status == "queued",
            RenderPiece.render_id.in_(running),
        )
        .values(status="running", attempts=RenderPiece.attempts + 1, heartbeat_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        return None
    piece = db.session.get(RenderPiece, piece_id, populate_existing=True)
    render = db.session.get(Render, piece.render_id, populate_existing=True)
    taken = (render.id, piece.kind, piece.key, piece.first_frame, piece.frames, render.spec)
    db.session.commit()
    return taken


def _make(kind: str, key: str, first: int, frames: int, frozen: dict, beat) -> None:
    with storage.scratch_dir() as tmp:
        if kind == "audio":
            spec = portable.thaw(frozen, scenes=set(), audio=True)
            beat(0.0)
            write_soundtrack(spec, tmp / "soundtrack.m4a")
            storage.put_file(tmp / "soundtrack.m4a", key=key, move=True)
            return
        spec = portable.thaw(frozen, scenes=set())
        segment = segments.Segment(0, first, frames, key)
        needed = set(segments.scene_indexes(spec, segment))
        spec = portable.thaw(frozen, scenes=needed)
        segments.encode_segment(spec, segment, tmp / "segment.mp4", beat)
        storage.put_file(tmp / "segment.mp4", key=key, move=True)


def _finish_piece(piece_id: int, status: str) -> bool:
    result = db.session.execute(
        update(RenderPiece)
        .where(RenderPiece.id == piece_id, RenderPiece.status == "running")
        .values(status=status, progress=1.0 if status == "done" else RenderPiece.progress)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


class PieceBeat:
    """A piece's progress callback: writes the piece's progress and heartbeat and the
    render's summed progress at most every PROGRESS_STEP, each in its own short
    transaction. Raises Superseded when the piece or its render stopped running."""

    def __init__(self, render_id: int, piece_id: int, listener=None):
        self.render_id, self.piece_id, self.listener, self.last = (
            render_id,
            piece_id,
            listener,
            -1.0,
        )

    def __call__(self, fraction: float) -> None:
        if fraction - self.last < PROGRESS_STEP and fraction < 1.0:
            return
        self.last = fraction
        now = utcnow()
        piece = db.session.execute(
            update(RenderPiece)
            .where(RenderPiece.id == self.piece_id, RenderPiece.status == "running")
            .values(progress=fraction, heartbeat_at=now)
            .execution_options(synchronize_session=False)
        )
        total = _summed_progress(self.render_id)
        render = db.session.execute(
            update(Render)
            .where(Render.id == self.render_id, Render.status == "running")
            .values(progress=total, heartbeat_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if piece.rowcount != 1 or render.rowcount != 1:
            raise Superseded(self.render_id)
        if self.listener:
            self.listener(total)


def _summed_progress(render_id: int) -> float:
    """PLAN_SHARE + the pieces' progress weighted by frames (the soundtrack counts as
    AUDIO_WEIGHT of the video) in the share before the join."""
    rows = db.session.execute(
        select(RenderPiece.kind, RenderPiece.frames, RenderPiece.progress).where(
            RenderPiece.render_id == render_id, RenderPiece.status != "dropped"
        )
    ).all()
    video = sum(frames for kind, frames, _ in rows if kind == "video") or 1
    weight = {"video": lambda frames: frames, "audio": lambda _: AUDIO_WEIGHT * video}
    weights = [(weight[kind](frames), p) for kind, frames, p in rows if kind in weight]
    done = sum(w * p for w, p in weights) / (sum(w for w, _ in weights) or 1)
    return round(PLAN_SHARE + (1 - PLAN_SHARE - JOIN_SHARE) * done, 4)


# -- the join ------------------------------------------------------------------------
def _join_if_complete(render_id: int, on_progress) -> None:
    if not _claim_join(render_id):
        return
    render = db.session.get(Render, render_id, populate_existing=True)
    duration = render.spec["duration"]
    keys = list(
        db.session.scalars(
            select(RenderPiece.key)
            .where(RenderPiece.render_id == render_id, RenderPiece.status == "done")
            .order_by(RenderPiece.index)
        )
    )
    db.session.commit()
    try:
        with storage.scratch_dir() as tmp:
            videos = [storage.fetch(k) for k in keys if k.startswith("segments/")]
            soundtrack = storage.fetch(next(k for k in keys if k.startswith("soundtracks/")))
            path = segments.join(videos, soundtrack, Path(tmp) / "render.mp4")
            size = path.stat().st_size
            key = storage.put_file(path, move=True)
    except Exception as exc:
        db.session.rollback()
        log.exception("render %s: join failed", render_id)
        _fail_running(render_id, _message(exc))
        return
    if not _settle(
        render_id,
        status="succeeded",
        stage=None,
        progress=1.0,
        storage_key=key,
        size_bytes=size,
        duration_s=round(duration, 3),
    ):
        storage.discard(key)
    elif on_progress:
        on_progress(1.0)


def _claim_join(render_id: int) -> bool:
    """Move a render from "pieces" to "join" when no live piece is left undone (one
    statement: of two jobs finishing the last pieces together, one wins)."""
    unfinished = exists().where(
        RenderPiece.render_id == render_id,
        RenderPiece.status.in_(("queued", "running", "failed")),
    )
    result = db.session.execute(
        update(Render)
        .where(
            and_(Render.id == render_id, Render.status == "running", Render.stage == "pieces"),
            ~unfinished,
        )
        .values(stage="join", heartbeat_at=utcnow(), progress=1 - JOIN_SHARE)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


# -- the render row --------------------------------------------------------------------
def _project_allows(render_id: int) -> bool:
    render = db.session.get(Render, render_id, populate_existing=True)
    if render is None or render.status != "queued":
        db.session.commit()
        return False
    verdict, error = render_readiness(db.session.get(Project, render.project_id))
    db.session.commit()
    if verdict == "fail":
        fail(render_id, error)
    return verdict == "go"


def _take(render_id: int) -> bool:
    now = utcnow()
    result = db.session.execute(
        update(Render)
        .where(Render.id == render_id, Render.status == "queued")
        .values(
            status="running",
            stage="plan",
            started_at=now,
            heartbeat_at=now,
            progress=0.0,
            attempts=Render.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _settle(render_id: int, **values) -> bool:
    """Finish a running render; emit its webhook after the commit. False if it was not
    running any more."""
    result = db.session.execute(
        update(Render)
        .where(Render.id == render_id, Render.status == "running")
        .values(finished_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount == 1:
        _emit(render_id)
    return result.rowcount == 1


def _fail_running(render_id: int, error: str) -> None:
    _settle(render_id, status="failed", stage=None, error=error)


def _emit(render_id: int) -> None:
    render = db.session.get(Render, render_id, populate_existing=True)
    body = render.to_json()
    workspace_id, event = render.workspace_id, f"render.{render.status}"
    db.session.commit()
    events.render_finished.send(workspace_id, event=event, data=body)


def fail(render_id: int, error: str) -> bool:
    """Mark an in-flight render failed (used by the sweeper); False if it had finished."""
    result = db.session.execute(
        update(Render)
        .where(Render.id == render_id, Render.status.in_(("queued", "running")))
        .values(status="failed", stage=None, error=error, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount == 1:
        _emit(render_id)
    return result.rowcount == 1


def _message(exc: Exception) -> str:
    if isinstance(exc, storage.StorageUnavailable):
        return "The media store is unavailable; render again in a moment."
    if isinstance(exc, (studio_spec.SpecError, ValueError)):
        return str(exc)[:500]
    if isinstance(exc, OSError):
        return "A media file could not be read or the encoder failed."
    return f"The render failed ({exc.__class__.__name__})."
