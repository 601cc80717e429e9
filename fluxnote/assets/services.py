"""Creating and finding assets; every lookup is scoped to a workspace."""

from pathlib import Path

from sqlalchemy import select

from fluxnote.assets.models import CONTENT_TYPES, Asset
from fluxnote.extensions import db
from fluxnote.storage import services as storage


def add_asset(
    workspace_id: int,
    kind: str,
    source: str,
    storage_key: str,
    *,
    width: int | None = None,
    height: int | None = None,
    duration_s: float | None = None,
    engine: str | None = None,
    model_id: str | None = None,
    title: str | None = None,
    created_by_id: int | None = None,
) -> Asset:
    """Record a stored file as an asset (no commit: the caller owns the transaction)."""
    asset = Asset(
        workspace_id=workspace_id,
        kind=kind,
        source=source,
        storage_key=storage_key,
        content_type=CONTENT_TYPES.get(Path(storage_key).suffix, "application/octet-stream"),
        width=width,
        height=height,
        duration_s=duration_s,
        engine=engine,
        model_id=model_id,
        title=title,
        created_by_id=created_by_id,
        size_bytes=_size(storage_key),
    )
    db.session.add(asset)
    db.session.flush()
    return asset


def get_asset(workspace_id: int, asset_id: int) -> Asset | None:
    """The asset if it belongs to the workspace, else None (callers answer 404)."""
    asset = db.session.get(Asset, asset_id)
    return asset if asset and asset.workspace_id == workspace_id else None


def _size(key: str) -> int:
    try:
        return storage.size(key)
    except storage.MissingObject:
        return 0


def stored_keys(keys: list[str]) -> set[str]:
    """The storage keys among `keys` that an asset records (the orphan collector's owner)."""
    return set(db.session.scalars(select(Asset.storage_key).where(Asset.storage_key.in_(keys))))


def local_path(asset: Asset) -> Path:
    """A local copy of the asset's file to read now (MissingObject, StorageUnavailable)."""
    return storage.fetch(asset.storage_key)
