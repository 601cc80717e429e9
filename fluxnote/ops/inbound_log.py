"""Every provider callback as ops sees it: signature result and dedupe outcome.

The inbound view (generation domain) answers 200 {"status": accepted|duplicate|unmatched},
401 for a bad signature or 404 for an unknown provider; this hook records each answer
after the view is done, and a failure to log never changes the response.
"""
import logging
from datetime import datetime, timedelta

from flask import Response, request
from sqlalchemy import String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from fluxnote.extensions import db
from fluxnote.models import UTCDateTime, utcnow

log = logging.getLogger(__name__)
ENDPOINT = "webhooks_in.provider_callback"
KEEP = timedelta(days=30)
OUTCOMES = {401: "bad signature", 404: "unknown provider"}


class InboundCallback(db.Model):
    __tablename__ = "ops_inbound_callbacks"
    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))
    status_code: Mapped[int] = mapped_column()
    outcome: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str | None] = mapped_column(String(200))
    body_bytes: Mapped[int] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


def after_request(response: Response) -> Response:
    """App-wide after_request: record provider callbacks; never raises."""
    if request.endpoint == ENDPOINT:
        try:
            _record(response)
        except Exception:
            log.exception("could not log a provider callback")
            db.session.rollback()
    return response


def _record(response: Response) -> None:
    body = response.get_json(silent=True) or {}
    code = response.status_code
    outcome = body.get("status") if code == 200 else OUTCOMES.get(code, f"HTTP {code}")
    detail = (body.get("error") or {}).get("message") if code != 200 else None
    db.session.rollback()  # the view is done: whatever it left uncommitted would be dropped anyway
    db.session.add(InboundCallback(
        provider=(request.view_args or {}).get("provider_id", "")[:40], status_code=code,
        outcome=str(outcome)[:30], detail=(detail or "")[:200] or None,
        body_bytes=request.content_length or 0, received_at=utcnow()))
    db.session.commit()


def recent(limit: int = 50) -> list[InboundCallback]:
    return db.session.scalars(select(InboundCallback).order_by(InboundCallback.id.desc())
                              .limit(limit)).all()


def prune(now: datetime | None = None) -> int:
    """Periodic: forget callbacks older than KEEP. Returns how many rows went."""
    result = db.session.execute(delete(InboundCallback).where(
        InboundCallback.received_at < (now or utcnow()) - KEEP))
    db.session.commit()
    return result.rowcount
