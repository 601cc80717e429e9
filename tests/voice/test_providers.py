"""OpenAI and ElevenLabs adapters against local servers that speak their protocols."""
import base64
import json

import numpy as np
import pytest
from werkzeug.wrappers import Request, Response

from fluxnote.voice import piper_tts, services
from fluxnote.voice.audio import resample
from fluxnote.voice.errors import VoiceProviderError
from fluxnote.voice.normalize import tokenize
from tests.voice.conftest import assert_sane_timings, decode_wav

TEXT = "Three quick facts about octopuses. They have three hearts, and blue blood!"


@pytest.fixture(scope="module")
def reference():
    """A real narration (piper) the fake vendors hand back, with its true timings."""
    return piper_tts.synthesize(tokenize(TEXT))


def openai_server(reference, seen):
    pcm = (resample(reference.samples, reference.sample_rate, 24000) * 32767).astype("<i2").tobytes()

    @Request.application
    def app(request):
        seen.append((request.path, request.headers.get("Authorization"), request.get_json()))
        if request.headers.get("Authorization") != "Bearer sk-test":
            return Response(json.dumps({"error": {"message": "Incorrect API key provided",
                                                  "type": "invalid_request_error"}}),
                            401, content_type="application/json")
        return Response(pcm, 200, content_type="audio/pcm")
    return app


def elevenlabs_server(reference, seen, alignment=True):
    pcm = (reference.samples * 32767).astype("<i2").tobytes()

    @Request.application
    def app(request):
        seen.append((request.path, dict(request.args), request.headers.get("xi-api-key"),
                     request.get_json()))
        if request.headers.get("xi-api-key") != "el-test":
            return Response(json.dumps({"detail": {"status": "invalid_api_key",
                                                   "message": "Invalid API key"}}),
                            401, content_type="application/json")
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
    return {"characters": list(text), "character_start_times_seconds": starts,
            "character_end_times_seconds": ends}


def test_openai_voice_is_synthesised_and_aligned_offline(app, tmp_path, serve, reference):
    seen = []
    app.config.update(PROVIDER_KEYS={"OPENAI_API_KEY": "sk-test"},
                      OPENAI_BASE_URL=serve(openai_server(reference, seen)) + "/v1")

    narration = services.synthesize(TEXT, "openai-coral", tmp_path)

    path, authz, body = seen[0]
    assert path == "/v1/audio/speech" and authz == "Bearer sk-test"
    assert body["voice"] == "coral" and body["input"] == TEXT and body["response_format"] == "pcm"
    samples, rate = decode_wav(narration.audio_path)
    assert rate == 24000 and abs(narration.duration_s - reference.duration_s) < 0.01
    assert [w.text for w in narration.words] == TEXT.split()
    assert_sane_timings(narration.words, narration.duration_s)
    errors = [abs(a.start - b.start) for a, b in zip(narration.words, reference.words)]
    assert np.mean(errors) < 0.2


def test_openai_error_answer_becomes_a_voice_error(app, tmp_path, serve, reference):
    app.config.update(PROVIDER_KEYS={"OPENAI_API_KEY": "sk-wrong"},
                      OPENAI_BASE_URL=serve(openai_server(reference, [])) + "/v1")
    with pytest.raises(VoiceProviderError, match="401"):
        services.synthesize(TEXT, "openai-alloy", tmp_path)
    assert not list(tmp_path.glob("*.wav"))


def test_elevenlabs_character_timestamps_become_word_timings(app, tmp_path, serve, reference):
    seen = []
    app.config.update(PROVIDER_KEYS={"ELEVENLABS_API_KEY": "el-test"},
                      ELEVENLABS_BASE_URL=serve(elevenlabs_server(reference, seen)))

    narration = services.synthesize(TEXT, "elevenlabs-rachel", tmp_path)

    path, args, key, body = seen[0]
    assert path == "/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM/with-timestamps"
    assert args == {"output_format": "pcm_22050"} and key == "el-test" and body["text"] == TEXT
    samples, rate = decode_wav(narration.audio_path)
    assert rate == 22050 and abs(len(samples) / rate - reference.duration_s) < 0.01
    assert [w.text for w in narration.words] == TEXT.split()
    for got, want in zip(narration.words, reference.words):  # the vendor's timings, not a guess
        assert abs(got.start - want.start) < 0.002 and abs(got.end - want.end) < 0.002


def test_elevenlabs_without_alignment_falls_back_to_offline_alignment(app, tmp_path, serve, reference):
    app.config.update(PROVIDER_KEYS={"ELEVENLABS_API_KEY": "el-test"},
                      ELEVENLABS_BASE_URL=serve(elevenlabs_server(reference, [], alignment=False)))
    narration = services.synthesize(TEXT, "elevenlabs-george", tmp_path)
    assert [w.text for w in narration.words] == TEXT.split()
    assert_sane_timings(narration.words, narration.duration_s)


def test_elevenlabs_errors_and_unreachable_server(app, tmp_path, serve, reference):
    app.config.update(PROVIDER_KEYS={"ELEVENLABS_API_KEY": "wrong"},
                      ELEVENLABS_BASE_URL=serve(elevenlabs_server(reference, [])))
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
    for (start, end), want in zip(spans[:-1], reference.words[:-1]):
        assert abs(start - want.start) < 0.002 and abs(end - want.end) < 0.002
    assert spans[-1][0] == pytest.approx(reference.words[-1].start, abs=0.002)
