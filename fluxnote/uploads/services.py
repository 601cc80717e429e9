"""Validated uploads. A file is stored only after it really decodes and is inside the
limits; the kind comes from its bytes (magic numbers + a real decode), never from the
name or the declared content type, and it is stored under a generated name.
"""

import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import imageio_ffmpeg
from flask import current_app
from PIL import Image, UnidentifiedImageError

from fluxnote.assets.models import Asset
from fluxnote.assets.services import add_asset
from fluxnote.media.ffmpeg import ffmpeg_exe
from fluxnote.storage import services as storage

MB = 1024 * 1024
MAX_BYTES = {"image": 20 * MB, "audio": 50 * MB, "video": 200 * MB}
KINDS = tuple(MAX_BYTES)
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before decoding
MAX_SIDE = 8192
MAX_SECONDS = {"audio": 600.0, "video": 300.0}
IMAGE_FORMATS = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}


class UploadError(Exception):
    """A refused upload: `status` 413 (too large) or 415 (not media we accept)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass
class Probe:
    kind: str
    suffix: str
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None


def max_upload_bytes() -> int:
    return max(MAX_BYTES.values())


def store_upload(
    workspace_id: int,
    user_id: int | None,
    stream: BinaryIO,
    filename: str = "",
    kinds: tuple[str, ...] = KINDS,
) -> Asset:
    """Validate an uploaded file, then store it as an asset of one of `kinds`, flushed in
    the caller's transaction (no commit). Raises UploadError (413 too large, 415 a file
    that is not a supported image, video or audio, or not one of `kinds`) before
    anything is stored."""
    tmp_root = Path(current_app.config["DATA_DIR"]) / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tmp_root) as work:
        path = Path(work) / "upload"
        size = _copy_limited(stream, path, max_upload_bytes())
        probe = probe_file(path)
        if size > MAX_BYTES[probe.kind]:
            raise UploadError(
                413,
                f"{probe.kind.title()} uploads are limited to {MAX_BYTES[probe.kind] // MB} MB.",
            )
        if probe.kind not in kinds:
            raise UploadError(415, f"Upload {' or '.join(kinds)} here, not {probe.kind}.")
        key = storage.put_file(path, probe.suffix, move=True)
    title = Path(filename or "upload").name[:200]
    asset = add_asset(
        workspace_id,
        probe.kind,
        "upload",
        key,
        width=probe.width,
        height=probe.height,
        duration_s=probe.duration_s,
        title=title,
        created_by_id=user_id,
    )
    return asset


def _copy_limited(stream: BinaryIO, path: Path, limit: int) -> int:
    size = 0
    with path.open("wb") as out:
        while chunk := stream.read(1024 * 1024):
            size += len(chunk)
            if size > limit:
                raise UploadError(413, f"Uploads are limited to {limit // MB} MB.")
            out.write(chunk)
    if size == 0:
        raise UploadError(415, "The file is empty.")
    return size


def probe_file(path: Path) -> Probe:
    """What the file really is, after decoding it. UploadError(415/413) otherwise."""
    head = path.open("rb").read(16).ljust(16, b"\0")  # a 1-byte file is judged, not indexed past
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return _probe_wav(path)
    if head[4:8] == b"ftyp":
        return _probe_av(
            path,
            "audio" if head[8:11] == b"M4A" else "video",
            ".m4a" if head[8:11] == b"M4A" else ".mp4",
        )
    if head[:3] == b"ID3" or (head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return _probe_av(path, "audio", ".mp3")
    return _probe_image(path)


def _probe_image(path: Path) -> Probe:
    try:
        with Image.open(path) as image:
            if image.format not in IMAGE_FORMATS:
                raise UploadError(
                    415, "Upload a PNG, JPEG or WebP image, an MP4 video, or WAV/MP3/M4A audio."
                )
            width, height = image.size
            if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                raise UploadError(
                    413,
                    f"Images are limited to {MAX_SIDE} px a side and {MAX_PIXELS // 1_000_000} megapixels.",
                )
            image.load()
            return Probe("image", IMAGE_FORMATS[image.format], width, height)
    except Image.DecompressionBombError as exc:
        raise UploadError(
            413, f"Images are limited to {MAX_PIXELS // 1_000_000} megapixels."
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise UploadError(
            415, "This file is not an image, video or audio file we can read."
        ) from exc


def _probe_wav(path: Path) -> Probe:
    try:
        with wave.open(str(path), "rb") as src:
            frames, rate = src.getnframes(), src.getframerate()
            data = src.readframes(frames)
            if rate <= 0 or len(data) < frames * src.getsampwidth() * src.getnchannels():
                raise UploadError(415, "This WAV file is truncated.")
    except (wave.Error, EOFError) as exc:
        raise UploadError(415, "This WAV file cannot be decoded.") from exc
    return _checked_duration(Probe("audio", ".wav", duration_s=round(frames / rate, 3)))


def _probe_av(path: Path, kind: str, suffix: str) -> Probe:
    """Decode with ffmpeg: video fully up to the first second, audio completely."""
    try:
        frames = imageio_ffmpeg.read_frames(str(path)) if kind == "video" else None
        meta = next(frames) if frames else {}
        if frames:
            next(frames)  # one decoded frame proves the stream is real video
            frames.close()
    except (RuntimeError, OSError, StopIteration) as exc:
        raise UploadError(415, "This video cannot be decoded.") from exc
    duration = meta.get("duration") or _decoded_seconds(path)
    width, height = meta.get("size") or (None, None)
    if width and (width * height > MAX_PIXELS or max(width, height) > 4096):
        raise UploadError(413, "Videos are limited to 4096 px a side.")
    return _checked_duration(Probe(kind, suffix, width, height, round(float(duration), 3)))


def _decoded_seconds(path: Path) -> float:
    """Decode the whole stream; its length in seconds. UploadError(415) if it fails."""
    cmd = [
        ffmpeg_exe(),
        "-v",
        "error",
        "-xerror",
        "-i",
        str(path),
        "-vn",
        "-ac",
        "1",
        "-ar",
        "8000",
        "-f",
        "s16le",
        "-",
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=120)
    except subprocess.TimeoutExpired as exc:
        raise UploadError(415, "This audio takes too long to decode.") from exc
    if proc.returncode != 0 or len(proc.stdout) < 1600:
        raise UploadError(415, "This audio file cannot be decoded.")
    return len(proc.stdout) / 2 / 8000


def _checked_duration(probe: Probe) -> Probe:
    limit = MAX_SECONDS[probe.kind]
    if not probe.duration_s or probe.duration_s <= 0:
        raise UploadError(415, f"This {probe.kind} file has no playable content.")
    if probe.duration_s > limit:
        raise UploadError(
            413, f"{probe.kind.title()} uploads are limited to {limit / 60:g} minutes."
        )
    return probe
