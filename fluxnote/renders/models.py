"""A render of a project to MP4, and its pieces. The rows are the truth; RQ jobs only
advance them."""

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from fluxnote.extensions import db
from fluxnote.sqltypes import UTCDateTime, utcnow

IN_FLIGHT = ("queued", "running")
QUALITIES = ("final", "preview")


class Render(db.Model):
    """Status moves forward only: queued -> running -> succeeded | failed
    (running may go back to queued when the sweeper retries a dead worker's render)."""

    __tablename__ = "renders"
    __table_args__ = (
        Index("ix_renders_project", "workspace_id", "project_id"),
        Index("ix_renders_status", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    aspect: Mapped[str] = mapped_column(String(8))
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    duration_s: Mapped[float | None] = mapped_column(Float)
    storage_key: Mapped[str | None] = mapped_column(String(200))
    size_bytes: Mapped[int | None] = mapped_column()
    error: Mapped[str | None] = mapped_column(String(500))
    job_id: Mapped[str] = mapped_column(String(60), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    quality: Mapped[str] = mapped_column(String(8), default="final")
    # while running: "plan" (one job builds the spec), "pieces" (segment and soundtrack
    # jobs, any worker), "join" (one job joins them); None before and after
    stage: Mapped[str | None] = mapped_column(String(8))
    spec: Mapped[dict | None] = mapped_column(JSON)  # the frozen spec, media by storage key
    segments_total: Mapped[int | None] = mapped_column()
    segments_reused: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def in_flight(self) -> bool:
        return self.status in IN_FLIGHT

    def to_json(self) -> dict:
        """The API's RENDER object (no url_for: jobs build it outside a request)."""
        body = {
            "id": self.id,
            "project_id": self.project_id,
            "status": self.status,
            "progress": round(self.progress, 3),
            "width": self.width,
            "height": self.height,
            "aspect": self.aspect,
            "quality": self.quality,
            "created_at": self.created_at.isoformat(),
        }
        if self.segments_total is not None:
            body["segments"] = {"total": self.segments_total, "reused": self.segments_reused or 0}
        if self.duration_s is not None:
            body["duration_s"] = self.duration_s
        if self.status == "succeeded":
            body["url"] = f"/api/v1/renders/{self.id}/file"
        if self.error:
            body["error"] = self.error
        if self.finished_at:
            body["finished_at"] = self.finished_at.isoformat()
        return body


class RenderPiece(db.Model):
    """One job's share of a render: a video segment (kind "video", frames
    [first_frame, first_frame + frames)) or the soundtrack (kind "audio"), stored under
    `key` (a content hash); kind "input" records media the render stored by content. Status: queued -> running -> done | failed; a piece found in
    storage at planning time is born done and `reused`. A running piece writes
    heartbeat_at with its progress; the sweeper re-queues one gone silent."""

    __tablename__ = "render_pieces"
    __table_args__ = (
        Index("ix_render_pieces_render", "render_id"),
        Index("ix_render_pieces_key", "key"),
        Index("ix_render_pieces_status", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    render_id: Mapped[int] = mapped_column(ForeignKey("renders.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(120))
    first_frame: Mapped[int] = mapped_column(default=0)
    frames: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    reused: Mapped[bool] = mapped_column(default=False)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    attempts: Mapped[int] = mapped_column(default=0)
    job_id: Mapped[str] = mapped_column(String(60), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
