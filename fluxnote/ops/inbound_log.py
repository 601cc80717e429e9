"""Every provider callback as ops sees it: signature result and dedupe outcome.

The inbound view (generation domain) answers 200 {"status": accepted|duplicate|unmatched},
401 for a bad signature, 404 for an unknown provider, 413 for an oversized body; this hook
records each answer after the view is done, and a failure to log never changes the
response. Rejected callbacks cost an anonymous sender nothing, so at most
REJECTED_PER_MINUTE of them are kept per minute (the rest are dropped), and every stored
text is cut to its column.
"""

import logging
from datetime import datetime, timedelta

from flask import Response, request
from sqlalchemy import String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from fluxnote.extensions import db
from fluxnote.sqltypes import UTCDateTime, utcnow

log = logging.getLogger(__name__)
ENDPOINT = "webhooks_in.provider_callback"
KEEP = timedelta(days=30)
OUTCOMES = {401: "bad signature", 404: "unknown provider", 413: "body too large"}
REJECTED_PER_MINUTE = 30


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
    if code != 200 and _rejected_last_minute() >= REJECTED_PER_MINUTE:
        return
    db.session.add(
        InboundCallback(
            provider=(request.view_args or {}).get("provider_id", "")[:40],
            status_code=code,
            outcome=str(outcome)[:30],
            detail=(detail or "")[:200] or None,
            body_bytes=request.content_length or 0,
            received_at=utcnow(),
        )
    )
    db.session.commit()


def _rejected_last_minute() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(InboundCallback)
        .where(
            InboundCallback.status_code != 200,
            InboundCallback.received_at >= utcnow() - timedelta(minutes=1),
        )
    )


def recent(limit: int = 50) -> list[InboundCallback]:
    return db.session.scalars(
        select(InboundCallback).order_by(InboundCallback.id.desc()).limit(limit)
    ).all()


def prune(now: datetime | None = None) -> int:
    """Periodic: forget callbacks older than KEEP. Returns how many rows went."""
    result = db.session.execute(
        delete(InboundCallback).where(InboundCallback.received_at < (now or utcnow()) - KEEP)
    )
    db.session.commit()
    return result.rowcount
