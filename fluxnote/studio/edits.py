"""Project edits — all free. `apply_patch` is the one entry point for the API's PATCH and
the studio's htmx forms: it validates the whole body first (StudioError names the field,
nothing changes), records one undo step, applies it, commits, and only then re-voices
what needs it (a voice swap: every scene; a text edit: that scene) and redraws offline
pictures for a new aspect, with no transaction open.

Body keys: title, voice, caption_style, caption_overrides, aspect, music {track, volume,
ducking}, scenes [{id, text?, trim_start?, trim_end?, duration_s? (null = narration),
asset_id?, narration_asset_id? (an uploaded narration, aligned offline), words? [{index,
text}]}], scene_order [ids: the new order; scenes left out are
deleted], split {scene_id, word}.
"""
from fluxnote.assets.services import get_asset
from fluxnote.captions.styles import STYLES, resolve_style
from fluxnote.extensions import db
from fluxnote.studio.build import redraw_for_aspect, revoice_scene, use_narration
from fluxnote.studio.models import ASPECTS, Project, Scene
from fluxnote.studio.services import StudioError, record, scene_of

SCENE_KEYS = {"id", "text", "trim_start", "trim_end", "duration_s", "asset_id", "narration_asset_id", "words"}
TOP_KEYS = {"title", "voice", "caption_style", "caption_overrides", "aspect", "music", "scenes",
            "scene_order", "split"}
TITLE_MAX, TEXT_MAX, MAX_SCENE_S = 200, 1000, 60.0


def apply_patch(project: Project, body: object, label: str = "Edit") -> Project:
    """Validate and apply `body`; returns the project after the edit (re-voiced if needed)."""
    if not isinstance(body, dict) or not body:
        raise StudioError("body", "Send a JSON object with the fields to change.")
    if unknown := set(body) - TOP_KEYS:
        raise StudioError(sorted(unknown)[0], "Unknown field.")
    checks = [_check_settings(project, body), *(_check_scene(project, s) for s in _scene_updates(body))]
    order = _check_order(project, body.get("scene_order"))
    split = _check_split(project, body.get("split"))
    record(project, label)
    for apply in checks:
        apply()
    revoice = {s["id"] for s in _scene_updates(body) if "text" in s}
    if order is not None:
        _reorder(project, order)
    if split:
        _split(project, *split)
    db.session.commit()
    if "voice" in body:
        revoice = {s.id for s in project.scenes}
    for scene_id in sorted(revoice):
        revoice_scene(scene_id)
    for update in _scene_updates(body):
        if "narration_asset_id" in update:
            use_narration(update["id"], update["narration_asset_id"])
    if "aspect" in body:
        redraw_for_aspect(project.id)
    return db.session.get(Project, project.id)


def _scene_updates(body: dict) -> list[dict]:
    scenes = body.get("scenes", [])
    if not isinstance(scenes, list) or not all(isinstance(s, dict) for s in scenes):
        raise StudioError("scenes", "A list of scene objects.")
    return scenes


def _check_settings(project: Project, body: dict):
    """Validate the project-level fields; returns a function that applies them."""
    changes: dict = {}
    if "title" in body:
        changes["title"] = _text(body["title"], "title", TITLE_MAX)
    if "voice" in body:
        from fluxnote.studio.choices import voice_ids
        changes["voice"] = _choice(body["voice"], voice_ids(), "voice")
    style = _choice(body.get("caption_style", project.caption_style), STYLES, "caption_style")
    overrides = body.get("caption_overrides", project.caption_overrides or {})
    if not isinstance(overrides, dict):
        raise StudioError("caption_overrides", "An object of style settings.")
    try:
        resolve_style(style, overrides)
    except ValueError as exc:
        raise StudioError("caption_overrides", str(exc)) from exc
    changes.update(caption_style=style, caption_overrides=dict(overrides))
    if "aspect" in body:
        changes["aspect"] = _choice(body["aspect"], ASPECTS, "aspect")
    if "music" in body:
        changes.update(_check_music(body["music"], project.workspace_id))
    return lambda: [setattr(project, k, v) for k, v in changes.items()]


def _check_music(music: object, workspace_id: int) -> dict:
    from fluxnote.studio.choices import music_tracks
    if not isinstance(music, dict):
        raise StudioError("music", "An object with track, volume, ducking.")
    changes = {}
    if "track" in music:
        changes["music_track"] = None if music["track"] is None else \
            _choice(music["track"], {t["id"] for t in music_tracks(workspace_id)}, "music.track")
    if "volume" in music:
        changes["music_volume"] = _number(music["volume"], "music.volume", 0.0, 1.0)
    if "ducking" in music:
        if not isinstance(music["ducking"], bool):
            raise StudioError("music.ducking", "true or false.")
        changes["music_ducking"] = music["ducking"]
    return changes


def _check_scene(project: Project, update: dict):
    """Validate one scene update; returns a function that applies it."""
    if unknown := set(update) - SCENE_KEYS:
        raise StudioError(f"scenes.{sorted(unknown)[0]}", "Unknown field.")
    if type(update.get("id")) is not int:
        raise StudioError("scenes.id", "Each scene update needs the scene's id.")
    scene = scene_of(project, update["id"])
    changes: dict = {}
    if "text" in update:
        changes["text"] = _text(update["text"], "scenes.text", TEXT_MAX)
    start = _number(update.get("trim_start", scene.trim_start), "scenes.trim_start", 0.0, MAX_SCENE_S)
    end = _number(update.get("trim_end", scene.trim_end), "scenes.trim_end", 0.0, MAX_SCENE_S)
    if "text" not in update and scene.audio_key and start + end > scene.audio_duration_s - 0.3:
        raise StudioError("scenes.trim_start", "Trims would leave less than 0.3 s of narration.")
    changes.update(trim_start=start, trim_end=end)
    if "duration_s" in update:
        changes["duration_s"] = None if update["duration_s"] is None else \
            _number(update["duration_s"], "scenes.duration_s", 0.5, MAX_SCENE_S)
    if "asset_id" in update:
        asset = get_asset(project.workspace_id, update["asset_id"]) if isinstance(update["asset_id"], int) else None
        if asset is None or asset.kind not in ("image", "video"):
            raise StudioError("scenes.asset_id", "An image or video asset of this workspace.")
        changes.update(asset_id=asset.id, generation_id=None)
    if "narration_asset_id" in update:
        asset = get_asset(project.workspace_id, update["narration_asset_id"]) \
            if type(update["narration_asset_id"]) is int else None
        if asset is None or asset.kind != "audio" or "text" in update:
            raise StudioError("scenes.narration_asset_id", "An audio asset of this workspace (and no text change).")
    if "words" in update:
        changes["words"] = _fixed_words(scene, update["words"])
    return lambda: [setattr(scene, k, v) for k, v in changes.items()]


def _fixed_words(scene: Scene, fixes: object) -> list[dict]:
    """The scene's words with some texts replaced; every timing stays as it was."""
    words = [dict(w) for w in scene.words or []]
    if not isinstance(fixes, list):
        raise StudioError("scenes.words", "A list of {index, text}.")
    for fix in fixes:
        index = fix.get("index") if isinstance(fix, dict) else None
        if not isinstance(index, int) or not 0 <= index < len(words):
            raise StudioError("scenes.words", "Each fix needs the index of an existing word.")
        words[index]["text"] = _text(fix.get("text"), "scenes.words", 40)
        if " " in words[index]["text"]:
            raise StudioError("scenes.words", "One word per caption word (no spaces).")
    return words


def _check_order(project: Project, order: object) -> list[int] | None:
    if order is None:
        return None
    ids = {s.id for s in project.scenes}
    if not isinstance(order, list) or not order or not all(type(i) is int for i in order) \
            or len(set(order)) != len(order) or not set(order) <= ids:
        raise StudioError("scene_order", "A non-empty list of this project's scene ids, each once.")
    return order


def _reorder(project: Project, order: list[int]) -> None:
    by_id = {s.id: s for s in project.scenes}
    for scene_id in set(by_id) - set(order):
        project.scenes.remove(by_id[scene_id])
    for position, scene_id in enumerate(order):
        by_id[scene_id].position = position
    project.scenes.sort(key=lambda s: s.position)


def _check_split(project: Project, split: object) -> tuple[Scene, int] | None:
    if split is None:
        return None
    if not isinstance(split, dict) or not isinstance(split.get("scene_id"), int):
        raise StudioError("split", "{scene_id, word}: split before that word.")
    scene = scene_of(project, split["scene_id"])
    word = split.get("word")
    if not isinstance(word, int) or word not in [i for i, _ in scene.indexed_words()[1:]]:
        raise StudioError("split", "Split before a word that is not the scene's first.")
    return scene, word


def _split(project: Project, scene: Scene, word: int) -> None:
    """Cut a scene before word `word`: both halves share the narration file and visual,
    each playing its part through trims, so nothing is re-synthesised."""
    words = scene.words
    cut = round((words[word - 1]["end"] + words[word]["start"]) / 2, 3)
    second = Scene(project_id=project.id, position=scene.position + 1, asset_id=scene.asset_id,
                   visual_prompt=scene.visual_prompt, audio_key=scene.audio_key,
                   audio_duration_s=scene.audio_duration_s, words=[dict(w) for w in words],
                   trim_start=cut, trim_end=scene.trim_end,
                   text=" ".join(w["text"] for _, w in scene.indexed_words() if w["start"] >= cut))
    scene.text = " ".join(w["text"] for _, w in scene.indexed_words() if w["start"] < cut)
    scene.trim_end, scene.duration_s = round(scene.audio_duration_s - cut, 3), None
    for other in project.scenes:
        if other.position > scene.position:
            other.position += 1
    project.scenes.append(second)
    project.scenes.sort(key=lambda s: s.position)


def _choice(value: object, options, field: str) -> str:
    if not isinstance(value, str) or value not in options:
        raise StudioError(field, f"Unknown {field.split('.')[-1].replace('_', ' ')}.")
    return value


def _text(value: object, field: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise StudioError(field, "Must be non-empty text.")
    if len(value) > limit:
        raise StudioError(field, f"At most {limit} characters.")
    return " ".join(value.split())


def _number(value: object, field: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise StudioError(field, f"A number from {low:g} to {high:g}.")
    return round(float(value), 3)
