"""A loopback server speaking the Pexels and Pixabay search APIs, serving real media.

Answers are shaped as the libraries document them (Pexels: `videos[].video_files[]`,
`photos[].src`; Pixabay: `hits[].videos.{large,medium,small,tiny}`, `hits[].largeImageURL`).
Media links point back at the server (Pexels' video links redirect, as they do).
"""

import contextlib
import io
import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from fluxnote.media.ffmpeg import ffmpeg_exe
from tests.studio.conftest import studio  # noqa: F401 (the studio fixture, shared)

PEXELS_KEY, PIXABAY_KEY = "pexels-test-key", "pixabay-test-key"


def make_mp4(path: Path, size: str, colour: str, seconds: float = 2.0) -> bytes:
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"color=c={colour}:s={size}:d={seconds}:r=25",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        check=True,
    )
    return path.read_bytes()


@pytest.fixture(scope="session")
def media_files(tmp_path_factory):
    return make_media(tmp_path_factory.mktemp("stockmedia"))


def make_media(root: Path) -> dict:
    """What the library serves: portrait, landscape and small MP4s and a JPEG photo."""
    jpeg = io.BytesIO()
    Image.new("RGB", (1080, 1620), (30, 120, 200)).save(jpeg, "JPEG")
    return {
        "portrait.mp4": make_mp4(root / "p.mp4", "1080x1920", "teal"),
        "landscape.mp4": make_mp4(root / "l.mp4", "1920x1080", "orange"),
        "small.mp4": make_mp4(root / "s.mp4", "360x640", "gray", 1.0),
        "photo.jpg": jpeg.getvalue(),
    }


class Library:
    """What the server answers: per query, Pexels videos/photos and Pixabay hits."""

    def __init__(self, media):
        self.media = media
        self.seen: list[tuple[str, dict, dict]] = []
        self.downloads: list[str] = []
        self.base = ""
        self.empty_queries: set[str] = set()
        self.broken: set[str] = set()  # media URLs containing one of these send garbage
        self.fail = False

    def pexels_video(self, vid: int, portrait: bool = True, duration: int = 12) -> dict:
        w, h = (1080, 1920) if portrait else (1920, 1080)
        name = "portrait.mp4" if portrait else "landscape.mp4"
        return {
            "id": vid,
            "width": w,
            "height": h,
            "url": f"https://www.pexels.com/video/clip-{vid}/",
            "image": f"{self.base}/thumb/{vid}.jpg",
            "duration": duration,
            "user": {"id": 7, "name": f"Videographer {vid}", "url": "https://www.pexels.com/@v"},
            "video_files": [
                {
                    "id": vid * 10,
                    "quality": "sd",
                    "file_type": "video/mp4",
                    "width": w // 3,
                    "height": h // 3,
                    "fps": 25,
                    "link": f"{self.base}/media/small.mp4?v={vid}",
                },
                {
                    "id": vid * 10 + 1,
                    "quality": "hd",
                    "file_type": "video/mp4",
                    "width": w,
                    "height": h,
                    "fps": 25,
                    "link": f"{self.base}/redirect/{name}?v={vid}",
                },
                {
                    "id": vid * 10 + 2,
                    "quality": "uhd",
                    "file_type": "video/mp4",
                    "width": w * 2,
                    "height": h * 2,
                    "fps": 25,
                    "link": f"{self.base}/media/{name}?uhd={vid}",
                },
            ],
            "video_pictures": [{"id": 1, "picture": f"{self.base}/thumb/{vid}.jpg", "nr": 0}],
        }

    def pexels(self, path: str, query: dict) -> dict:
        q = query["query"][0]
        if q in self.empty_queries or "*" in self.empty_queries:
            return {"page": 1, "per_page": 15, "total_results": 0, "videos": [], "photos": []}
        if path == "/videos/search":
            portrait = query.get("orientation", [""])[0] == "portrait"
            videos = [self.pexels_video(100 + i, portrait, 3 if i == 0 else 12) for i in range(3)]
            return {"page": 1, "per_page": 15, "total_results": 3, "url": "", "videos": videos}
        photo = {
            "id": 900,
            "width": 1080,
            "height": 1620,
            "url": "https://www.pexels.com/photo/p-900/",
            "photographer": "Photographer 900",
            "photographer_url": "https://www.pexels.com/@p",
            "photographer_id": 9,
            "avg_color": "#336699",
            "alt": q,
            "src": {
                "original": f"{self.base}/media/photo.jpg",
                "medium": f"{self.base}/thumb/900.jpg",
            },
        }
        return {"page": 1, "per_page": 15, "total_results": 1, "photos": [photo]}

    def pixabay(self, path: str, query: dict) -> dict:
        q = query["q"][0]
        if q in self.empty_queries or "*" in self.empty_queries:
            return {"total": 0, "totalHits": 0, "hits": []}
        if path.endswith("/videos/"):

            def size(w, h, name):
                return {
                    "url": f"{self.base}/media/{name}?px=1",
                    "width": w,
                    "height": h,
                    "size": 1000,
                    "thumbnail": f"{self.base}/thumb/px.jpg",
                }

            hit = {
                "id": 555,
                "pageURL": "https://pixabay.com/videos/id-555/",
                "type": "film",
                "tags": q,
                "duration": 20,
                "user_id": 42,
                "user": "pixauthor",
                "videos": {
                    "large": {"url": "", "width": 0, "height": 0, "size": 0, "thumbnail": ""},
                    "medium": size(1080, 1920, "portrait.mp4"),
                    "small": size(720, 1280, "small.mp4"),
                    "tiny": size(360, 640, "small.mp4"),
                },
            }
            return {"total": 1, "totalHits": 1, "hits": [hit]}
        hit = {
            "id": 777,
            "pageURL": "https://pixabay.com/photos/id-777/",
            "type": "photo",
            "tags": q,
            "previewURL": f"{self.base}/thumb/777.jpg",
            "webformatURL": f"{self.base}/thumb/777.jpg",
            "largeImageURL": f"{self.base}/media/photo.jpg",
            "imageWidth": 4000,
            "imageHeight": 6000,
            "user_id": 1,
            "user": "pixphoto",
        }
        return {"total": 1, "totalHits": 1, "hits": [hit]}


def _handler(library: Library):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _json(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            library.seen.append((parts.path, query, dict(self.headers)))
            if parts.path.startswith("/redirect/"):
                self.send_response(302)
                self.send_header("Location", f"/media/{parts.path[10:]}?{parts.query}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if parts.path.startswith("/thumb/"):
                shade = sum(parts.path.encode()) % 200
                buffer = io.BytesIO()
                Image.new("RGB", (180, 320), (shade, 90, 200 - shade)).save(buffer, "JPEG")
                data = buffer.getvalue()
                self.send_response(200)
                self.send_header("Content-Type", "image/jpeg")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            if parts.path.startswith("/media/"):
                data = library.media[parts.path[7:]]
                if any(b in self.path for b in library.broken):
                    data = b"<html>not a video</html>"
                library.downloads.append(self.path)
                self.send_response(200)
                kind = "image/jpeg" if parts.path.endswith(".jpg") else "video/mp4"
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
            if library.fail:
                return self._json(500, {"error": "boom"})
            if parts.path in ("/v1/search", "/videos/search"):
                if self.headers.get("Authorization") != PEXELS_KEY:
                    return self._json(401, {"error": "Unauthorized"})
                return self._json(200, library.pexels(parts.path, query))
            if parts.path in ("/pixabay/", "/pixabay/videos/"):
                if query.get("key") != [PIXABAY_KEY]:
                    return self._json(400, {"error": "[ERROR 400] Invalid or missing API key"})
                return self._json(200, library.pixabay(parts.path, query))
            self._json(404, {"error": "not found"})

    return Handler


@contextlib.contextmanager
def serve_library(app, media: dict):
    """The loopback library, configured as `app`'s Pexels and Pixabay."""
    lib = Library(media)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(lib))
    lib.base = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.config["ALLOW_PRIVATE_URLS"] = True
    app.config["STOCK"] = {
        "PEXELS_API_KEY": PEXELS_KEY,
        "PIXABAY_API_KEY": PIXABAY_KEY,
        "PEXELS_BASE_URL": lib.base,
        "PIXABAY_BASE_URL": f"{lib.base}/pixabay",
    }
    try:
        yield lib
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def library(app, media_files):
    with serve_library(app, media_files) as lib:
        yield lib
