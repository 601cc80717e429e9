"""Voice test helpers: a local HTTP server speaking a vendor's protocol, WAV decoding."""

import threading
import wave
from pathlib import Path

import numpy as np
import pytest
from werkzeug.serving import make_server


@pytest.fixture
def serve():
    """serve(wsgi_app) -> base URL of that app on 127.0.0.1 (stopped after the test)."""
    servers = []

    def start(wsgi_app) -> str:
        server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()


def decode_wav(path: Path) -> tuple[np.ndarray, int]:
    """Decode a narration WAV with the standard library (independent of the code under test)."""
    with wave.open(str(path), "rb") as src:
        assert src.getsampwidth() == 2 and src.getnchannels() == 1
        data = np.frombuffer(src.readframes(src.getnframes()), dtype="<i2")
        return data / 32768.0, src.getframerate()


def assert_sane_timings(words, duration: float) -> None:
    for word in words:
        assert 0 <= word.start < word.end <= duration + 1e-6, word
    for a, b in zip(words, words[1:], strict=False):
        assert a.end <= b.start + 1e-6, (a, b)
