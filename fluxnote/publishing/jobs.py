"""The publish job (RQ): upload a render to its target and record the post.

The job takes the row with a conditional queued -> uploading update (a duplicate job does
nothing) and keeps the upload's resume state on it, so a retry continues the same upload
instead of posting again. A transient failure (network, 5xx, 429) sends the row back to
"queued" with `next_attempt_at` after BACKOFF[n] (the clock re-enqueues it); after
MAX_ATTEMPTS, or for quota, policy and consent errors, it fails with the reason.
Renders are read through the storage API. Publishing is free: no credit is touched.
"""

import logging
import os
from datetime import timedelta

from sqlalchemy import or_, update

from fluxnote import events
from fluxnote.extensions import db
from fluxnote.publishing import targets
from fluxnote.publishing.crypto import TokenUnreadable
from fluxnote.publishing.models import Publication
from fluxnote.publishing.platforms import PLATFORMS
from fluxnote.publishing.platforms.base import AuthRejected, Posted, PublishError, Upload
from fluxnote.renders.models import Render
from fluxnote.sqltypes import utcnow
from fluxnote.storage import services as storage

log = logging.getLogger(__name__)
BACKOFF = (30, 120, 600, 1800, 3600)  # seconds before attempt n+2
MAX_ATTEMPTS = len(BACKOFF) + 1
JOB_TIMEOUT = 3600


def publish(publication_id: int) -> None:
    """Upload one queued publication. Never raises for platform trouble: the row records
    the outcome (published, failed, or queued again for a later retry)."""
    if not _take(publication_id):
        return
    try:
        posted = _upload(publication_id)
    except PublishError as exc:
        db.session.rollback()
        _after_error(publication_id, exc)
        return
    except TokenUnreadable:
        db.session.rollback()
        _settle(
            publication_id,
            status="failed",
            error="The stored access can no longer be read (the server's key changed): reconnect the account in Settings.",
        )
        return
    except Exception as exc:  # a bug or a local failure: recorded, retried like a transient one
        db.session.rollback()
        log.exception("publication %s failed", publication_id)
        _after_error(
            publication_id,
            PublishError("error", f"Publishing failed ({exc.__class__.__name__}).", True),
        )
        return
    _settle(publication_id, status="published", post_id=posted.post_id, url=posted.url, error=None)


def _take(publication_id: int) -> bool:
    now = utcnow()
    result = db.session.execute(
        update(Publication)
        .where(
            Publication.id == publication_id,
            Publication.status == "queued",
            or_(Publication.next_attempt_at.is_(None), Publication.next_attempt_at <= now),
        )
        .values(status="uploading", heartbeat_at=now, attempts=Publication.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _upload(publication_id: int) -> Posted:
    pub = db.session.get(Publication, publication_id, populate_existing=True)
    key = db.session.get(Render, pub.render_id).storage_key
    target, platform = pub.target, PLATFORMS[pub.platform]
    with storage.fetch(key).open("rb") as file:
        upload = Upload(
            file=file,
            size=os.fstat(file.fileno()).st_size,
            title=pub.title,
            description=pub.description,
            privacy=pub.privacy,
            upload_url=pub.upload_url,
            remote_id=pub.remote_id,
            uploaded_bytes=pub.uploaded_bytes,
            save=lambda **state: _save(publication_id, **state),
            handle=target.account_handle,
        )
        try:
            return platform.upload(targets.access_token(target), upload)
        except AuthRejected:
            return platform.upload(targets.access_token(target, force=True), upload)


def _save(publication_id: int, **state) -> None:
    """Keep the upload's resume state (and a heartbeat) on the row, in its own commit."""
    db.session.execute(
        update(Publication)
        .where(Publication.id == publication_id, Publication.status == "uploading")
        .values(heartbeat_at=utcnow(), **state)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _after_error(publication_id: int, exc: PublishError) -> None:
    pub = db.session.get(Publication, publication_id, populate_existing=True)
    attempts = pub.attempts
    db.session.commit()
    if exc.retryable and attempts < MAX_ATTEMPTS:
        log.warning("publication %s: %s; retry %s", publication_id, exc.message, attempts)
        db.session.execute(
            update(Publication)
            .where(Publication.id == publication_id, Publication.status == "uploading")
            .values(
                status="queued",
                error=exc.message[:500],
                next_attempt_at=utcnow() + timedelta(seconds=BACKOFF[attempts - 1]),
            )
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        return
    _settle(publication_id, status="failed", error=f"{exc.code}: {exc.message}"[:500])


def _settle(publication_id: int, **values) -> None:
    """Finish an uploading publication and announce it after the commit."""
    result = db.session.execute(
        update(Publication)
        .where(Publication.id == publication_id, Publication.status == "uploading")
        .values(finished_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount == 1:
        pub = db.session.get(Publication, publication_id, populate_existing=True)
        body, workspace_id = pub.to_json(), pub.workspace_id
        db.session.commit()
        event = "publication.succeeded" if pub.status == "published" else "publication.failed"
        events.publication_finished.send(workspace_id, event=event, data=body)
