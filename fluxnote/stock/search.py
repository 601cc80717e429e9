"""Pexels and Pixabay search, each answer turned into `Item`s of one shape.

Pexels: `GET {base}/videos/search` and `GET {base}/v1/search`, key in `Authorization`.
Pixabay: `GET {base}/videos/?key=` and `GET {base}/?key=`. Each item carries the
rendition to download (the smallest whose short side reaches FULL_HD, else the
largest), a thumbnail for the studio and the attribution the licence asks for.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import httpx

FULL_HD = 1080
PER_PAGE = 15
TIMEOUT = httpx.Timeout(15.0, connect=5.0)
LICENCES = {
    "pexels": ("Pexels", "Pexels License", "https://www.pexels.com/license/"),
    "pixabay": (
        "Pixabay",
        "Pixabay Content License",
        "https://pixabay.com/service/license-summary/",
    ),
}


class StockError(Exception):
    """A stock search failed (network, HTTP error, an answer of the wrong shape)."""


@dataclass
class Item:
    provider: str  # pexels | pixabay
    media_id: str
    kind: str  # video | image
    width: int
    height: int
    url: str  # the rendition to download
    thumb: str
    page: str
    author: str
    duration_s: float | None = None
    rank: int = 0  # the provider's relevance order

    @property
    def ref(self) -> str:
        return f"{self.provider}:{self.kind}:{self.media_id}"

    @property
    def sharp(self) -> bool:
        return min(self.width, self.height) >= FULL_HD

    def attribution(self) -> dict:
        name, licence, _ = LICENCES[self.provider]
        return {"provider": name, "url": self.page, "author": self.author, "licence": licence}

    def to_json(self) -> dict:
        return asdict(self)


def providers(config: dict) -> list[str]:
    """The stock libraries with a key configured, Pexels first."""
    keys = {"pexels": "PEXELS_API_KEY", "pixabay": "PIXABAY_API_KEY"}
    return [name for name, key in keys.items() if config.get(key)]


def search(config: dict, provider: str, query: str, kind: str, orientation: str | None) -> list:
    """Items for `query` from one provider; `orientation` is portrait|landscape|square or
    None for any. Raises StockError."""
    if provider == "pexels":
        return _pexels(config, query, kind, orientation)
    return _pixabay(config, query, kind, orientation)


def _get(url: str, params: dict, headers: dict | None = None) -> dict:
    try:
        response = httpx.get(url, params=params, headers=headers, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        raise StockError(f"{exc.__class__.__name__}: {exc}") from exc
    if response.status_code != 200:
        raise StockError(f"HTTP {response.status_code}: {response.text[:200]}")
    try:
        data = response.json()
    except ValueError as exc:
        raise StockError("the answer is not JSON") from exc
    if not isinstance(data, dict):
        raise StockError("the answer is not a JSON object")
    return data


# -- Pexels ------------------------------------------------------------------------------


def _pexels(config: dict, query: str, kind: str, orientation: str | None) -> list[Item]:
    base = config["PEXELS_BASE_URL"].rstrip("/")
    params = {"query": query, "per_page": PER_PAGE}
    if orientation:
        params["orientation"] = orientation
    headers = {"Authorization": config["PEXELS_API_KEY"]}
    if kind == "video":
        data = _get(f"{base}/videos/search", params | {"size": "medium"}, headers)
        return _parsed(data.get("videos"), _pexels_video)
    data = _get(f"{base}/v1/search", params, headers)
    return _parsed(data.get("photos"), _pexels_photo)


def _parsed(entries, parse) -> list[Item]:
    """Items of a result list; entries of the wrong shape are skipped, a list of the
    wrong shape is a StockError."""
    if not isinstance(entries, list):
        raise StockError("the answer has no result list")
    items = []
    for rank, entry in enumerate(entries):
        try:
            item = parse(entry)
        except (KeyError, TypeError, ValueError):
            continue
        if item is not None:
            item.rank = rank
            items.append(item)
    return items


def _pexels_video(video: dict) -> Item | None:
    files = [
        (int(f["width"]), int(f["height"]), f["link"])
        for f in video["video_files"]
        if f.get("file_type") == "video/mp4" and f.get("width") and f.get("link")
    ]
    if not files:
        return None
    width, height, link = _rendition(files)
    return Item(
        "pexels",
        str(video["id"]),
        "video",
        width,
        height,
        link,
        video.get("image") or "",
        video["url"],
        (video.get("user") or {}).get("name") or "Pexels",
        float(video["duration"]),
    )


def _pexels_photo(photo: dict) -> Item:
    src = photo["src"]
    return Item(
        "pexels",
        str(photo["id"]),
        "image",
        int(photo["width"]),
        int(photo["height"]),
        src["original"],
        src.get("medium") or src.get("small") or src["original"],
        photo["url"],
        photo.get("photographer") or "Pexels",
    )


def _rendition(files: list[tuple[int, int, str]]) -> tuple[int, int, str]:
    """The smallest file whose short side reaches FULL_HD, else the largest."""
    sharp = [f for f in files if min(f[0], f[1]) >= FULL_HD]
    if sharp:
        return min(sharp, key=lambda f: f[0] * f[1])
    return max(files, key=lambda f: f[0] * f[1])


# -- Pixabay -----------------------------------------------------------------------------

_PIXABAY_ORIENTATION = {"portrait": "vertical", "landscape": "horizontal"}


def _pixabay(config: dict, query: str, kind: str, orientation: str | None) -> list[Item]:
    base = config["PIXABAY_BASE_URL"].rstrip("/")
    params = {
        "key": config["PIXABAY_API_KEY"],
        "q": query[:100],
        "per_page": PER_PAGE,
        "safesearch": "true",
    }
    if kind == "video":
        data = _get(f"{base}/videos/", params | {"video_type": "film"})
        return _parsed(data.get("hits"), _pixabay_video)
    params |= {"image_type": "photo"}
    if orientation in _PIXABAY_ORIENTATION:
        params["orientation"] = _PIXABAY_ORIENTATION[orientation]
    data = _get(f"{base}/", params)
    return _parsed(data.get("hits"), _pixabay_photo)


def _pixabay_video(hit: dict) -> Item | None:
    sizes = [v for v in hit["videos"].values() if isinstance(v, dict) and v.get("url")]
    files = [(int(v["width"]), int(v["height"]), v["url"]) for v in sizes if v.get("width")]
    if not files:
        return None
    width, height, link = _rendition(files)
    thumb = next((v.get("thumbnail") for v in sizes if v["url"] == link), "") or ""
    return Item(
        "pixabay",
        str(hit["id"]),
        "video",
        width,
        height,
        link,
        thumb,
        hit["pageURL"],
        hit.get("user") or "Pixabay",
        float(hit["duration"]),
    )


def _pixabay_photo(hit: dict) -> Item:
    """The Full HD rendition with full API access, else the large one (1280 px long side)."""
    width, height = int(hit["imageWidth"]), int(hit["imageHeight"])
    url, side = (hit["fullHDURL"], 1920) if hit.get("fullHDURL") else (hit["largeImageURL"], 1280)
    scale = min(1.0, side / max(width, height))
    return Item(
        "pixabay",
        str(hit["id"]),
        "image",
        round(width * scale),
        round(height * scale),
        url,
        hit.get("webformatURL") or hit.get("previewURL") or url,
        hit["pageURL"],
        hit.get("user") or "Pixabay",
    )
