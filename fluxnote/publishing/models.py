"""Connected accounts (publish targets) and publications of renders to them."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fluxnote.extensions import db
from fluxnote.sqltypes import UTCDateTime, utcnow

PLATFORMS = ("youtube", "tiktok")
PRIVACY = ("public", "unlisted", "private")
IN_FLIGHT = ("scheduled", "queued", "uploading")


class PublishTarget(db.Model):
    """One platform account connected to a workspace. Tokens are sealed (crypto.seal);
    `status` is "connected", "expired" (consent lost: reconnect) or "revoked"."""

    __tablename__ = "publish_targets"
    __table_args__ = (UniqueConstraint("workspace_id", "platform", "account_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), index=True)
    platform: Mapped[str] = mapped_column(String(10))
    account_id: Mapped[str] = mapped_column(String(100))
    account_name: Mapped[str] = mapped_column(String(200))
    account_handle: Mapped[str | None] = mapped_column(String(200))
    access_token: Mapped[str | None] = mapped_column(Text)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scope: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(10), default="connected")
    connected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "platform": self.platform,
            "account_id": self.account_id,
            "account_name": self.account_name,
            "status": self.status,
            "connected_at": self.created_at.isoformat(),
        }


class Publication(db.Model):
    """A render posted to a target. Status: scheduled -> queued -> uploading ->
    published | failed (uploading goes back to queued for a retry after a transient
    error). `idempotency_key` (the request's Idempotency-Key, else a random one) makes a
    retried request find this publication instead of making a second; `upload_url` /
    `remote_id` / `uploaded_bytes` make a retried job resume the same upload instead of
    starting a second post."""

    __tablename__ = "publications"
    __table_args__ = (
        Index("ix_publications_status", "status", "next_attempt_at"),
        UniqueConstraint("workspace_id", "idempotency_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), index=True)
    render_id: Mapped[int] = mapped_column(ForeignKey("renders.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("publish_targets.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    platform: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    privacy: Mapped[str] = mapped_column(String(10), default="public")
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    idempotency_key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    upload_url: Mapped[str | None] = mapped_column(Text)
    remote_id: Mapped[str | None] = mapped_column(String(200))
    uploaded_bytes: Mapped[int] = mapped_column(default=0)
    post_id: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(String(500))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    job_id: Mapped[str] = mapped_column(String(60), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    target: Mapped[PublishTarget] = relationship()

    @property
    def in_flight(self) -> bool:
        return self.status in IN_FLIGHT

    def to_json(self) -> dict:
        """The API's PUBLICATION object."""
        body = {
            "id": self.id,
            "render_id": self.render_id,
            "target_id": self.target_id,
            "platform": self.platform,
            "status": self.status,
            "title": self.title,
            "privacy": self.privacy,
            "created_at": self.created_at.isoformat(),
        }
        optional = {
            "publish_at": self.publish_at.isoformat() if self.publish_at else None,
            "post_id": self.post_id,
            "url": self.url,
            "error": self.error,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }
        return body | {k: v for k, v in optional.items() if v is not None}
