"""A render of a project to MP4. The row is the truth; the RQ job only advances it."""
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from fluxnote.extensions import db
from fluxnote.models import UTCDateTime, utcnow

IN_FLIGHT = ("queued", "running")


class Render(db.Model):
    """Status moves forward only: queued -> running -> succeeded | failed
    (running may go back to queued when the sweeper retries a dead worker's render)."""

    __tablename__ = "renders"
    __table_args__ = (Index("ix_renders_project", "workspace_id", "project_id"),
                      Index("ix_renders_status", "status"))
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def in_flight(self) -> bool:
        return self.status in IN_FLIGHT

    def to_json(self) -> dict:
        """The API's RENDER object (no url_for: jobs build it outside a request)."""
        body = {"id": self.id, "project_id": self.project_id, "status": self.status,
                "progress": round(self.progress, 3), "width": self.width, "height": self.height,
                "aspect": self.aspect, "created_at": self.created_at.isoformat()}
        if self.duration_s is not None:
            body["duration_s"] = self.duration_s
        if self.status == "succeeded":
            body["url"] = f"/api/v1/renders/{self.id}/file"
        if self.error:
            body["error"] = self.error
        if self.finished_at:
            body["finished_at"] = self.finished_at.isoformat()
        return body
