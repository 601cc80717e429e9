"""Media storage. Keys are generated here (`<yyyy>/<mm>/<uuid><suffix>`): no name or path
from a user ever reaches the filesystem. Local disk under MEDIA_DIR is the default."""
import shutil
import uuid
from pathlib import Path

from flask import current_app

from fluxnote.models import utcnow

ALLOWED_SUFFIXES = {".png", ".jpg", ".webp", ".mp4", ".wav", ".mp3", ".m4a", ".json", ".ass", ".srt"}


def _root() -> Path:
    return Path(current_app.config["MEDIA_DIR"])


def new_key(suffix: str) -> str:
    """A fresh storage key for a file of this suffix (ValueError for an unknown suffix)."""
    suffix = suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ValueError(f"unsupported suffix {suffix!r}")
    now = utcnow()
    return f"{now:%Y/%m}/{uuid.uuid4().hex}{suffix}"


def path_for(key: str) -> Path:
    """The local path of a stored key. ValueError for a key that escapes the media root."""
    root = _root().resolve()
    path = (root / key).resolve()
    if root not in path.parents:
        raise ValueError("invalid storage key")
    return path


def put_bytes(data: bytes, suffix: str) -> str:
    key = new_key(suffix)
    path = path_for(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return key


def put_file(src: str | Path, suffix: str | None = None, move: bool = False) -> str:
    """Store a local file (copied, or moved when `move`) and return its key."""
    key = new_key(suffix or Path(src).suffix)
    path = path_for(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    (shutil.move if move else shutil.copyfile)(str(src), str(path))
    return key


def reserve_path(suffix: str) -> tuple[str, Path]:
    """A key and its local path for a file a job is about to write in place."""
    key = new_key(suffix)
    path = path_for(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    return key, path


def delete(key: str) -> None:
    path_for(key).unlink(missing_ok=True)
