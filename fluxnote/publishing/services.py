"""Publishing a finished render to a connected account (free: no credit is touched).

`publish` validates, writes the publication and, unless it is scheduled, enqueues the
job after the commit; the clock starts scheduled ones when their time comes and retries
transient failures when their back-off ends (sweeper.py). An `Idempotency-Key` makes a
retried request return the same publication; the same key with another body is refused.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fluxnote.api.openapi import BodyError, check_body
from fluxnote.extensions import db, savepoint
from fluxnote.publishing import jobs, targets
from fluxnote.publishing.models import PRIVACY, Publication
from fluxnote.renders.services import get_render
from fluxnote.sqltypes import utcnow
from fluxnote.tasks import enqueue_after_commit

TITLE_MAX, DESCRIPTION_MAX = 100, 5000
SCHEDULE_MAX = timedelta(days=365)


class PublishInvalid(Exception):
    def __init__(self, field: str | None, message: str, status: int = 422, code: str | None = None):
        super().__init__(message)
        self.field, self.message, self.status, self.code = field, message, status, code


@dataclass
class PublishRequest:
    target_id: int
    title: str
    description: str
    privacy: str
    publish_at: datetime | None


PUBLISH = {
    "type": "object",
    "required": ["target_id", "title"],
    "additionalProperties": False,
    "properties": {
        "target_id": {
            "type": "integer",
            "minimum": 1,
            "maximum": 2**31 - 1,
            "description": "A connected account (GET /api/v1/publish-targets)",
        },
        "title": {"type": "string", "minLength": 1, "maxLength": TITLE_MAX, "pattern": "\\S"},
        "description": {"type": "string", "maxLength": DESCRIPTION_MAX},
        "privacy": {"enum": list(PRIVACY), "default": "public"},
        "publish_at": {
            "type": "string",
            "format": "date-time",
            "description": "Start the upload at this time (with a zone, within a year); "
            "omitted or past: now",
        },
    },
}


def parse(body: object) -> PublishRequest:
    """Check a publish body against PUBLISH; PublishInvalid names the first bad field."""
    try:
        body = check_body(PUBLISH, body)
    except BodyError as exc:
        raise PublishInvalid(exc.field, exc.message) from None
    return PublishRequest(
        body["target_id"],
        body["title"].strip(),
        body.get("description", ""),
        body.get("privacy", "public"),
        _when(body.get("publish_at")),
    )


def _when(value: object) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise PublishInvalid("publish_at", "publish_at must be an ISO 8601 date-time.") from None
    if when.tzinfo is None:
        raise PublishInvalid("publish_at", "publish_at needs a time zone (e.g. Z or +02:00).")
    now = utcnow()
    if when > now + SCHEDULE_MAX:
        raise PublishInvalid("publish_at", "publish_at must be within a year.")
    return when if when > now else None


def publish(
    workspace_id: int, user_id: int | None, render_id: int, body: object, key: str | None = None
) -> Publication:
    """Queue (or schedule) the render's publication (flushed; the caller commits, and its
    job is sent after the commit). Raises LookupError when
    the render is not the workspace's, PublishInvalid otherwise (nothing written)."""
    render = get_render(workspace_id, render_id) if 0 < render_id < 2**31 else None
    if render is None:
        raise LookupError(render_id)
    digest = hashlib.sha256(
        json.dumps([render_id, body], sort_keys=True, default=str).encode()
    ).hexdigest()
    if key:
        earlier = _by_key(workspace_id, key)
        if earlier is not None:
            return _same(earlier, digest)
    req = parse(body)
    if render.status != "succeeded":
        raise PublishInvalid(None, "Only a finished render can be published.", 409, "not_ready")
    target = targets.get_target(workspace_id, req.target_id)
    if target is None or target.status == "revoked":
        raise PublishInvalid("target_id", "No such connected account in this workspace.")
    if target.status != "connected":
        raise PublishInvalid(
            "target_id", f"The {target.platform} account needs reconnecting in Settings."
        )
    publication = Publication(
        workspace_id=workspace_id,
        render_id=render_id,
        target_id=target.id,
        platform=target.platform,
        created_by_id=user_id,
        title=req.title,
        description=req.description,
        privacy=req.privacy,
        publish_at=req.publish_at,
        status="scheduled" if req.publish_at else "queued",
        idempotency_key=key or uuid.uuid4().hex,
        request_hash=digest,
        job_id=f"publish-{uuid.uuid4().hex}",
    )
    try:
        with savepoint():
            db.session.add(publication)
            db.session.flush()
    except IntegrityError:  # the same key, a moment earlier, from a concurrent request
        return _same(_by_key(workspace_id, key), digest)
    if publication.status == "queued":
        enqueue(publication)
    db.session.flush()
    return publication


def _by_key(workspace_id: int, key: str) -> Publication | None:
    return db.session.scalar(
        select(Publication).where(
            Publication.workspace_id == workspace_id, Publication.idempotency_key == key
        )
    )


def _same(earlier: Publication, digest: str) -> Publication:
    if earlier.request_hash != digest:
        raise PublishInvalid(
            None, "This Idempotency-Key was used with another request.", 409, "idempotency_conflict"
        )
    return earlier


def enqueue(publication: Publication) -> None:
    """Send the publication's job once the current transaction commits."""
    enqueue_after_commit(
        "default",
        jobs.publish,
        publication.id,
        job_id=publication.job_id,
        job_timeout=jobs.JOB_TIMEOUT,
    )


def get_publication(workspace_id: int, publication_id: int) -> Publication | None:
    pub = db.session.get(Publication, publication_id) if 0 < publication_id < 2**31 else None
    return pub if pub is not None and pub.workspace_id == workspace_id else None


def for_render(workspace_id: int, render_id: int) -> list[Publication]:
    """The render's publications, newest first (the studio's publish panel)."""
    return list(
        db.session.scalars(
            select(Publication)
            .where(Publication.workspace_id == workspace_id, Publication.render_id == render_id)
            .order_by(Publication.id.desc())
        )
    )
