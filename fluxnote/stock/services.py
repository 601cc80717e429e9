"""Stock footage for a scene: find the best items, download one once, keep it as an asset.

`find` asks every configured library (videos in the frame's orientation first, then any
orientation, then photos) until it has the pick and three alternates, ranked sharp
(short side >= 1080 px) first, then the frame's orientation, video before photo, then
the library's relevance with a penalty for clips shorter than the scene. `download`
is the slow part (no transaction); `record` turns the file into an asset, one per
item and workspace, with its attribution and licence. Stock costs no credit.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from PIL import Image
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from fluxnote import netguard
from fluxnote.assets.models import Asset
from fluxnote.assets.services import add_asset
from fluxnote.extensions import db, savepoint
from fluxnote.stock.search import Item, StockError, providers, search
from fluxnote.storage import services as storage
from fluxnote.uploads.services import Probe, UploadError, probe_file

WANT = 4  # the pick and three alternates
MAX_TERMS = 2
MB = 1 << 20
MAX_BYTES = {"video": 300 * MB, "image": 40 * MB}
DOWNLOAD_S = 180.0
MAX_IMAGE_SIDE = 3840
ORIENTATION = {"9:16": "portrait", "16:9": "landscape", "1:1": "square"}


def configured() -> bool:
    """True when a Pexels or Pixabay key is set."""
    return bool(providers(current_app.config["STOCK"]))


def find(terms: list[str], aspect: str, seconds: float) -> list[Item]:
    """Up to WANT items for a scene, best first; [] when nothing matches. Raises
    StockError only when every search failed (so a broken key or network says so)."""
    config, orientation = current_app.config["STOCK"], ORIENTATION.get(aspect, "portrait")
    found: dict[str, Item] = {}
    errors: list[str] = []
    for term in [t for t in terms if t.strip()][:MAX_TERMS]:
        for kind, orient in (("video", orientation), ("video", None), ("image", orientation)):
            for provider in providers(config):
                try:
                    for item in search(config, provider, term, kind, orient):
                        found.setdefault(item.ref, item)
                except StockError as exc:
                    errors.append(f"{provider}: {exc}")
            if len(_good(found.values(), orientation)) >= WANT:
                return rank(found.values(), orientation, seconds)[:WANT]
    if not found and errors:
        raise StockError("; ".join(errors)[:300])
    return rank(found.values(), orientation, seconds)[:WANT]


def _good(items, orientation: str) -> list[Item]:
    return [i for i in items if i.sharp and shape(i) == orientation]


def shape(item: Item) -> str:
    if item.height > item.width * 1.1:
        return "portrait"
    return "landscape" if item.width > item.height * 1.1 else "square"


def rank(items, orientation: str, seconds: float) -> list[Item]:
    """Best first: sharp, the frame's orientation, video, relevance (long enough)."""

    def key(item: Item) -> tuple:
        long_enough = item.kind == "image" or (item.duration_s or 0) >= seconds
        return (
            not item.sharp,
            shape(item) != orientation,
            item.kind != "video",
            item.rank + (0 if long_enough else 3),
        )

    return sorted(items, key=key)


THUMB_BYTES = 2 * MB
THUMB_S = 15.0


def store_thumbnail(item: Item) -> str | None:
    """Keep the item's thumbnail (the studio shows alternates from our own storage, so a
    creator's browser never calls the library); None when it cannot be fetched."""
    try:
        page = netguard.get(
            item.thumb,
            allow_private=current_app.config["ALLOW_PRIVATE_URLS"],
            max_bytes=THUMB_BYTES,
            timeout_s=THUMB_S,
        )
    except (netguard.UnsafeUrl, netguard.FetchError):
        return None
    suffix = {"image/png": ".png", "image/webp": ".webp"}.get(page.content_type, ".jpg")
    if not page.content_type.startswith("image/"):
        return None
    return storage.put_bytes(page.body, suffix)


def cached(workspace_id: int, item: Item) -> Asset | None:
    """The workspace's asset for this stock item, if it was downloaded before."""
    return db.session.scalar(
        select(Asset).where(Asset.workspace_id == workspace_id, Asset.stock_ref == item.ref)
    )


def download(item: Item) -> tuple[str, Probe]:
    """Fetch the item's file into storage (no transaction held); returns (key, probe).

    Refuses private addresses unless ALLOW_PRIVATE_URLS. Raises StockError for a
    refused URL, a failed or oversized download, or a file that is not the media the
    library said it was.
    """
    with storage.scratch_dir() as work:
        path = work / "stock"
        try:
            netguard.download(
                item.url,
                path,
                allow_private=current_app.config["ALLOW_PRIVATE_URLS"],
                max_bytes=MAX_BYTES[item.kind],
                timeout_s=DOWNLOAD_S,
            )
            probe = probe_file(path)
        except (netguard.UnsafeUrl, netguard.FetchError) as exc:
            raise StockError(f"download from {item.provider}: {exc}") from exc
        except UploadError as exc:
            raise StockError(f"{item.provider} sent a file we cannot use: {exc.message}") from exc
        if probe.kind != item.kind:
            raise StockError(f"{item.provider} sent {probe.kind} for a {item.kind}")
        if probe.kind == "image":
            probe = _fit_image(path, probe)
        return storage.put_file(path, probe.suffix, move=True), probe


def _fit_image(path: Path, probe: Probe) -> Probe:
    """Scale a huge original photo down to MAX_IMAGE_SIDE (a 6000 px JPEG only slows
    every render down)."""
    if max(probe.width, probe.height) <= MAX_IMAGE_SIDE:
        return probe
    with Image.open(path) as image:
        image = image.convert("RGB")
        image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE), Image.LANCZOS)
        image.save(path, "JPEG", quality=90)
        return Probe("image", ".jpg", image.width, image.height)


def record(workspace_id: int, user_id: int | None, item: Item, key: str, probe: Probe) -> Asset:
    """The asset for a downloaded item (flush, no commit). When a concurrent job stored
    the same item first, its asset is returned and this file is deleted."""
    try:
        with savepoint():
            asset = add_asset(
                workspace_id,
                item.kind,
                "stock",
                key,
                width=probe.width,
                height=probe.height,
                duration_s=probe.duration_s,
                engine=f"{item.attribution()['provider']} stock {item.kind}",
                title=f"{item.kind.title()} by {item.author}"[:200],
                created_by_id=user_id,
            )
            asset.stock_ref, asset.attribution = item.ref, item.attribution()
            db.session.flush()
    except IntegrityError:
        storage.discard(key)
        return cached(workspace_id, item)
    return asset
