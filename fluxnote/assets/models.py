"""Assets: generated or uploaded media (image, video, audio) owned by a workspace."""

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fluxnote.extensions import db
from fluxnote.sqltypes import UTCDateTime, utcnow

CONTENT_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".mp4": "video/mp4",
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
}


class Asset(db.Model):
    __tablename__ = "assets"
    # one asset per stock item and workspace: a stock video is downloaded once
    __table_args__ = (UniqueConstraint("workspace_id", "stock_ref"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # image | video | audio
    source: Mapped[str] = mapped_column(String(10))  # generated | upload | stock
    engine: Mapped[str | None] = mapped_column(String(80))  # display name of what made it
    model_id: Mapped[str | None] = mapped_column(String(80))
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    content_type: Mapped[str] = mapped_column(String(60))
    width: Mapped[int | None] = mapped_column()
    height: Mapped[int | None] = mapped_column()
    duration_s: Mapped[float | None] = mapped_column(Float)
    size_bytes: Mapped[int] = mapped_column(default=0)
    title: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    stock_ref: Mapped[str | None] = mapped_column(String(80))  # "pexels:video:123"
    attribution: Mapped[dict | None] = mapped_column(JSON)  # {provider, url, author, licence}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def to_json(self) -> dict:
        from flask import url_for

        body = {
            "id": self.id,
            "kind": self.kind,
            "source": self.source,
            "url": url_for("assets_api.asset_file", asset_id=self.id),
        }
        for field in ("engine", "width", "height", "duration_s", "attribution"):
            if getattr(self, field) is not None:
                body[field] = getattr(self, field)
        return body
