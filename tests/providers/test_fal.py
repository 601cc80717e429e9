import base64
import hashlib
import json
import time

import pytest
from nacl.signing import SigningKey

from fluxnote.providers import fal
from fluxnote.providers.base import GenerationRequest, InvalidSignature, ProviderError
from fluxnote.providers.fal import FalProvider

MODEL = "fal-ai/kling-video/v3/pro/text-to-video"
I2V = "fal-ai/kling-video/v3/pro/image-to-video"
APP = "/fal-ai/kling-video/requests/req-1"
FILE_URL = "https://v3.fal.media/files/first.png"


@pytest.fixture(autouse=True)
def fresh_key_cache():
    fal._jwks_cache.clear()
    yield
    fal._jwks_cache.clear()


@pytest.fixture
def signing_key(server):
    key = SigningKey.generate()
    serve_keys(server, key)
    return key


def serve_keys(server, *keys):
    jwks = {
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "alg": "EdDSA",
                "x": base64.urlsafe_b64encode(bytes(k.verify_key)).decode(),
            }
            for k in keys
        ]
    }
    server.on("GET", "/.well-known/jwks.json", json_body=jwks)


def provider(server, timeout=2.0):
    return FalProvider(
        "k-123",
        queue_url=server.url,
        timeout=timeout,
        jwks_url=f"{server.url}/.well-known/jwks.json",
        rest_url=server.url,
        allow_private=True,
    )


def serve_storage(server):
    """fal storage: initiate answers where to PUT the bytes and the URL they will have."""
    server.on(
        "POST",
        "/storage/upload/initiate",
        json_body={"upload_url": f"{server.url}/gcs/first.png", "file_url": FILE_URL},
    )
    server.on("PUT", "/gcs/first.png", body=b"")


def signed(key, body: bytes, request_id="req-1", user_id="user-9", timestamp=None):
    ts = str(int(time.time()) if timestamp is None else timestamp)
    message = "\n".join([request_id, user_id, ts, hashlib.sha256(body).hexdigest()]).encode()
    return {
        "X-Fal-Webhook-Request-Id": request_id,
        "X-Fal-Webhook-User-Id": user_id,
        "X-Fal-Webhook-Timestamp": ts,
        "X-Fal-Webhook-Signature": key.sign(message).signature.hex(),
    }


def video_request(**kw):
    return GenerationRequest(
        kind="video",
        model=MODEL,
        prompt="a cat surfing",
        duration_s=5,
        webhook_url="https://fluxnote.example/webhooks/fal",
        **kw,
    )


def test_submit_uploads_the_first_frame_and_queues_with_key_and_webhook(server, png_file):
    serve_storage(server)
    server.on("POST", f"/{I2V}", json_body={"request_id": "req-1", "gateway_request_id": "req-1"})
    result = provider(server).submit(video_request(source_image=png_file))
    assert (result.status, result.provider_job_id) == ("queued", "req-1")
    initiate, put, sent = server.seen[-3:]
    assert initiate.query["storage_type"] == ["gcs"]
    assert initiate.json == {"content_type": "image/png", "file_name": "first.png"}
    assert initiate.headers["authorization"] == "Key k-123"
    assert put.method == "PUT" and put.body == png_file.read_bytes()
    assert put.headers["content-type"] == "image/png"
    assert sent.headers["authorization"] == "Key k-123"
    assert sent.query["fal_webhook"] == ["https://fluxnote.example/webhooks/fal"]
    assert sent.json == {
        "prompt": "a cat surfing",
        "duration": "5",
        "generate_audio": False,
        "start_image_url": FILE_URL,
    }


def test_a_failed_upload_is_retryable_and_submits_nothing(server, png_file):
    server.on("POST", "/storage/upload/initiate", status=503, body=b"busy")
    with pytest.raises(ProviderError) as err:
        provider(server).submit(video_request(source_image=png_file))
    assert err.value.retryable
    assert [s.path for s in server.seen] == ["/storage/upload/initiate"]


def test_poll_follows_the_queue_to_the_result(server):
    p = provider(server)
    server.on("GET", f"{APP}/status", json_body={"status": "IN_QUEUE", "queue_position": 2})
    assert p.poll("req-1", model=MODEL).status == "queued"
    server.on("GET", f"{APP}/status", json_body={"status": "IN_PROGRESS"})
    assert p.poll("req-1", model=MODEL).status == "running"
    server.on("GET", f"{APP}/status", json_body={"status": "COMPLETED"})
    server.on("GET", APP, json_body={"video": {"url": f"{server.url}/out.mp4"}})
    result = p.poll("req-1", model=MODEL)
    assert (result.status, result.output_url) == ("succeeded", f"{server.url}/out.mp4")


def test_fetch_result_downloads_the_output(server, tmp_path):
    server.on("GET", "/out.mp4", body=b"\x00\x00\x00\x18ftypmp42", content_type="video/mp4")
    p = provider(server)
    result = fal.ProviderResult("succeeded", "req-1", output_url=f"{server.url}/out.mp4")
    path = p.fetch_result(result, tmp_path)
    assert path.suffix == ".mp4" and path.read_bytes().startswith(b"\x00\x00\x00\x18ftyp")
    server.on("GET", "/out.mp4", status=502, body=b"bad gateway", content_type="text/plain")
    with pytest.raises(ProviderError) as err:
        p.fetch_result(result, tmp_path)
    assert err.value.retryable and list(tmp_path.glob("*.part")) == []


def test_a_refused_result_is_a_moderated_failure(server):
    server.on("GET", f"{APP}/status", json_body={"status": "COMPLETED"})
    server.on(
        "GET",
        APP,
        status=422,
        json_body={
            "detail": [
                {"loc": ["body", "prompt"], "msg": "flagged", "type": "content_policy_violation"}
            ]
        },
    )
    result = provider(server).poll("req-1", model=MODEL)
    assert result.status == "failed" and result.moderated


@pytest.mark.parametrize(
    "status,body,retryable",
    [
        (500, b'{"detail":"boom"}', True),
        (429, b'{"detail":"slow down"}', True),
        (401, b'{"detail":"bad key"}', False),
        (200, b"<html>not json</html>", False),
        (200, b'["a list"]', False),
        (200, b'{"no_request_id": true}', False),
    ],
)
def test_submit_failures_raise_provider_errors(server, status, body, retryable):
    server.on("POST", f"/{MODEL}", status=status, body=body)
    with pytest.raises(ProviderError) as err:
        provider(server).submit(video_request())
    assert err.value.retryable is retryable


def test_a_hanging_queue_times_out_as_retryable(server):
    server.on("GET", f"{APP}/status", json_body={"status": "IN_QUEUE"}, delay=2.0)
    with pytest.raises(ProviderError) as err:
        provider(server, timeout=0.3).poll("req-1", model=MODEL)
    assert err.value.retryable


def test_unknown_status_is_an_error(server):
    server.on("GET", f"{APP}/status", json_body={"status": "EXPLODED"})
    with pytest.raises(ProviderError):
        provider(server).poll("req-1", model=MODEL)


def test_a_valid_signed_webhook_is_verified(server, signing_key):
    body = json.dumps(
        {
            "request_id": "req-1",
            "gateway_request_id": "req-1",
            "status": "OK",
            "payload": {
                "images": [{"url": "https://cdn.example/a.png", "width": 768, "height": 1344}]
            },
        }
    ).encode()
    event = provider(server).parse_webhook(signed(signing_key, body), body)
    assert event.verified and event.provider_job_id == "req-1"
    assert event.result.status == "succeeded"
    assert event.result.output_url == "https://cdn.example/a.png"
    assert event.result.meta == {"width": 768, "height": 1344}


def test_keys_are_cached_between_webhooks(server, signing_key):
    body = b'{"request_id":"req-1","status":"OK","payload":{"video":{"url":"https://x/v.mp4"}}}'
    p = provider(server)
    for _ in range(3):
        p.parse_webhook(signed(signing_key, body), body)
    assert [s.path for s in server.seen].count("/.well-known/jwks.json") == 1


def test_a_webhook_error_event_is_a_failure(server, signing_key):
    body = json.dumps(
        {
            "request_id": "req-1",
            "status": "ERROR",
            "error": "Invalid status code: 422",
            "payload": {"detail": [{"type": "content_policy_violation", "msg": "nsfw"}]},
        }
    ).encode()
    event = provider(server).parse_webhook(signed(signing_key, body), body)
    assert event.result.status == "failed" and event.result.moderated


def test_forged_stale_and_tampered_webhooks_are_rejected(server, signing_key):
    body = b'{"request_id":"req-1","status":"OK","payload":{"video":{"url":"https://x/v.mp4"}}}'
    p = provider(server)
    forged = signed(SigningKey.generate(), body)
    stale = signed(signing_key, body, timestamp=int(time.time()) - 600)
    tampered = signed(signing_key, body)
    other_request = signed(signing_key, body, request_id="req-2")
    missing = {k: v for k, v in signed(signing_key, body).items() if "Signature" not in k}
    for headers, data in [
        (forged, body),
        (stale, body),
        (missing, body),
        (tampered, body.replace(b"v.mp4", b"evil.mp4")),
        (other_request, body),
    ]:
        with pytest.raises(InvalidSignature):
            p.parse_webhook(headers, data)


def test_a_rotated_key_is_picked_up(server, signing_key, monkeypatch):
    monkeypatch.setattr(fal, "JWKS_REFRESH_MIN_S", 0)
    body = b'{"request_id":"req-1","status":"OK","payload":{"video":{"url":"https://x/v.mp4"}}}'
    p = provider(server)
    p.parse_webhook(signed(signing_key, body), body)
    new_key = SigningKey.generate()
    serve_keys(server, new_key)
    assert p.parse_webhook(signed(new_key, body), body).verified


def test_unreachable_key_set_rejects_the_webhook(server):
    server.on("GET", "/.well-known/jwks.json", status=503, body=b"down")
    body = b'{"request_id":"req-1","status":"OK"}'
    with pytest.raises(InvalidSignature):
        provider(server).parse_webhook(signed(SigningKey.generate(), body), body)


def test_a_first_frame_selects_the_image_to_video_endpoint(server, png_file):
    serve_storage(server)
    server.on("POST", "/fal-ai/kling-video/v3/pro/image-to-video", json_body={"request_id": "r"})
    server.on("POST", "/fal-ai/veo3.1/image-to-video", json_body={"request_id": "r"})
    p = provider(server)
    p.submit(
        GenerationRequest(
            kind="video",
            model="fal-ai/kling-video/v3/pro/text-to-video",
            prompt="p",
            duration_s=10,
            source_image=png_file,
        )
    )
    assert server.seen[-1].json["duration"] == "10"
    p.submit(
        GenerationRequest(
            kind="video", model="fal-ai/veo3.1", prompt="p", duration_s=8, source_image=png_file
        )
    )
    assert server.seen[-1].json["duration"] == "8s"
    assert server.seen[-1].json["image_url"] == FILE_URL


def test_image_requests_ask_for_the_exact_catalogue_size(server):
    server.on("POST", "/fal-ai/flux-2-pro", json_body={"request_id": "r"})
    provider(server).submit(
        GenerationRequest(
            kind="image", model="fal-ai/flux-2-pro", prompt="p", aspect="16:9", size="2048x1152"
        )
    )
    assert server.seen[-1].json == {"prompt": "p", "image_size": {"width": 2048, "height": 1152}}


def test_a_model_without_a_profile_is_refused_before_any_call(server):
    with pytest.raises(ProviderError) as err:
        provider(server).submit(GenerationRequest(kind="image", model="fal-ai/unknown", prompt="p"))
    assert not err.value.retryable and server.seen == []


def test_forged_signatures_do_not_refetch_the_key_set(server, signing_key):
    body = b'{"request_id":"req-1","status":"OK"}'
    p = provider(server)
    for _ in range(5):
        with pytest.raises(InvalidSignature):
            p.parse_webhook(signed(SigningKey.generate(), body), body)
    assert [s.path for s in server.seen].count("/.well-known/jwks.json") == 1


def test_a_prompt_refused_at_submit_is_moderated(server):
    server.on(
        "POST",
        f"/{MODEL}",
        status=422,
        json_body={
            "detail": [
                {
                    "loc": ["body", "prompt"],
                    "msg": "Prompt flagged",
                    "type": "content_policy_violation",
                }
            ]
        },
    )
    result = provider(server).submit(video_request())
    assert result.status == "failed" and result.moderated


def test_a_hanging_download_times_out_as_retryable(server, tmp_path):
    server.on("GET", "/slow.mp4", body=b"x", content_type="video/mp4", delay=2.0)
    result = fal.ProviderResult("succeeded", "req-1", output_url=f"{server.url}/slow.mp4")
    with pytest.raises(ProviderError) as err:
        provider(server, timeout=0.3).fetch_result(result, tmp_path)
    assert err.value.retryable and list(tmp_path.iterdir()) == []


def test_cancel_puts_to_the_apps_request(server):
    server.on("PUT", f"{APP}/cancel", status=202, json_body={"status": "CANCELLATION_REQUESTED"})
    provider(server).cancel("req-1", model=MODEL)
    sent = server.seen[-1]
    assert (sent.method, sent.path) == ("PUT", f"{APP}/cancel")
    assert sent.headers["authorization"] == "Key k-123"


def test_cancelling_a_completed_request_is_not_an_error(server):
    server.on("PUT", f"{APP}/cancel", status=400, json_body={"status": "ALREADY_COMPLETED"})
    provider(server).cancel("req-1", model=MODEL)
    assert len(server.seen) == 1


@pytest.mark.parametrize(
    "status,body,retryable",
    [
        (500, b'{"detail":"internal"}', True),
        (503, b"upstream down", True),
        (404, b'{"status":"NOT_FOUND"}', False),
        (401, b'{"detail":"bad key"}', False),
        (400, b'{"detail":"malformed request id"}', False),
    ],
)
def test_cancel_failures_raise_provider_errors(server, status, body, retryable):
    server.on("PUT", f"{APP}/cancel", status=status, body=body)
    with pytest.raises(ProviderError) as err:
        provider(server).cancel("req-1", model=MODEL)
    assert err.value.retryable is retryable


def test_cancel_without_the_model_sends_nothing(server):
    with pytest.raises(ProviderError) as err:
        provider(server).cancel("req-1")
    assert not err.value.retryable and server.seen == []
