"""OpenAI and ElevenLabs adapters against local servers that speak their protocols."""

import base64
import json
import threading
from pathlib import Path

import numpy as np
import pytest
from jsonschema import Draft202012Validator
from websockets.sync.server import serve as ws_serve
from werkzeug.wrappers import Request, Response

from fluxnote.media.audio import resample
from fluxnote.voice import piper_tts, services
from fluxnote.voice.errors import VoiceProviderError
from fluxnote.voice.normalize import tokenize
from tests.voice.conftest import assert_sane_timings, decode_wav

SCHEMAS = Path(__file__).parent / "schemas"
TEXT = "Three quick facts about octopuses. They have three hearts, and blue blood!"


@pytest.fixture(scope="module")
def reference():
    """A real narration (piper) the fake vendors hand back, with its true timings."""
    return piper_tts.synthesize(tokenize(TEXT))


def openai_realtime(reference, seen, status="completed", error=None):
    """A loopback WebSocket server speaking OpenAI's Realtime protocol: it checks the
    key, records the client events, and answers response.create with the reference
    narration as 24 kHz PCM in response.output_audio.delta chunks, then response.done."""
    pcm = (
        (resample(reference.samples, reference.sample_rate, 24000) * 32767).astype("<i2").tobytes()
    )

    def handler(ws):
        request = ws.request
        seen.append(("connect", request.path, request.headers.get("Authorization")))
        if request.headers.get("Authorization") != "Bearer sk-test":
            return  # refused at the upgrade by process_request below
        ws.send(json.dumps({"type": "session.created", "event_id": "e0", "session": {}}))
        for message in ws:
            event = json.loads(message)
            seen.append(("event", event["type"], event))
            if event["type"] != "response.create":
                continue
            if error:
                ws.send(json.dumps({"type": "error", "event_id": "e1", "error": error}))
                continue
            for i in range(0, len(pcm), 9600):
                delta = base64.b64encode(pcm[i : i + 9600]).decode()
                ws.send(
                    json.dumps(
                        {
                            "type": "response.output_audio.delta",
                            "event_id": f"d{i}",
                            "response_id": "r1",
                            "item_id": "i1",
                            "output_index": 0,
                            "content_index": 0,
                            "delta": delta,
                        }
                    )
                )
            done = {"id": "r1", "object": "realtime.response", "status": status, "output": []}
            ws.send(json.dumps({"type": "response.done", "event_id": "e2", "response": done}))

    def process_request(connection, request):
        if request.headers.get("Authorization") != "Bearer sk-test":
            return connection.respond(401, "Incorrect API key provided\n")
        return None

    server = ws_serve(handler, "127.0.0.1", 0, process_request=process_request)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.socket.getsockname()[1]}/v1"


def elevenlabs_server(reference, seen, alignment=True):
    pcm = (reference.samples * 32767).astype("<i2").tobytes()

    @Request.application
    def app(request):
        seen.append(
            (
                request.path,
                dict(request.args),
                request.headers.get("xi-api-key"),
                request.get_json(),
            )
        )
        if request.headers.get("xi-api-key") != "el-test":
            return Response(
                json.dumps({"detail": {"status": "invalid_api_key", "message": "Invalid API key"}}),
                401,
                content_type="application/json",
            )
        text = request.get_json()["text"]
        body = {"audio_base64": base64.b64encode(pcm).decode()}
        if alignment:
            body["alignment"] = char_alignment(text, reference.words)
        return Response(json.dumps(body), 200, content_type="application/json")

    return app


def char_alignment(text, words):
    """Per-character times as ElevenLabs sends them: each word's characters share its span."""
    starts, ends = [0.0] * len(text), [0.0] * len(text)
    at = 0
    for word in words:
        i = text.index(word.text, at)
        step = (word.end - word.start) / len(word.text)
        for k in range(len(word.text)):
            starts[i + k], ends[i + k] = word.start + k * step, word.start + (k + 1) * step
        for k in range(at, i):
            starts[k] = ends[k] = word.start
        at = i + len(word.text)
    return {
        "characters": list(text),
        "character_start_times_seconds": starts,
        "character_end_times_seconds": ends,
    }


@pytest.fixture
def realtime():
    servers = []

    def start(*args, **kwargs):
        server, url = openai_realtime(*args, **kwargs)
        servers.append(server)
        return url

    yield start
    for server in servers:
        server.shutdown()


def test_openai_voice_is_synthesised_over_realtime_and_aligned_offline(
    app, tmp_path, realtime, reference
):
    seen = []
    app.config.update(
        PROVIDER_KEYS={"OPENAI_API_KEY": "sk-test"},
        OPENAI_BASE_URL=realtime(reference, seen),
    )

    narration = services.synthesize(TEXT, "openai-coral", tmp_path)

    _, path, authz = seen[0]
    assert path == "/v1/realtime?model=gpt-realtime-2.1-mini" and authz == "Bearer sk-test"
    events = {name: event for kind, name, event in seen[1:] if kind == "event"}
    session = events["session.update"]["session"]
    assert session["output_modalities"] == ["audio"]
    assert session["audio"]["output"] == {
        "voice": "coral",
        "format": {"type": "audio/pcm", "rate": 24000},
    }
    item = events["conversation.item.create"]["item"]
    assert item["content"] == [{"type": "input_text", "text": TEXT}]
    assert "response.create" in events
    for name, event in events.items():  # each as OpenAI's OpenAPI document defines it
        schema = json.loads((SCHEMAS / f"realtime_{name.replace('.', '_')}.json").read_text())
        errors = [e.message for e in Draft202012Validator(schema["schema"]).iter_errors(event)]
        assert not errors, (name, errors)
    samples, rate = decode_wav(narration.audio_path)
    assert rate == 24000 and abs(narration.duration_s - reference.duration_s) < 0.01
    assert [w.text for w in narration.words] == TEXT.split()
    assert_sane_timings(narration.words, narration.duration_s)
    errors = [
        abs(a.start - b.start) for a, b in zip(narration.words, reference.words, strict=False)
    ]
    assert np.mean(errors) < 0.2


def test_openai_refusals_become_voice_errors(app, tmp_path, realtime, reference):
    app.config.update(
        PROVIDER_KEYS={"OPENAI_API_KEY": "sk-wrong"}, OPENAI_BASE_URL=realtime(reference, [])
    )
    with pytest.raises(VoiceProviderError, match="401"):
        services.synthesize(TEXT, "openai-alloy", tmp_path)
    app.config.update(
        PROVIDER_KEYS={"OPENAI_API_KEY": "sk-test"},
        OPENAI_BASE_URL=realtime(
            reference, [], error={"type": "invalid_request_error", "message": "bad voice"}
        ),
    )
    with pytest.raises(VoiceProviderError, match="bad voice"):
        services.synthesize(TEXT, "openai-alloy", tmp_path)
    app.config["OPENAI_BASE_URL"] = realtime(reference, [], status="failed")
    with pytest.raises(VoiceProviderError, match="ended failed"):
        services.synthesize(TEXT, "openai-alloy", tmp_path)
    assert not list(tmp_path.glob("*.wav"))


def test_the_openai_voices_are_the_realtime_voices():
    from fluxnote.voice.catalog import VOICES

    schema = json.loads((SCHEMAS / "realtime_session_update.json").read_text())["schema"]
    voice = schema["properties"]["session"]
    text_of_schema = json.dumps(voice)
    openai_voices = {v.engine_voice for v in VOICES.values() if v.provider == "openai"}
    assert openai_voices == {
        "alloy",
        "ash",
        "ballad",
        "coral",
        "echo",
        "sage",
        "shimmer",
        "verse",
        "marin",
        "cedar",
    }
    assert all(f'"{name}"' in text_of_schema for name in openai_voices)


def test_elevenlabs_character_timestamps_become_word_timings(app, tmp_path, serve, reference):
    seen = []
    app.config.update(
        PROVIDER_KEYS={"ELEVENLABS_API_KEY": "el-test"},
        ELEVENLABS_BASE_URL=serve(elevenlabs_server(reference, seen)),
    )

    narration = services.synthesize(TEXT, "elevenlabs-rachel", tmp_path)

    path, args, key, body = seen[0]
    assert path == "/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM/with-timestamps"
    assert args == {"output_format": "pcm_22050"} and key == "el-test" and body["text"] == TEXT
    samples, rate = decode_wav(narration.audio_path)
    assert rate == 22050 and abs(len(samples) / rate - reference.duration_s) < 0.01
    assert [w.text for w in narration.words] == TEXT.split()
    for got, want in zip(
        narration.words, reference.words, strict=False
    ):  # the vendor's timings, not a guess
        assert abs(got.start - want.start) < 0.002 and abs(got.end - want.end) < 0.002


def test_elevenlabs_without_alignment_falls_back_to_offline_alignment(
    app, tmp_path, serve, reference
):
    app.config.update(
        PROVIDER_KEYS={"ELEVENLABS_API_KEY": "el-test"},
        ELEVENLABS_BASE_URL=serve(elevenlabs_server(reference, [], alignment=False)),
    )
    narration = services.synthesize(TEXT, "elevenlabs-george", tmp_path)
    assert [w.text for w in narration.words] == TEXT.split()
    assert_sane_timings(narration.words, narration.duration_s)


def test_elevenlabs_errors_and_unreachable_server(app, tmp_path, serve, reference):
    app.config.update(
        PROVIDER_KEYS={"ELEVENLABS_API_KEY": "wrong"},
        ELEVENLABS_BASE_URL=serve(elevenlabs_server(reference, [])),
    )
    with pytest.raises(VoiceProviderError, match="401: Invalid API key"):
        services.synthesize(TEXT, "elevenlabs-rachel", tmp_path)
    app.config["ELEVENLABS_BASE_URL"] = "http://127.0.0.1:9"
    with pytest.raises(VoiceProviderError, match="unreachable"):
        services.synthesize(TEXT, "elevenlabs-rachel", tmp_path)


def test_elevenlabs_alignment_of_a_slightly_different_text_still_maps_words(reference):
    from fluxnote.voice.elevenlabs_tts import token_spans

    alignment = char_alignment(TEXT, reference.words)
    for key in alignment:  # the vendor dropped the final "!"
        alignment[key] = alignment[key][:-1]
    spans = token_spans(TEXT, tokenize(TEXT), alignment)
    assert len(spans) == len(reference.words)
    for (start, end), want in zip(spans[:-1], reference.words[:-1], strict=False):
        assert abs(start - want.start) < 0.002 and abs(end - want.end) < 0.002
    assert spans[-1][0] == pytest.approx(reference.words[-1].start, abs=0.002)
