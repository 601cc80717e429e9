"""A generation (the database row is the truth) and the provider events already seen."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fluxnote.catalog.services import get_model
from fluxnote.credits.models import CreditHold
from fluxnote.extensions import db
from fluxnote.media.frames import DEFAULT_ASPECT
from fluxnote.sqltypes import UTCDateTime, utcnow

IN_FLIGHT = ("queued", "running")
CREDIT_STATE = {"held": "reserved", "captured": "captured", "released": "released"}


class Generation(db.Model):
    """One credited asset being made. Status moves forward only:
    queued -> running -> succeeded | failed | canceled (queued may also fail or cancel)."""

    __tablename__ = "generations"
    __table_args__ = (
        UniqueConstraint("workspace_id", "idempotency_key", "variation"),
        Index("ix_generations_provider_job", "provider", "provider_job_id"),
        Index("ix_generations_status_deadline", "status", "deadline"),
        Index("ix_generations_created_at", "created_at"),  # ops: the last 24 hours
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(10))
    model: Mapped[str] = mapped_column(String(60))
    provider: Mapped[str] = mapped_column(String(20))
    engine: Mapped[str] = mapped_column(String(80))
    prompt: Mapped[str] = mapped_column(Text)
    aspect: Mapped[str] = mapped_column(String(5), default=DEFAULT_ASPECT)
    duration_s: Mapped[int | None] = mapped_column()
    source_asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"))
    project_id: Mapped[int | None] = mapped_column(index=True)
    batch: Mapped[str] = mapped_column(String(32), index=True)
    variation: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    hold_id: Mapped[int] = mapped_column(ForeignKey("credit_holds.id"), unique=True)
    queue: Mapped[str] = mapped_column(String(10))
    job_id: Mapped[str | None] = mapped_column(String(60), unique=True)
    provider_job_id: Mapped[str | None] = mapped_column(String(200))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id"))
    error: Mapped[str | None] = mapped_column(String(500))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    hold: Mapped[CreditHold] = relationship()

    @property
    def credit(self) -> str:
        return CREDIT_STATE[self.hold.state]

    @property
    def in_flight(self) -> bool:
        return self.status in IN_FLIGHT

    def to_json(self) -> dict:
        body = {
            "id": self.id,
            "kind": self.kind,
            "model": self.model,
            "engine": self.engine,
            "status": self.status,
            "credit": self.credit,
            "prompt": self.prompt,
            "aspect": self.aspect,
            "created_at": self.created_at.isoformat(),
        }
        for name in ("duration_s", "source_asset_id", "project_id", "asset_id", "error"):
            if getattr(self, name) is not None:
                body[name] = getattr(self, name)
        if self.finished_at:
            body["finished_at"] = self.finished_at.isoformat()
        notice = self.notice
        if notice:
            body["notice"] = notice
        return body

    @property
    def notice(self) -> str | None:
        """What the studio must tell about the result's shape (it will be cropped to the
        asked aspect in the render), or None when the model frames it as asked."""
        model = get_model(self.model)
        if model is None:
            return None
        return model.fit_notice(self.aspect, with_image=self.source_asset_id is not None)


class ProviderEvent(db.Model):
    """A provider callback already received: the unique pair makes duplicates no-ops.

    The answer to our own cancel request is kept here too (event id "cancel:<job id>",
    status "canceled" or "failed"), so ops see it beside the callbacks."""

    __tablename__ = "provider_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(200))
    provider_job_id: Mapped[str | None] = mapped_column(String(200))
    generation_id: Mapped[int | None] = mapped_column(ForeignKey("generations.id"))
    verified: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str | None] = mapped_column(String(10))
    output_url: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(String(500))
    moderated: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
