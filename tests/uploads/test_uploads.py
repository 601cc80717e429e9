"""Uploads: real media becomes an asset; corrupt, disguised and oversized files are refused
(415 / 413) and nothing is stored."""

import io
import struct
import subprocess
import wave
import zlib
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from fluxnote.assets.models import Asset
from fluxnote.extensions import db
from fluxnote.uploads import services
from tests.conftest import auth, make_token, make_user


@pytest.fixture
def post(app, client):
    headers = auth(make_token(make_user()))

    def _post(data: bytes, name: str = "file.bin"):
        return client.post(
            "/api/v1/uploads",
            headers=headers,
            content_type="multipart/form-data",
            data={"file": (io.BytesIO(data), name)},
        )

    return _post


def png(size=(64, 48), colour=(10, 200, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def wav(seconds: float = 0.5, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.sin(np.arange(int(seconds * rate)) / 5) * 9000).astype("<i2").tobytes())
    return buffer.getvalue()


def mp4(tmp_path: Path) -> bytes:
    out = tmp_path / "clip.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=160x120:rate=10:duration=1",
            "-pix_fmt",
            "yuv420p",
            str(out),
        ],
        check=True,
    )
    return out.read_bytes()


def bomb_png(width: int = 50_000, height: int = 50_000) -> bytes:
    """A tiny PNG whose header claims a huge picture (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 100))
        + chunk(b"IEND", b"")
    )


def stored_nothing(app) -> bool:
    media = Path(app.config["MEDIA_DIR"])
    return db.session.query(Asset).count() == 0 and not [p for p in media.rglob("*") if p.is_file()]


def test_real_image_audio_and_video_become_assets(app, post, tmp_path):
    image = post(png(), "photo.png")
    assert image.status_code == 201
    assert image.get_json() | {"url": None} == {
        "id": image.get_json()["id"],
        "kind": "image",
        "source": "upload",
        "width": 64,
        "height": 48,
        "url": None,
    }
    audio = post(wav(0.5), "voice.wav").get_json()
    assert audio["kind"] == "audio" and audio["duration_s"] == 0.5
    video = post(mp4(tmp_path), "clip.mp4").get_json()
    assert video["kind"] == "video" and (video["width"], video["height"]) == (160, 120)
    assert abs(video["duration_s"] - 1.0) < 0.15
    stored = [a.storage_key for a in db.session.query(Asset)]
    assert all("photo" not in k and "voice" not in k and "clip" not in k for k in stored)


@pytest.mark.parametrize(
    "name, data",
    [
        ("truncated.png", png()[:60]),
        ("text.png", b"hello, this is not a picture at all"),
        ("script.mp4", b"\x00\x00\x00\x18ftypisom" + b"\x00" * 200),
        ("noise.wav", b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x01" * 40),
        ("song.mp3", b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00" * 300),
        ("page.gif", b"GIF89a" + b"\x00" * 50),
        ("empty.png", b""),
        ("one.png", b"\xff"),
        ("one.bin", b"\x00"),
        ("two.mp3", b"\xff\xfb"),
        ("riff.wav", b"RIFF"),
    ],
)
def test_corrupt_or_disguised_files_are_415_and_store_nothing(app, post, name, data):
    answer = post(data, name)
    assert answer.status_code == 415, answer.get_json()
    assert answer.get_json()["error"]["code"] == "unsupported_media"
    assert stored_nothing(app)


@pytest.mark.parametrize("side", [50_000, 9_000])
def test_a_decompression_bomb_is_refused_before_decoding(app, post, side):
    answer = post(bomb_png(side, side), "bomb.png")
    assert answer.status_code == 413 and answer.get_json()["error"]["code"] == "too_large"
    assert stored_nothing(app)


def test_oversized_files_are_413_and_store_nothing(app, post, monkeypatch):
    monkeypatch.setitem(services.MAX_BYTES, "image", 1000)
    answer = post(png((300, 300), (1, 2, 3)) + b"\0" * 2000, "big.png")
    assert answer.status_code == 413 and answer.get_json()["error"]["code"] == "too_large"
    monkeypatch.setitem(services.MAX_SECONDS, "audio", 0.2)
    assert post(wav(0.5), "long.wav").status_code == 413
    assert stored_nothing(app)


def test_an_upload_over_the_global_limit_is_cut_off_while_streaming(app, post, monkeypatch):
    monkeypatch.setattr(services, "max_upload_bytes", lambda: 4096)
    answer = post(b"\0" * 20_000, "huge.bin")
    assert answer.status_code == 413 and stored_nothing(app)
