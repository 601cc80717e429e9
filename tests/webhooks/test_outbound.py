"""Outgoing webhooks: endpoints API, signed deliveries a receiver can verify, retries."""

import ipaddress
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook

from fluxnote import netguard
from fluxnote.extensions import db
from fluxnote.sqltypes import utcnow
from fluxnote.tasks import get_queue, run_worker
from fluxnote.webhooks import outbound
from fluxnote.webhooks.models import WebhookAttempt, WebhookDelivery
from tests.conftest import auth, login, make_token, make_user


class Receiver:
    """A local HTTP receiver that verifies each request with `standardwebhooks`."""

    def __init__(self, statuses: list[int]):
        self.statuses, self.received, self.secret = list(statuses), [], None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    payload = Webhook(receiver.secret).verify(body, dict(self.headers))
                    verified = True
                except Exception:
                    payload, verified = None, False
                receiver.received.append(
                    {"headers": dict(self.headers), "payload": payload, "verified": verified}
                )
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(app):
    app.config["ALLOW_PRIVATE_WEBHOOK_URLS"] = True
    made = []

    def make(statuses=()):
        made.append(Receiver(list(statuses)))
        return made[-1]

    yield make
    for r in made:
        r.close()


def _endpoint(client, token, url):
    r = client.post("/api/v1/webhook-endpoints", json={"url": url}, headers=auth(token))
    assert r.status_code == 201, r.json
    return r.json


def test_create_list_delete_endpoint(client):
    token = make_token(make_user())
    created = _endpoint(client, token, "https://93.184.216.34/hooks/fluxnote")
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 30
    Webhook(created["secret"])  # the library accepts it
    listed = client.get("/api/v1/webhook-endpoints", headers=auth(token)).json["endpoints"]
    assert [e["url"] for e in listed] == ["https://93.184.216.34/hooks/fluxnote"]
    assert "secret" not in listed[0]
    other = make_token(make_user())
    assert (
        client.delete(f"/api/v1/webhook-endpoints/{created['id']}", headers=auth(other)).status_code
        == 404
    )
    assert (
        client.delete(f"/api/v1/webhook-endpoints/{created['id']}", headers=auth(token)).status_code
        == 204
    )
    assert client.get("/api/v1/webhook-endpoints", headers=auth(token)).json["endpoints"] == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/x",
        "http://[::1]/x",
        "http://169.254.169.254/latest/meta-data",
        "ftp://93.184.216.34/x",
        "not a url",
        "http://[::1/",
        "http://[64:ff9b::7f00:1]/x",  # NAT64 of 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/x",  # NAT64 of 169.254.169.254
        "http://[2002:7f00:1::]/x",  # 6to4 of 127.0.0.1
        "http://[::127.0.0.1]/x",  # IPv4-compatible
        "http://[::ffff:10.0.0.1]/x",  # IPv4-mapped
        "http://224.0.0.1/x",  # multicast
        "http://example.com:99999/x",
    ],
)
def test_private_and_bad_urls_are_refused(client, url):
    token = make_token(make_user())
    r = client.post("/api/v1/webhook-endpoints", json={"url": url}, headers=auth(token))
    assert r.status_code == 422
    assert r.json["error"]["field"] == "url"
    assert client.get("/api/v1/webhook-endpoints", headers=auth(token)).json["endpoints"] == []


def test_private_urls_allowed_by_config(app, client):
    app.config["ALLOW_PRIVATE_WEBHOOK_URLS"] = True
    _endpoint(client, make_token(make_user()), "http://127.0.0.1:9/hook")


def test_emitted_event_is_delivered_signed_by_a_worker(app, client, receiver):
    user = make_user()
    rx = receiver()
    rx.secret = _endpoint(client, make_token(user), rx.url)["secret"]
    outbound.emit(
        user.current_workspace_id, "generation.succeeded", {"id": 7, "status": "succeeded"}
    )
    delivery = db.session.scalars(db.select(WebhookDelivery)).one()
    assert get_queue("default").job_ids == [f"webhook-{delivery.id}-1"]
    db.session.rollback()  # SQLite: never hold the write lock while a worker runs
    run_worker(app, ["default"], burst=True)
    assert len(rx.received) == 1 and rx.received[0]["verified"]
    payload = rx.received[0]["payload"]
    assert payload["type"] == "generation.succeeded" and payload["data"] == {
        "id": 7,
        "status": "succeeded",
    }
    assert rx.received[0]["headers"]["webhook-id"] == delivery.message_id
    db.session.refresh(delivery)
    assert delivery.status == "succeeded" and delivery.attempts == 1


def test_a_wrong_secret_does_not_verify(app, client, receiver):
    user = make_user()
    rx = receiver()
    _endpoint(client, make_token(user), rx.url)
    rx.secret = outbound.new_secret()
    outbound.emit(user.current_workspace_id, "render.failed", {"id": 1})
    outbound.deliver(db.session.scalars(db.select(WebhookDelivery.id)).one())
    assert rx.received and not rx.received[0]["verified"]


def test_500s_are_retried_with_backoff_then_succeed(app, client, receiver):
    user = make_user()
    rx = receiver([500, 503])
    rx.secret = _endpoint(client, make_token(user), rx.url)["secret"]
    outbound.emit(user.current_workspace_id, "generation.failed", {"id": 3})
    delivery_id = db.session.scalars(db.select(WebhookDelivery.id)).one()
    assert outbound.deliver(delivery_id) == "pending"
    assert outbound.deliver(delivery_id) is None  # not due yet: back-off
    later = utcnow() + timedelta(seconds=outbound.BACKOFF[0] + 1)
    get_queue("default").empty()
    assert outbound.sweep(later) == 1
    assert outbound.sweep(later) == 0  # already queued: not twice
    assert outbound.deliver(delivery_id, later) == "pending"
    much_later = later + timedelta(seconds=outbound.BACKOFF[1] + 1)
    assert outbound.deliver(delivery_id, much_later) == "succeeded"
    attempts = db.session.scalars(db.select(WebhookAttempt).order_by(WebhookAttempt.number)).all()
    assert [(a.number, a.status_code) for a in attempts] == [(1, 500), (2, 503), (3, 200)]
    assert attempts[0].error == "HTTP 500" and attempts[2].error is None
    assert all(a.duration_ms >= 0 for a in attempts)
    assert len({r["headers"]["webhook-id"] for r in rx.received}) == 1
    assert all(r["verified"] for r in rx.received)


def test_gives_up_after_max_attempts(app, client, receiver):
    user = make_user()
    rx = receiver([500] * outbound.MAX_ATTEMPTS)
    rx.secret = _endpoint(client, make_token(user), rx.url)["secret"]
    outbound.emit(user.current_workspace_id, "render.succeeded", {"id": 9})
    delivery_id = db.session.scalars(db.select(WebhookDelivery.id)).one()
    when = utcnow()
    for _ in range(outbound.MAX_ATTEMPTS):
        outbound.deliver(delivery_id, when)
        when += timedelta(days=1)
    delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
    assert delivery.status == "failed" and delivery.attempts == outbound.MAX_ATTEMPTS
    assert outbound.sweep(when) == 0


def test_unreachable_receiver_is_recorded_as_an_error(app, client, receiver):
    app.config["ALLOW_PRIVATE_WEBHOOK_URLS"] = True
    user = make_user()
    _endpoint(client, make_token(user), "http://127.0.0.1:9/closed")
    outbound.emit(user.current_workspace_id, "render.succeeded", {"id": 9})
    delivery_id = db.session.scalars(db.select(WebhookDelivery.id)).one()
    assert outbound.deliver(delivery_id) == "pending"
    attempt = db.session.scalars(db.select(WebhookAttempt)).one()
    assert attempt.status_code is None and "ConnectError" in attempt.error


def test_emit_without_endpoints_records_nothing(app):
    user = make_user()
    outbound.emit(user.current_workspace_id, "generation.succeeded", {"id": 1})
    assert db.session.scalars(db.select(WebhookDelivery)).all() == []


def test_deliveries_are_visible_in_settings(app, client, receiver):
    user = make_user()
    rx = receiver([500])
    rx.secret = _endpoint(client, make_token(user), rx.url)["secret"]
    outbound.emit(user.current_workspace_id, "generation.succeeded", {"id": 1})
    outbound.deliver(db.session.scalars(db.select(WebhookDelivery.id)).one())
    login(client, user)
    page = client.get("/settings").get_data(as_text=True)
    assert 'id="settings-webhooks"' in page and rx.url in page
    assert "generation.succeeded" in page and "HTTP 500" in page


def test_deleted_endpoint_stops_pending_deliveries(app, client, receiver):
    user = make_user()
    rx = receiver()
    token = make_token(user)
    created = _endpoint(client, token, rx.url)
    outbound.emit(user.current_workspace_id, "generation.succeeded", {"id": 1})
    client.delete(f"/api/v1/webhook-endpoints/{created['id']}", headers=auth(token))
    delivery_id = db.session.scalars(db.select(WebhookDelivery.id)).one()
    assert outbound.deliver(delivery_id) is None
    assert db.session.get(WebhookDelivery, delivery_id).status == "failed"
    assert rx.received == []


def test_a_finished_generation_is_announced_to_the_endpoint(app, client, receiver):
    user = make_user()
    token = make_token(user)
    rx = receiver()
    rx.secret = _endpoint(client, token, rx.url)["secret"]
    gen = client.post(
        "/api/v1/generations",
        headers=auth(token),
        json={"kind": "image", "model": "offline-image", "prompt": "a kite over dunes"},
    ).json
    db.session.rollback()
    run_worker(app, ["priority", "default"], burst=True)
    assert [r["verified"] for r in rx.received] == [True]
    payload = rx.received[0]["payload"]
    assert payload["type"] == "generation.succeeded"
    assert payload["data"]["id"] == gen["id"] and payload["data"]["status"] == "succeeded"


def test_settings_form_adds_and_deletes_endpoints(client):
    user = make_user()
    login(client, user)
    page = client.post(
        "/settings/webhooks", data={"url": "http://127.0.0.1/x"}, follow_redirects=True
    )
    assert "private or loopback" in page.get_data(as_text=True)
    page = client.post(
        "/settings/webhooks", data={"url": "https://93.184.216.34/in"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "whsec_" in page and "https://93.184.216.34/in" in page
    endpoint = outbound.list_endpoints(user.current_workspace_id)[0]
    stranger = make_user()
    login(client, stranger)
    assert client.post(f"/settings/webhooks/{endpoint.id}/delete").status_code == 404
    login(client, user)
    client.post(f"/settings/webhooks/{endpoint.id}/delete")
    assert outbound.list_endpoints(user.current_workspace_id) == []


def test_api_refuses_unknown_fields(client):
    token = make_token(make_user())
    r = client.post(
        "/api/v1/webhook-endpoints",
        json={"url": "https://93.184.216.34/x", "events": ["*"]},
        headers=auth(token),
    )
    assert r.status_code == 422 and r.json["error"]["field"] == "events"


def test_the_clock_resends_due_deliveries(app, client, receiver):
    from fluxnote.periodic import run_once

    user = make_user()
    rx = receiver([500])
    rx.secret = _endpoint(client, make_token(user), rx.url)["secret"]
    outbound.emit(user.current_workspace_id, "generation.succeeded", {"id": 5})
    delivery_id = db.session.scalars(db.select(WebhookDelivery.id)).one()
    outbound.deliver(delivery_id)
    db.session.execute(db.update(WebhookDelivery).values(next_attempt_at=utcnow()))
    db.session.commit()
    get_queue("default").empty()
    run_once()
    assert get_queue("default").job_ids == [f"webhook-{delivery_id}-2"]


def test_delivery_connects_to_the_address_that_was_checked(app, client, receiver, monkeypatch):
    resolved = {"hooks.example.test": "93.184.216.34"}
    monkeypatch.setattr(
        netguard, "_resolve", lambda host, port: [ipaddress.ip_address(resolved[host])]
    )
    user = make_user()
    rx = receiver()
    app.config["ALLOW_PRIVATE_WEBHOOK_URLS"] = False
    url = f"http://hooks.example.test:{rx.server.server_port}/hook"
    rx.secret = _endpoint(client, make_token(user), url)["secret"]
    outbound.emit(user.current_workspace_id, "generation.succeeded", {"id": 1})
    delivery_id = db.session.scalars(db.select(WebhookDelivery.id)).one()
    resolved["hooks.example.test"] = "127.0.0.1"  # DNS rebinding after the check
    assert outbound.deliver(delivery_id) == "pending" and rx.received == []
    assert "private" in db.session.scalars(db.select(WebhookAttempt.error)).one()
    app.config["ALLOW_PRIVATE_WEBHOOK_URLS"] = True  # a self-hosted receiver: pinned, Host kept
    assert outbound.deliver(delivery_id, utcnow() + timedelta(minutes=1)) == "succeeded"
    assert rx.received[0]["verified"]
    assert rx.received[0]["headers"]["host"] == f"hooks.example.test:{rx.server.server_port}"
