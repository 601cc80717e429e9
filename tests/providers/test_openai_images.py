import base64
import io

import pytest
from PIL import Image

from fluxnote.providers.base import GenerationRequest, InvalidSignature, ProviderError
from fluxnote.providers.openai_images import OpenAIImagesProvider

PATH = "/v1/images/generations"


def png_bytes(size=(32, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (10, 200, 90)).save(buf, "PNG")
    return buf.getvalue()


def provider(server, tmp_path, timeout=2.0):
    return OpenAIImagesProvider(
        "sk-test",
        base_url=f"{server.url}/v1",
        timeout=timeout,
        work_dir=tmp_path / "work",
        allow_private=True,
    )


def request(model="gpt-image-2", aspect="9:16"):
    return GenerationRequest(kind="image", model=model, prompt="a lighthouse", aspect=aspect)


def test_b64_image_is_written_to_a_local_file(server, tmp_path):
    server.on(
        "POST",
        PATH,
        json_body={"created": 1, "data": [{"b64_json": base64.b64encode(png_bytes()).decode()}]},
    )
    p = provider(server, tmp_path)
    result = p.submit(request())
    assert result.status == "succeeded" and result.output_path.suffix == ".png"
    with Image.open(result.output_path) as image:
        assert image.size == (32, 48)
    sent = server.seen[-1]
    assert sent.headers["authorization"] == "Bearer sk-test"
    assert sent.json["model"] == "gpt-image-2" and sent.json["size"] == "1024x1536"
    assert "response_format" not in sent.json  # gpt-image models always answer b64_json
    moved = p.fetch_result(result, tmp_path / "media")
    assert moved.parent == tmp_path / "media"


def test_the_catalogue_size_is_asked_for_exactly(server, tmp_path):
    server.on(
        "POST",
        PATH,
        json_body={"created": 1, "data": [{"b64_json": base64.b64encode(png_bytes()).decode()}]},
    )
    wanted = GenerationRequest(
        kind="image", model="gpt-image-2", prompt="a lighthouse", aspect="16:9", size="2048x1152"
    )
    provider(server, tmp_path).submit(wanted)
    assert server.seen[-1].json["size"] == "2048x1152"


def test_url_answers_are_downloaded_by_fetch_result(server, tmp_path):
    server.on("POST", PATH, json_body={"created": 1, "data": [{"url": f"{server.url}/img.png"}]})
    server.on("GET", "/img.png", body=png_bytes(), content_type="image/png")
    p = provider(server, tmp_path)
    result = p.submit(request())
    assert result.output_url == f"{server.url}/img.png"
    assert p.fetch_result(result, tmp_path / "dl").read_bytes() == png_bytes()


@pytest.mark.parametrize("code", ["content_policy_violation", "moderation_blocked"])
def test_a_content_policy_refusal_is_moderated(server, tmp_path, code):
    server.on(
        "POST",
        PATH,
        status=400,
        json_body={
            "error": {
                "message": "Your request was rejected by the safety system.",
                "type": "invalid_request_error",
                "param": None,
                "code": code,
            }
        },
    )
    result = provider(server, tmp_path).submit(request())
    assert result.status == "failed" and result.moderated and "safety" in result.error


@pytest.mark.parametrize(
    "status,body,retryable",
    [
        (
            400,
            b'{"error":{"message":"bad size","type":"invalid_request_error","code":"invalid_size"}}',
            False,
        ),
        (
            401,
            b'{"error":{"message":"bad key","type":"invalid_request_error","code":"invalid_api_key"}}',
            False,
        ),
        (
            429,
            b'{"error":{"message":"rate limited","type":"requests","code":"rate_limit_exceeded"}}',
            True,
        ),
        (500, b'{"error":{"message":"server error","type":"server_error","code":null}}', True),
        (200, b'{"created": 1, "data": []}', False),
        (200, b'{"created": 1, "data": [{"b64_json": "@@not base64@@"}]}', False),
        (200, b"<html>oops</html>", False),
    ],
)
def test_failures_raise_provider_errors(server, tmp_path, status, body, retryable):
    server.on("POST", PATH, status=status, body=body)
    with pytest.raises(ProviderError) as err:
        provider(server, tmp_path).submit(request())
    assert err.value.retryable is retryable
    assert len(server.seen) == 1  # no hidden SDK retries


def test_a_hanging_api_times_out_as_retryable(server, tmp_path):
    server.on("POST", PATH, json_body={"data": []}, delay=2.0)
    with pytest.raises(ProviderError) as err:
        provider(server, tmp_path, timeout=0.3).submit(request())
    assert err.value.retryable


def test_no_webhooks_and_no_video(server, tmp_path):
    p = provider(server, tmp_path)
    with pytest.raises(InvalidSignature):
        p.parse_webhook({}, b"{}")
    with pytest.raises(ProviderError):
        p.submit(GenerationRequest(kind="video", model="gpt-image-2", prompt="x"))
