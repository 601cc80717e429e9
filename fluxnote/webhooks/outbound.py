"""Outgoing webhooks: endpoints, `emit`, signed delivery with back-off, and the sweeper.

Deliveries follow the Standard Webhooks spec: body `{"type", "timestamp", "data"}`,
headers `webhook-id` (stable across retries), `webhook-timestamp` and
`webhook-signature` (HMAC-SHA256 with the endpoint's `whsec_` secret), made with the
`standardwebhooks` library. A non-2xx answer or a network error is retried after
BACKOFF[n] seconds; the sweeper (periodic) sends every delivery that is due, so a lost
job or a killed worker delays a delivery but never loses it.
"""

import base64
import json
import logging
import secrets
import time
from datetime import datetime, timedelta

import httpx
from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload
from standardwebhooks import Webhook

from fluxnote.accounts.models import Workspace
from fluxnote.extensions import db
from fluxnote.netguard import UnsafeUrl as WebhookUrlError
from fluxnote.netguard import check_url, pinned_request
from fluxnote.sqltypes import utcnow
from fluxnote.tasks import enqueue_after_commit, get_queue, job_alive
from fluxnote.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

BACKOFF = (5, 30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600)  # seconds before attempt n+2
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = timedelta(seconds=60)
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
MAX_ENDPOINTS = 10


def _allow_private() -> bool:
    """ALLOW_PRIVATE_WEBHOOK_URLS (API.md's own switch for endpoints) lifts the netguard
    address rule, for self-hosted receivers on the same network."""
    return bool(current_app.config.get("ALLOW_PRIVATE_WEBHOOK_URLS"))


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


class NotOwner(PermissionError):
    """Only the workspace owner adds and deletes endpoints (whose secrets sign our events)."""


def _require_owner(workspace_id: int, user_id: int | None) -> None:
    owner = db.session.scalar(select(Workspace.owner_id).where(Workspace.id == workspace_id))
    if owner is None or owner != user_id:
        raise NotOwner("Only the workspace owner can add or delete webhook endpoints.")


def create_endpoint(workspace_id: int, user_id: int | None, url: str) -> WebhookEndpoint:
    """Add an endpoint to the workspace and commit. NotOwner unless `user_id` owns the
    workspace; WebhookUrlError if the URL is refused."""
    _require_owner(workspace_id, user_id)
    check_url(url, _allow_private())
    if len(list_endpoints(workspace_id)) >= MAX_ENDPOINTS:
        raise WebhookUrlError(f"A workspace can have at most {MAX_ENDPOINTS} endpoints.")
    endpoint = WebhookEndpoint(
        workspace_id=workspace_id, url=url, secret=new_secret(), created_by_id=user_id
    )
    db.session.add(endpoint)
    db.session.commit()
    return endpoint


def list_endpoints(workspace_id: int) -> list[WebhookEndpoint]:
    return db.session.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.workspace_id == workspace_id, WebhookEndpoint.deleted_at.is_(None))
        .order_by(WebhookEndpoint.id)
    ).all()


def delete_endpoint(workspace_id: int, user_id: int | None, endpoint_id: int) -> bool:
    """Stop sending to an endpoint (its log stays) and commit. False if not the workspace's;
    NotOwner unless `user_id` owns the workspace."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if not endpoint or endpoint.workspace_id != workspace_id or endpoint.deleted_at:
        return False
    _require_owner(workspace_id, user_id)
    endpoint.deleted_at = utcnow()
    db.session.commit()
    return True


def forward(workspace_id: int, event: str, data: dict) -> None:
    """Receiver of the fluxnote.events signals: deliver the event to the workspace."""
    emit(workspace_id, event, data)


def emit(workspace_id: int, event_type: str, data: dict) -> None:
    """Record one delivery per live endpoint of the workspace, commit, then enqueue them.

    Call it after your own commit: it commits its own transaction. Never raises: a
    failure is logged and rolled back, so the caller's (already committed) work stands.
    """
    try:
        _record_deliveries(workspace_id, event_type, data)
        db.session.commit()
    except Exception:
        log.exception("could not record %s webhooks for workspace %s", event_type, workspace_id)
        db.session.rollback()


def _record_deliveries(workspace_id: int, event_type: str, data: dict) -> None:
    endpoints = list_endpoints(workspace_id)
    if not endpoints:
        return
    now = utcnow()
    body = json.dumps(
        {"type": event_type, "timestamp": now.isoformat(), "data": data},
        separators=(",", ":"),
        default=str,
    )
    for endpoint in endpoints:
        delivery = WebhookDelivery(
            endpoint_id=endpoint.id,
            workspace_id=workspace_id,
            message_id="msg_" + secrets.token_hex(16),
            event_type=event_type,
            body=body,
            next_attempt_at=now,
            created_at=now,
        )
        db.session.add(delivery)
        db.session.flush()
        enqueue_after_commit("default", deliver_job, delivery.id, job_id=_job_id(delivery.id, 1))


def _job_id(delivery_id: int, number: int) -> str:
    return f"webhook-{delivery_id}-{number}"


def deliver_job(delivery_id: int) -> None:
    """RQ job: one delivery attempt (see `deliver`)."""
    deliver(delivery_id)


def deliver(delivery_id: int, now: datetime | None = None) -> str | None:
    """Make one attempt if the delivery is due; returns its new status, or None if not due.

    Claims the delivery with a conditional UPDATE (a lease), commits, sends with no
    transaction open, then records the attempt. Never raises for receiver failures.
    """
    claim = _claim(delivery_id, now or utcnow())
    if claim is None:
        return None
    number, url, secret, message_id, body = claim
    status_code, error, duration_ms = _send(url, secret, message_id, body)
    return _record_attempt(delivery_id, number, status_code, error, duration_ms)


def _claim(delivery_id: int, now: datetime) -> tuple | None:
    claimed = (
        db.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.status == "pending",
                WebhookDelivery.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + LEASE, attempts=WebhookDelivery.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )
    if not claimed:
        db.session.rollback()
        return None
    delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
    endpoint = delivery.endpoint
    claim = (delivery.attempts, endpoint.url, endpoint.secret, delivery.message_id, delivery.body)
    if endpoint.deleted_at:
        claim = None
        _finish(delivery, "failed", None, "endpoint deleted")
    db.session.commit()
    return claim


def _send(url: str, secret: str, message_id: str, body: str) -> tuple[int | None, str | None, int]:
    """POST the signed body to the vetted address; returns (status code, error, duration in ms)."""
    started = time.monotonic()
    try:
        address = check_url(url, _allow_private())
        now = utcnow()
        headers = {
            "content-type": "application/json",
            "user-agent": "FluxNote-Webhooks/1",
            "webhook-id": message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(secret).sign(message_id, now, body),
        }
        with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
            response = client.send(
                pinned_request(client, "POST", url, address, headers=headers, content=body.encode())
            )
        code = response.status_code
        error = None if 200 <= code < 300 else f"HTTP {code}"
    except (WebhookUrlError, httpx.HTTPError) as exc:
        code, error = None, f"{type(exc).__name__}: {exc}"[:300]
    return code, error, int((time.monotonic() - started) * 1000)


def _record_attempt(
    delivery_id: int, number: int, status_code: int | None, error: str | None, duration_ms: int
) -> str:
    now = utcnow()
    db.session.add(
        WebhookAttempt(
            delivery_id=delivery_id,
            number=number,
            status_code=status_code,
            error=error,
            duration_ms=duration_ms,
            created_at=now,
        )
    )
    delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
    if error is None:
        _finish(delivery, "succeeded", status_code, None)
    elif number >= MAX_ATTEMPTS:
        _finish(delivery, "failed", status_code, error)
    else:
        delivery.last_status_code, delivery.last_error = status_code, error
        delivery.next_attempt_at = now + timedelta(seconds=BACKOFF[number - 1])
    db.session.commit()
    return delivery.status


def _finish(delivery: WebhookDelivery, status: str, code: int | None, error: str | None) -> None:
    delivery.status, delivery.last_status_code, delivery.last_error = status, code, error
    delivery.next_attempt_at, delivery.finished_at = None, utcnow()


def sweep(now: datetime | None = None, limit: int = 200) -> int:
    """Periodic: enqueue every pending delivery that is due and not already queued.

    Returns how many were enqueued. Redis errors propagate (the clock logs and retries).
    """
    rows = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.attempts)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= (now or utcnow()),
        )
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
    ).all()
    db.session.rollback()
    queue, sent = get_queue("default"), 0
    for delivery_id, attempts in rows:
        job_id = _job_id(delivery_id, attempts + 1)
        if job_alive(job_id):
            continue
        queue.enqueue(deliver_job, delivery_id, job_id=job_id)
        sent += 1
    return sent


def recent_deliveries(workspace_id: int | None = None, limit: int = 20) -> list[WebhookDelivery]:
    """Newest deliveries (of one workspace, or all for ops) with their attempts."""
    query = (
        select(WebhookDelivery)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
        .options(selectinload(WebhookDelivery.endpoint), selectinload(WebhookDelivery.attempt_log))
    )
    if workspace_id is not None:
        query = query.where(WebhookDelivery.workspace_id == workspace_id)
    return db.session.scalars(query).all()


def resend(delivery_id: int) -> bool:
    """Ops: make a failed delivery due again (its attempts so far stay in the log) and
    enqueue it after the commit. False if there is no failed delivery with that id."""
    result = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "failed")
        .values(status="pending", next_attempt_at=utcnow(), finished_at=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        return False
    attempts = db.session.scalar(
        select(WebhookDelivery.attempts).where(WebhookDelivery.id == delivery_id)
    )
    enqueue_after_commit(
        "default", deliver_job, delivery_id, job_id=_job_id(delivery_id, attempts + 1)
    )
    db.session.commit()
    return True
