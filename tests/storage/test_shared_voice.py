"""Narration synthesised on one host is reused by every other host through the bucket."""

import pytest

from fluxnote.voice import piper_tts, services
from tests.conftest import build_app
from tests.storage.conftest import objects, s3_settings


def _fail(*_args, **_kwargs):
    raise AssertionError("TTS ran again")


def test_another_host_reuses_the_synthesis(app, tmp_path, redis_url, bucket, moto_url, monkeypatch):
    first = services.synthesize("Shared across hosts.", "piper-joe", tmp_path / "a")
    stored = [k for k in objects(moto_url, bucket) if k.startswith("media/voice-cache/")]
    assert len(stored) == 2  # the WAV and its word timings
    monkeypatch.setattr(piper_tts, "synthesize", _fail)
    other = build_app(tmp_path / "other", redis_url, **s3_settings(bucket, moto_url))
    with other.app_context():
        again = services.synthesize("Shared across hosts.", "piper-joe", tmp_path / "b")
        assert again.words == first.words and again.duration_s == first.duration_s
        assert again.audio_path.read_bytes() == first.audio_path.read_bytes()
        with pytest.raises(AssertionError, match="TTS ran again"):
            services.synthesize("Not said before.", "piper-joe", tmp_path / "c")
