import json

import pytest

from fluxnote.providers.base import GenerationRequest, InvalidSignature, ProviderError
from fluxnote.providers.runway import RunwayProvider

TASK = "/v1/tasks/t-1"


def provider(server, timeout=2.0):
    return RunwayProvider("key_runway", base_url=server.url, timeout=timeout, allow_private=True)


def task(status, **extra):
    return {"id": "t-1", "status": status, "createdAt": "2026-01-01T00:00:00.000Z", **extra}


def serve_uploads(server):
    """Runway's upload: POST /v1/uploads names a form POST target; the file goes there."""
    server.on(
        "POST",
        "/v1/uploads",
        json_body={
            "uploadUrl": f"{server.url}/s3-upload",
            "fields": {"key": "uploads/first.png", "policy": "p"},
            "runwayUri": "runway://uploads/first.png",
        },
    )
    server.on("POST", "/s3-upload", status=204, body=b"")


def test_image_to_video_uploads_the_first_frame(server, png_file):
    serve_uploads(server)
    server.on("POST", "/v1/image_to_video", json_body={"id": "t-1"})
    request = GenerationRequest(
        kind="video",
        model="gen4_turbo",
        prompt="slow pan",
        aspect="9:16",
        duration_s=5,
        source_image=png_file,
    )
    result = provider(server).submit(request)
    assert (result.status, result.provider_job_id) == ("queued", "t-1")
    sent = server.seen[-1]
    assert sent.headers["authorization"] == "Bearer key_runway"
    assert sent.headers["x-runway-version"]
    assert sent.json["promptImage"] == "runway://uploads/first.png"
    create, form = server.seen[0], server.seen[1]
    assert create.json == {"filename": "first.png", "type": "ephemeral"}
    assert b'name="key"' in form.body and png_file.read_bytes() in form.body
    assert (sent.json["ratio"], sent.json["duration"], sent.json["model"]) == (
        "720:1280",
        5,
        "gen4_turbo",
    )


def test_a_video_without_a_first_frame_is_refused_before_any_call(server):
    request = GenerationRequest(
        kind="video", model="gen4_turbo", prompt="a storm", aspect="16:9", duration_s=5
    )
    with pytest.raises(ProviderError) as err:
        provider(server).submit(request)
    assert not err.value.retryable and server.seen == []


def test_poll_maps_task_states(server):
    p = provider(server)
    for status, expected in [
        ("PENDING", "queued"),
        ("THROTTLED", "queued"),
        ("RUNNING", "running"),
    ]:
        server.on("GET", TASK, json_body=task(status))
        assert p.poll("t-1").status == expected
    server.on(
        "GET", TASK, json_body=task("SUCCEEDED", output=["https://dnznrvs05pmza.example/t-1.mp4"])
    )
    result = p.poll("t-1")
    assert (result.status, result.output_url) == (
        "succeeded",
        "https://dnznrvs05pmza.example/t-1.mp4",
    )


def test_a_safety_failure_is_moderated(server):
    server.on(
        "GET",
        TASK,
        json_body=task("FAILED", failure="Prompt was flagged", failureCode="SAFETY.INPUT.TEXT"),
    )
    result = provider(server).poll("t-1")
    assert result.status == "failed" and result.moderated and result.error == "Prompt was flagged"


def test_other_failures_are_not_moderated(server):
    server.on(
        "GET", TASK, json_body=task("FAILED", failure="Internal error", failureCode="INTERNAL")
    )
    result = provider(server).poll("t-1")
    assert result.status == "failed" and not result.moderated


@pytest.mark.parametrize(
    "status,body,retryable",
    [
        (500, b'{"error":"internal"}', True),
        (429, b'{"error":"too many"}', True),
        (404, b'{"error":"Task not found"}', False),
        (200, b'{"id": "t-1", "status": "VANISHED"}', False),
        (200, b'{"id": "t-1", "status": "SUCCEEDED", "output": []}', False),
    ],
)
def test_poll_failures_raise_provider_errors(server, status, body, retryable):
    server.on("GET", TASK, status=status, body=body)
    with pytest.raises(ProviderError) as err:
        provider(server).poll("t-1")
    assert err.value.retryable is retryable
    assert len(server.seen) == 1


def test_a_malformed_create_answer_is_an_error(server):
    server.on("POST", "/v1/text_to_video", body=b"<html>gateway</html>", content_type="text/html")
    with pytest.raises(ProviderError):
        provider(server).submit(
            GenerationRequest(kind="video", model="gen4.5", prompt="x", duration_s=5)
        )


def test_a_hanging_api_times_out_as_retryable(server):
    server.on("GET", TASK, json_body=task("RUNNING"), delay=2.0)
    with pytest.raises(ProviderError) as err:
        provider(server, timeout=0.3).poll("t-1")
    assert err.value.retryable


def test_runway_sends_no_webhooks():
    p = RunwayProvider("k")
    assert p.webhooks is False  # /webhooks/runway is a 404 (tests/generation)
    with pytest.raises(InvalidSignature):
        p.parse_webhook({}, json.dumps(task("SUCCEEDED")).encode())


def test_images_go_to_text_to_image(server):
    server.on("POST", "/v1/text_to_image", json_body={"id": "t-3"})
    request = GenerationRequest(kind="image", model="gen4_image", prompt="a fox", aspect="9:16")
    assert provider(server).submit(request).provider_job_id == "t-3"
    assert (server.seen[-1].json["ratio"], server.seen[-1].json["model"]) == (
        "1080:1920",
        "gen4_image",
    )


def test_cancel_deletes_the_task_running_or_finished(server):
    server.on("DELETE", TASK, status=204, body=b"")
    provider(server).cancel("t-1")
    sent = server.seen[-1]
    assert (sent.method, sent.path) == ("DELETE", TASK)
    assert sent.headers["authorization"] == "Bearer key_runway"


@pytest.mark.parametrize(
    "status,body,retryable",
    [
        (500, b'{"error":"internal"}', True),
        (429, b'{"error":"too many"}', True),
        (404, b'{"error":"Task not found"}', False),
        (401, b'{"error":"bad key"}', False),
    ],
)
def test_cancel_failures_raise_provider_errors(server, status, body, retryable):
    server.on("DELETE", TASK, status=status, body=body)
    with pytest.raises(ProviderError) as err:
        provider(server).cancel("t-1")
    assert err.value.retryable is retryable
    assert len(server.seen) == 1
