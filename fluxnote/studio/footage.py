"""Stock footage for a project's scenes, and swapping in one of a scene's alternates.

`scene.stock` keeps the search terms, the ranked options (the pick and three
alternates), which one is shown, one being fetched (`pending`) and, when there is no
footage, a `note` saying why (the offline picture stands in). Each step holds no
transaction while it searches or downloads.
"""

import logging

from fluxnote.extensions import db
from fluxnote.stock import services as stock
from fluxnote.stock.search import Item, StockError
from fluxnote.studio.models import Project, Scene
from fluxnote.studio.summary import search_terms

log = logging.getLogger(__name__)


def use_stock(scene_id: int, choice: int | None = None) -> None:
    """Give the scene its stock option `choice` (default: the one chosen, else the best),
    searching first if the scene has no options yet. A failed search or download is
    written to the scene's note; the scene keeps the visual it had."""
    scene = db.session.get(Scene, scene_id)
    state, project = dict(scene.stock or {}), scene.project
    terms = state.get("terms") or search_terms(scene.text, project.topic or project.title)
    aspect, seconds = project.aspect, scene.duration
    ws, user = project.workspace_id, project.created_by_id
    db.session.commit()
    state["terms"] = terms
    try:
        if not state.get("options"):
            state["options"] = [
                item.to_json() | {"thumb_key": stock.store_thumbnail(item)}
                for item in stock.find(terms, aspect, seconds)
            ]
    except StockError as exc:
        log.warning("stock search for scene %s failed: %s", scene_id, exc)
        return _save(scene_id, state | {"note": f"Stock search failed: {exc}"[:300]})
    if not state["options"]:
        return _save(scene_id, state | {"note": f"No stock footage for “{terms[0]}”."})
    first = state.get("chosen", 0)
    order = [choice] if choice is not None else _from(first, len(state["options"]))
    for index in order:
        try:
            asset_id = _fetch(ws, user, _item(state["options"][index]))
        except StockError as exc:
            log.warning("stock footage for scene %s failed: %s", scene_id, exc)
            note = f"Stock footage failed: {exc}"[:300]
            continue
        return _save(scene_id, state | {"chosen": index, "note": None}, asset_id)
    _save(scene_id, state | {"note": note})


def _from(first: int, count: int) -> list[int]:
    """Option indexes starting at `first`: when one download fails the next is tried."""
    return [(first + i) % count for i in range(count)]


def _item(option: dict) -> Item:
    return Item(**{k: v for k, v in option.items() if k != "thumb_key"})


def _fetch(workspace_id: int, user_id: int | None, item: Item) -> int:
    """The asset id for the item: the cached one, else downloaded now."""
    asset = stock.cached(workspace_id, item)
    if asset is not None:
        asset_id = asset.id
        db.session.commit()
        return asset_id
    key, probe = stock.download(item)
    asset = stock.record(workspace_id, user_id, item, key, probe)
    db.session.commit()
    return asset.id


def _save(scene_id: int, state: dict, asset_id: int | None = None) -> None:
    scene = db.session.get(Scene, scene_id)
    if scene is None:
        db.session.commit()
        return
    scene.stock = state | {"pending": None}
    if asset_id is not None:
        scene.asset_id = asset_id
    db.session.commit()


def request_swap(project: Project, scene: Scene, choice: int) -> bool:
    """Show alternate `choice` on the scene (no commit: the request owns it). Returns
    True when it was swapped at once (downloaded before); False when a job must fetch it
    (the caller enqueues `jobs.swap_stock` for after the commit). StudioError for a
    choice the scene lacks."""
    from fluxnote.studio.services import StudioError

    options = (scene.stock or {}).get("options") or []
    if not 0 <= choice < len(options):
        raise StudioError("choice", "This scene has no such stock alternate.")
    asset = stock.cached(project.workspace_id, _item(options[choice]))
    if asset is not None:
        scene.asset_id = asset.id
        scene.stock = dict(scene.stock, chosen=choice, pending=None, note=None)
    else:
        scene.stock = dict(scene.stock, pending=choice)
    db.session.flush()
    return asset is not None
