"""A third-party generation end to end on the real Replicate adapter against a loopback
server speaking its protocol: submit, signed webhook, download, capture — and forged,
stale and tampered webhooks refused with 401 and no state change."""

import base64
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from standardwebhooks import Webhook

from fluxnote.extensions import db
from fluxnote.generation.models import ProviderEvent
from tests.conftest import auth, build_app, make_token, make_user
from tests.generation.conftest import credits, submit, work
from tests.providers.conftest import FakeServer

SECRET = "whsec_" + base64.b64encode(b"fluxnote-test-secret-0123456789").decode()
MODEL_PATH = "/v1/models/black-forest-labs/flux-1.1-pro-ultra/predictions"


@pytest.fixture
def replicate_app(tmp_path, redis_url):
    server = FakeServer()
    server.start()
    png = io.BytesIO()
    Image.new("RGB", (90, 160), (30, 60, 200)).save(png, "PNG")
    server.on("POST", MODEL_PATH, status=201, json_body=_prediction("starting"))
    server.on("GET", "/files/out.png", body=png.getvalue(), content_type="image/png")
    keys = {
        "REPLICATE_API_TOKEN": "r8-test",
        "FAL_KEY": "",
        "OPENAI_API_KEY": "",
        "RUNWAYML_API_SECRET": "",
        "ELEVENLABS_API_KEY": "",
    }
    app = build_app(
        tmp_path,
        redis_url,
        PROVIDER_KEYS=keys,
        PROVIDER_SETTINGS={"REPLICATE_BASE_URL": server.url, "REPLICATE_WEBHOOK_SECRET": SECRET},
    )
    with app.app_context():
        yield app, server
        db.session.remove()
        db.engine.dispose()
    server.httpd.shutdown()


def _prediction(status, output=None, pid="p-1"):
    return {
        "id": pid,
        "model": "black-forest-labs/flux-1.1-pro-ultra",
        "version": "v",
        "status": status,
        "input": {},
        "output": output,
        "error": None,
        "logs": "",
        "metrics": {},
        "created_at": "2026-01-01T00:00:00Z",
        "urls": {},
    }


def _signed(body: bytes, msg_id="msg_1", when=None, secret=SECRET) -> dict:
    when = when or datetime.now(UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, when, body.decode()),
        "Content-Type": "application/json",
    }


def test_replicate_generation_settles_by_signed_webhook(replicate_app):
    app, server = replicate_app
    client = app.test_client()
    token = make_token(make_user())
    gen = submit(client, token, model="flux-1.1-pro-ultra", prompt="a blue door")
    work()
    assert server.seen[0].json["webhook"].endswith("/webhooks/replicate")

    def status():
        return client.get(f"/api/v1/generations/{gen['id']}", headers=auth(token)).get_json()

    assert status()["status"] == "running"

    done = json.dumps(_prediction("succeeded", [f"{server.url}/files/out.png"])).encode()
    forged = _signed(done, secret="whsec_" + base64.b64encode(b"not-the-secret-000000000").decode())
    stale = _signed(done, when=datetime.now(UTC) - timedelta(minutes=10))
    tampered = done.replace(b"succeeded", b"failed\x20\x20\x20")
    for body, headers in (
        (done, forged),
        (done, stale),
        (tampered, _signed(done)),
        (done, {"Content-Type": "application/json"}),
    ):
        resp = client.post("/webhooks/replicate", data=body, headers=headers)
        assert resp.status_code == 401, resp.get_json()
    work()
    assert status()["status"] == "running" and db.session.query(ProviderEvent).count() == 0

    assert client.post("/webhooks/replicate", data=done, headers=_signed(done)).status_code == 200
    again = client.post("/webhooks/replicate", data=done, headers=_signed(done))
    assert again.get_json() == {"status": "duplicate"}
    work()
    final = status()
    assert final["status"] == "succeeded" and final["credit"] == "captured"
    asset = client.get(f"/api/v1/assets/{final['asset_id']}", headers=auth(token)).get_json()
    assert (asset["engine"], asset["width"], asset["height"]) == ("FLUX1.1 [pro] ultra", 90, 160)
    assert credits(client, token)["image"] == {
        "allowance": 100,
        "used": 1,
        "reserved": 0,
        "remaining": 99,
    }


@pytest.mark.parametrize(
    "body",
    [b"[]", b"[1, 2]", b'"text"', b"42", b"null", b'{"id": "p-1", "status": ["x"]}', b"{}"],
)
def test_a_signed_body_that_is_no_prediction_is_refused(replicate_app, body):
    app, _ = replicate_app
    resp = app.test_client().post("/webhooks/replicate", data=body, headers=_signed(body))
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "unauthorized"
    assert db.session.query(ProviderEvent).count() == 0


def test_a_signed_callback_with_an_oversized_id_is_refused(replicate_app):
    app, _ = replicate_app
    body = json.dumps(_prediction("processing", pid="p" * 300)).encode()
    resp = app.test_client().post("/webhooks/replicate", data=body, headers=_signed(body))
    assert resp.status_code == 401 and db.session.query(ProviderEvent).count() == 0
