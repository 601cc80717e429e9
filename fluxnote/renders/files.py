"""A finished render as files a browser gets: the MP4 (played in the page with range
requests, or downloaded under the project's title) and a poster frame (JPEG) for the
player and the dashboard's recent videos."""

import re
import subprocess
import unicodedata
import uuid
from pathlib import Path

from flask import current_app

from fluxnote.extensions import db
from fluxnote.media.ffmpeg import ffmpeg_exe
from fluxnote.renders.models import Render
from fluxnote.storage import responses as storage_responses
from fluxnote.storage import services as storage
from fluxnote.storage.base import MissingObject
from fluxnote.studio.models import Project

POSTER_WIDTH = 360
POSTER_AT_S = 1.0
MAX_NAME = 80
_UNSAFE = re.compile(r"[^\w\s().,!&'+-]", re.UNICODE)


class NotReady(LookupError):
    """The render has no file (not succeeded yet, or its file is gone)."""


def safe_filename(title: str, suffix: str = ".mp4") -> str:
    """`title` as a file name every OS accepts: letters (any script), digits, spaces and
    a little punctuation; no path separators, control or reserved characters, no leading
    dot; at most MAX_NAME characters; "FluxNote video" when nothing usable is left."""
    text = unicodedata.normalize("NFC", title or "")
    text = _UNSAFE.sub(" ", text)
    text = re.sub(r"\s+", " ", text).strip(" .-'")[:MAX_NAME].rstrip(" .-'")
    return (text or "FluxNote video") + suffix


def download_name(render: Render) -> str:
    """The project's title (and the aspect when it is not the project's own)."""
    project = db.session.get(Project, render.project_id)
    title = project.title if project else f"FluxNote render {render.id}"
    if project and render.aspect != project.aspect:
        title = f"{title} ({render.aspect.replace(':', 'x')})"
    return safe_filename(title)


def _key(render: Render) -> str:
    if render.status != "succeeded" or not render.storage_key:
        raise NotReady(render.id)
    return render.storage_key


def video_path(render: Render) -> Path:
    """The MP4 in this host's cache (fetched from the store). NotReady when the render
    has no file; StorageUnavailable when the store cannot be reached."""
    try:
        return storage.fetch(_key(render))
    except MissingObject:
        raise NotReady(render.id) from None


def send_video(render: Render, attachment: bool):
    """The MP4 response, named after the project either way: streamed with ranges (206)
    from local files, or a redirect to a presigned URL of the object store."""
    key = _key(render)
    if not storage.exists(key):
        raise NotReady(render.id)
    return storage_responses.send(
        key, "video/mp4", download_name=download_name(render), attachment=attachment
    )


def poster_path(render: Render) -> Path:
    """A JPEG frame (POSTER_AT_S in, or the first frame of a shorter video), made once
    per host from the MP4 and kept beside the data dir's other caches. NotReady when the
    render has no file; OSError when ffmpeg cannot read it."""
    poster = Path(current_app.config["DATA_DIR"]) / "posters" / f"render-{render.id}.jpg"
    if poster.is_file():
        return poster
    video = video_path(render)
    poster.parent.mkdir(parents=True, exist_ok=True)
    at = POSTER_AT_S if (render.duration_s or 0) > 2 * POSTER_AT_S else 0.0
    part = poster.with_name(f".{uuid.uuid4().hex}.jpg")  # concurrent requests never collide
    done = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-y", "-ss", f"{at:.2f}", "-i", str(video)]
        + ["-frames:v", "1", "-vf", f"scale={POSTER_WIDTH}:-2", "-q:v", "4", str(part)],
        capture_output=True,
        timeout=30,
        check=False,
    )
    if done.returncode != 0 or not part.is_file():
        part.unlink(missing_ok=True)
        raise OSError(f"ffmpeg could not take a poster frame: {done.stderr.decode()[-300:]}")
    part.replace(poster)
    return poster
