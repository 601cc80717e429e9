import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from fluxnote.providers import replicate as rep
from fluxnote.providers.base import GenerationRequest, InvalidSignature, ProviderError
from fluxnote.providers.replicate import ReplicateProvider

SECRET = "whsec_" + base64.b64encode(b"test-secret-0123456789abcdef").decode()


@pytest.fixture(autouse=True)
def fresh_secret_cache():
    rep._secrets.clear()
    yield
    rep._secrets.clear()


def prediction(status="starting", output=None, error=None, pid="p-1"):
    return {
        "id": pid,
        "model": "black-forest-labs/flux-2-pro",
        "version": "hash",
        "status": status,
        "input": {"prompt": "x"},
        "output": output,
        "logs": "",
        "error": error,
        "metrics": {},
        "created_at": "2026-01-01T00:00:00Z",
        "started_at": None,
        "completed_at": None,
        "urls": {"get": "https://api.replicate.com/v1/predictions/p-1"},
    }


def provider(server, secret="", timeout=2.0):
    return ReplicateProvider(
        "r8-token", base_url=server.url, webhook_secret=secret, timeout=timeout, allow_private=True
    )


def image_request():
    return GenerationRequest(
        kind="image",
        model="black-forest-labs/flux-schnell",
        prompt="a red fox",
        aspect="9:16",
        seed=4,
        webhook_url="https://fluxnote.example/webhooks/replicate",
    )


def signed(body: bytes, secret=SECRET, msg_id="msg_1", when=None) -> dict:
    when = when or datetime.now(UTC)
    signature = Webhook(secret).sign(msg_id, when, body.decode())
    return {
        "Webhook-Id": msg_id,
        "Webhook-Timestamp": str(int(when.timestamp())),
        "Webhook-Signature": signature,
    }


def test_submit_creates_a_model_prediction_with_a_webhook(server):
    server.on(
        "POST",
        "/v1/models/black-forest-labs/flux-schnell/predictions",
        status=201,
        json_body=prediction(),
    )
    result = provider(server).submit(image_request())
    assert (result.status, result.provider_job_id) == ("queued", "p-1")
    sent = server.seen[-1]
    assert sent.headers["authorization"] == "Bearer r8-token"
    assert sent.json["input"] == {
        "prompt": "a red fox",
        "aspect_ratio": "9:16",
        "num_outputs": 1,
        "seed": 4,
    }
    assert sent.json["webhook"] == "https://fluxnote.example/webhooks/replicate"
    assert sent.json["webhook_events_filter"] == ["completed"]


FILE = {
    "id": "f-1",
    "name": "first.png",
    "content_type": "image/png",
    "size": 10,
    "etag": "e",
    "checksums": {},
    "metadata": {},
    "created_at": "2026-01-01T00:00:00Z",
    "expires_at": None,
    "urls": {"get": "https://api.replicate.com/v1/files/f-1"},
}


def test_a_first_frame_is_uploaded_and_passed_by_url(server, png_file):
    server.on("POST", "/v1/files", status=201, json_body=FILE)
    server.on("POST", "/v1/predictions", status=201, json_body=prediction("processing"))
    request = GenerationRequest(
        kind="video",
        model="bytedance/seedance-1-pro:abc123",
        prompt="waves",
        aspect="9:16",
        duration_s=5,
        source_image=png_file,
    )
    assert provider(server).submit(request).status == "running"
    upload, sent = server.seen[-2:]
    assert b'filename="first.png"' in upload.body and png_file.read_bytes() in upload.body
    assert sent.json["version"] == "abc123"
    # the frame sets the shape: no aspect_ratio beside it
    assert sent.json["input"] == {
        "prompt": "waves",
        "resolution": "1080p",
        "image": "https://api.replicate.com/v1/files/f-1",
        "duration": 5,
    }


def test_an_aborted_prediction_is_a_failure(server):
    server.on("GET", "/v1/predictions/p-1", json_body=prediction("aborted"))
    result = provider(server).poll("p-1")
    assert result.status == "failed" and "aborted" in result.error


def test_poll_reads_the_prediction(server):
    server.on(
        "GET",
        "/v1/predictions/p-1",
        json_body=prediction("succeeded", output=["https://replicate.delivery/x/out.webp"]),
    )
    result = provider(server).poll("p-1")
    assert (result.status, result.output_url) == (
        "succeeded",
        "https://replicate.delivery/x/out.webp",
    )


def test_a_flagged_prediction_is_a_moderated_failure(server):
    server.on(
        "GET",
        "/v1/predictions/p-1",
        json_body=prediction(
            "failed", error="The input or output was flagged as sensitive. Please try again (E005)"
        ),
    )
    result = provider(server).poll("p-1")
    assert result.status == "failed" and result.moderated


def test_a_canceled_prediction_is_a_plain_failure(server):
    server.on("GET", "/v1/predictions/p-1", json_body=prediction("canceled"))
    result = provider(server).poll("p-1")
    assert result.status == "failed" and not result.moderated


@pytest.mark.parametrize(
    "status,body,retryable",
    [
        (500, b'{"detail":"internal"}', True),
        (503, b'{"detail":"unavailable"}', True),
        (404, b'{"title":"Not found","detail":"no such prediction","status":404}', False),
        (200, b"not json at all", False),
        (200, b'{"id": "p-1", "status": "teleported"}', False),
    ],
)
def test_poll_failures_raise_provider_errors(server, status, body, retryable):
    server.on("GET", "/v1/predictions/p-1", status=status, body=body)
    with pytest.raises(ProviderError) as err:
        provider(server).poll("p-1")
    assert err.value.retryable is retryable
    assert len(server.seen) == 1  # answered at once: no SDK retry loop in a worker


def test_a_hanging_api_times_out_as_retryable(server):
    server.on("GET", "/v1/predictions/p-1", json_body=prediction(), delay=2.0)
    with pytest.raises(ProviderError) as err:
        provider(server, timeout=0.3).poll("p-1")
    assert err.value.retryable


def test_a_valid_webhook_is_verified(server):
    body = json.dumps(prediction("succeeded", output="https://replicate.delivery/x/o.mp4")).encode()
    event = provider(server, secret=SECRET).parse_webhook(signed(body), body)
    assert event.verified and event.event_id == "msg_1" and event.provider_job_id == "p-1"
    assert event.result.output_url == "https://replicate.delivery/x/o.mp4"


def test_the_signing_secret_is_fetched_once_when_not_configured(server):
    server.on("GET", "/v1/webhooks/default/secret", json_body={"key": SECRET})
    body = json.dumps(prediction("failed", error="boom")).encode()
    p = provider(server)
    assert p.parse_webhook(signed(body), body).result.status == "failed"
    p.parse_webhook(signed(body, msg_id="msg_2"), body)
    assert [s.path for s in server.seen] == ["/v1/webhooks/default/secret"]


def test_forged_stale_and_tampered_webhooks_are_rejected(server):
    body = json.dumps(prediction("succeeded", output="https://replicate.delivery/x/o.mp4")).encode()
    other = "whsec_" + base64.b64encode(b"someone-else-secret-000000").decode()
    p = provider(server, secret=SECRET)
    cases = [
        (signed(body, secret=other), body),
        (signed(body, when=datetime.now(UTC) - timedelta(minutes=10)), body),
        (signed(body), body.replace(b"o.mp4", b"evil.mp4")),
        ({"webhook-id": "msg_1"}, body),
    ]
    for headers, data in cases:
        with pytest.raises(InvalidSignature):
            p.parse_webhook(headers, data)


def test_unavailable_secret_rejects_the_webhook(server):
    server.on("GET", "/v1/webhooks/default/secret", status=500, body=b"{}")
    body = json.dumps(prediction("succeeded", output="https://x/o.mp4")).encode()
    with pytest.raises(InvalidSignature):
        provider(server).parse_webhook(signed(body), body)


def test_inline_data_uri_outputs_are_saved(server, tmp_path):
    server.on(
        "GET",
        "/v1/predictions/p-1",
        json_body=prediction(
            "succeeded",
            output="data:image/webp;base64," + base64.b64encode(b"RIFF0000WEBPVP8 ").decode(),
        ),
    )
    p = provider(server)
    path = p.fetch_result(p.poll("p-1"), tmp_path)
    assert path.suffix == ".webp" and path.read_bytes().startswith(b"RIFF")


def test_cancel_posts_to_the_prediction(server):
    server.on("POST", "/v1/predictions/p-1/cancel", json_body=prediction("canceled"))
    provider(server).cancel("p-1")
    sent = server.seen[-1]
    assert (sent.method, sent.path) == ("POST", "/v1/predictions/p-1/cancel")
    assert sent.headers["authorization"] == "Bearer r8-token"


def test_cancelling_a_finished_prediction_is_not_an_error(server):
    finished = prediction("succeeded", output=["https://replicate.delivery/out.png"])
    server.on("POST", "/v1/predictions/p-1/cancel", json_body=finished)
    provider(server).cancel("p-1")
    assert len(server.seen) == 1


@pytest.mark.parametrize(
    "status,body,retryable",
    [
        (500, b'{"detail":"internal"}', True),
        (503, b'{"detail":"unavailable"}', True),
        (404, b'{"title":"Not found","detail":"no such prediction","status":404}', False),
        (401, b'{"title":"Unauthenticated","detail":"bad token","status":401}', False),
    ],
)
def test_cancel_failures_raise_provider_errors(server, status, body, retryable):
    server.on("POST", "/v1/predictions/p-1/cancel", status=status, body=body)
    with pytest.raises(ProviderError) as err:
        provider(server).cancel("p-1")
    assert err.value.retryable is retryable
    assert len(server.seen) == 1
