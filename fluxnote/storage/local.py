"""The local-files backend: objects are files under MEDIA_DIR, read in place.

Writes go to a temporary name in the target directory and are renamed into place, so a
crash mid-copy never leaves a partial file under a real key.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from fluxnote.storage.base import MissingObject, check_key


class LocalStore:
    name = "local"

    def __init__(self, root: Path):
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if self.root not in path.parents:
            raise ValueError("invalid storage key")
        return path

    def put(self, key: str, src: Path, *, move: bool = False) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        try:
            if move:
                shutil.move(str(src), str(part))
            else:
                shutil.copyfile(str(src), str(part))
            os.replace(part, path)
        finally:
            part.unlink(missing_ok=True)

    def get(self, key: str, dest: Path) -> None:
        try:
            shutil.copyfile(self._path(key), dest)
        except FileNotFoundError as exc:
            raise MissingObject(key) from exc

    def local_path(self, key: str) -> Path:
        return self._path(key)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError as exc:
            raise MissingObject(key) from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def url(self, key: str, **_kwargs) -> None:
        return None

    def listing(self) -> Iterator[tuple[str, float]]:
        for path in self.root.rglob("*"):
            if not path.name.startswith("."):  # skips writes in progress
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    continue
                if path.is_file():
                    yield str(path.relative_to(self.root)), stat.st_mtime

    def check(self) -> tuple[bool, str]:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".check-{uuid.uuid4().hex}"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            return False, f"local files at {self.root}: {exc}"
        usage = shutil.disk_usage(self.root)
        return True, f"local files at {self.root} ({usage.free // 2**30} GiB free)"
