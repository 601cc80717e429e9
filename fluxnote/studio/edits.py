"""Project edits — all free. `apply_patch` is the one entry point for the API's PATCH and
the studio's htmx forms: it validates the whole body first (StudioError names the field,
nothing changes), makes the narration it needs with no transaction open (a voice swap:
every scene; a text edit: that scene; an uploaded narration: its alignment), then records
one undo step and applies the edit with its narration in one transaction; offline
pictures for a new aspect are redrawn after the commit.

Body keys: title, voice, caption_style, caption_overrides, aspect, music {track, volume,
ducking}, scenes [{id, text?, trim_start?, trim_end?, duration_s? (null = narration),
asset_id?, narration_asset_id? (an uploaded narration, aligned offline), words? [{index,
text}]}], scene_order [ids: the new order; scenes left out are
deleted], split {scene_id, word}.
"""

from collections.abc import Callable

from fluxnote.api.openapi import BodyError, check_body
from fluxnote.assets.services import get_asset
from fluxnote.captions.styles import STYLES, resolve_style
from fluxnote.extensions import db
from fluxnote.media.frames import ASPECTS
from fluxnote.studio import media
from fluxnote.studio.build import redraw_for_aspect
from fluxnote.studio.models import Project, Scene
from fluxnote.studio.services import StudioError, record, scene_of
from fluxnote.voice.catalog import get_voice
from fluxnote.voice.errors import VoiceError
from fluxnote.voice.normalize import tokenize

TITLE_MAX, TEXT_MAX, MAX_SCENE_S = 200, 1000, 60.0
_STR = {"type": "string"}
_ID = {"type": "integer"}
# The body of PATCH /api/v1/projects/{id}, as the OpenAPI document publishes it.
SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "description": __doc__,
    "properties": {
        "title": {"type": "string", "maxLength": TITLE_MAX},
        "voice": _STR,
        "caption_style": _STR,
        "caption_overrides": {"type": "object"},
        "aspect": {"enum": list(ASPECTS)},
        "music": {
            "type": "object",
            "properties": {
                "track": {"type": ["string", "null"]},
                "volume": {"type": "number"},
                "ducking": {"type": "boolean"},
            },
        },
        "scenes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id"],
                "additionalProperties": False,
                "properties": {
                    "id": _ID,
                    "text": {"type": "string", "maxLength": TEXT_MAX},
                    "trim_start": {"type": "number"},
                    "trim_end": {"type": "number"},
                    "duration_s": {"type": ["number", "null"]},
                    "asset_id": _ID,
                    "narration_asset_id": _ID,
                    "words": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["index", "text"],
                            "properties": {"index": _ID, "text": _STR},
                        },
                    },
                },
            },
        },
        "scene_order": {"type": "array", "items": _ID},
        "split": {
            "type": "object",
            "required": ["scene_id", "word"],
            "properties": {"scene_id": _ID, "word": _ID},
        },
    },
}


def apply_patch(project: Project, body: object, label: str = "Edit") -> Project:
    """Validate and apply `body`; returns the project after the edit (re-voiced if needed).

    The body's shape is checked against SCHEMA, then its meaning; StudioError names the
    first bad field and nothing changes. The narration the edit needs is made first, with
    no transaction open; the edit and its narration are then written in one transaction,
    after the body is checked again against the project as it stands by then. A voice
    that fails is a StudioError (409 "voice_failed") and changes nothing."""
    try:
        body = check_body(SCHEMA, body)
    except BodyError as exc:
        raise StudioError(exc.field, exc.message) from None
    if not body:
        raise StudioError("body", "Send a JSON object with the fields to change.")
    project_id = project.id
    _checked(project, body)  # bad input is refused before any slow work
    narrations = _narrate_ahead(project, body)
    project = db.session.get(Project, project_id)
    if project is None:
        raise StudioError("project", "This project was deleted meanwhile.", 404, "not_found")
    try:
        apply = _checked(project, body)
        record(project, label)
        apply()
        _use_narrations(project, narrations)
    except StudioError:
        db.session.rollback()  # the caller shows the project as it is, not half-edited
        raise
    db.session.commit()
    if "aspect" in body:
        redraw_for_aspect(project.id)
    return db.session.get(Project, project.id)


def _checked(project: Project, body: dict) -> Callable[[], None]:
    """Validate the whole body against the project; returns a function that applies it."""
    checks = [
        _check_settings(project, body),
        *(_check_scene(project, s) for s in body.get("scenes", [])),
    ]
    order = _check_order(project, body.get("scene_order"))
    split = _check_split(project, body.get("split"))
    if split and ("voice" in body or any("text" in s for s in body.get("scenes", []))):
        raise StudioError("split", "Split a scene in an edit of its own (not with new words).")

    def apply() -> None:
        for change in checks:
            change()
        if order is not None:
            _reorder(project, order)
        if split:
            _split(project, *split)

    return apply


# scene id -> (the scene text it speaks, the voice or None for an upload, (key, seconds, words))
Narrations = dict[int, tuple[str, str | None, tuple[str, float, list[dict]]]]


def _narrate_ahead(project: Project, body: dict) -> Narrations:
    """Make the narration the edit needs (a voice swap: every scene; a text edit: that
    scene; an uploaded narration: its alignment), ending the request's transaction first
    so that no lock is held while a voice speaks."""
    voice = body.get("voice", project.voice)
    updates = {u["id"]: u for u in body.get("scenes", [])}
    kept = set(body.get("scene_order") or (s.id for s in project.scenes))
    todo: list[tuple[int, str, str | None, tuple[str, float] | None]] = []
    for scene in project.scenes:
        if scene.id not in kept:
            continue  # this edit deletes it: nothing to say
        update = updates.get(scene.id, {})
        if "narration_asset_id" in update:
            asset = get_asset(project.workspace_id, update["narration_asset_id"])
            todo.append((scene.id, scene.text, None, (asset.storage_key, asset.duration_s)))
        elif "text" in update or "voice" in body:
            text = (
                _text(update["text"], "scenes.text", TEXT_MAX) if "text" in update else scene.text
            )
            todo.append((scene.id, text, voice, None))
    db.session.commit()  # nothing of the edit is written yet (a studio upload's asset is)
    made: Narrations = {}
    for scene_id, text, voice_id, upload in todo:
        if upload:
            try:
                made[scene_id] = (text, None, media.align_upload(*upload, text))
            except (VoiceError, ValueError) as exc:
                raise StudioError(
                    "scenes.narration_asset_id", "This recording cannot be decoded."
                ) from exc
            continue
        try:
            made[scene_id] = (text, voice_id, media.narrate(text, voice_id))
        except VoiceError as exc:
            raise StudioError(
                "voice" if "voice" in body else "scenes.text",
                f"The voice failed and nothing was changed: {exc}",
                409,
                "voice_failed",
            ) from exc
    return made


def _use_narrations(project: Project, narrations: Narrations) -> None:
    by_id = {s.id: s for s in project.scenes}
    for scene_id, (text, voice, (key, duration, words)) in narrations.items():
        scene = by_id.get(scene_id)
        if scene is None:
            continue  # deleted meanwhile: nothing to narrate
        if scene.text != text or (voice is not None and project.voice != voice):
            raise StudioError(
                "scenes",
                "The project changed while this edit was voiced: try again.",
                409,
                "edit_conflict",
            )
        scene.audio_key, scene.audio_duration_s, scene.words = key, duration, words
        scene.trim_start = scene.trim_end = 0.0


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
        changes["music_track"] = (
            None
            if music["track"] is None
            else _choice(
                music["track"], {t["id"] for t in music_tracks(workspace_id)}, "music.track"
            )
        )
    if "volume" in music:
        changes["music_volume"] = _number(music["volume"], "music.volume", 0.0, 1.0)
    if "ducking" in music:
        if not isinstance(music["ducking"], bool):
            raise StudioError("music.ducking", "true or false.")
        changes["music_ducking"] = music["ducking"]
    return changes


def _check_scene(project: Project, update: dict):
    """Validate one scene update; returns a function that applies it."""
    scene = scene_of(project, update["id"])
    changes: dict = {}
    if "text" in update:
        changes["text"] = _speakable(_text(update["text"], "scenes.text", TEXT_MAX), project)
    start = _number(
        update.get("trim_start", scene.trim_start), "scenes.trim_start", 0.0, MAX_SCENE_S
    )
    end = _number(update.get("trim_end", scene.trim_end), "scenes.trim_end", 0.0, MAX_SCENE_S)
    if "text" not in update and scene.audio_key and start + end > scene.audio_duration_s - 0.3:
        raise StudioError("scenes.trim_start", "Trims would leave less than 0.3 s of narration.")
    changes.update(trim_start=start, trim_end=end)
    if "duration_s" in update:
        changes["duration_s"] = (
            None
            if update["duration_s"] is None
            else _number(update["duration_s"], "scenes.duration_s", 0.5, MAX_SCENE_S)
        )
    if "asset_id" in update:
        asset = (
            get_asset(project.workspace_id, update["asset_id"])
            if isinstance(update["asset_id"], int)
            else None
        )
        if asset is None or asset.kind not in ("image", "video"):
            raise StudioError("scenes.asset_id", "An image or video asset of this workspace.")
        changes.update(asset_id=asset.id, generation_id=None)
    if "narration_asset_id" in update:
        asset = (
            get_asset(project.workspace_id, update["narration_asset_id"])
            if type(update["narration_asset_id"]) is int
            else None
        )
        if asset is None or asset.kind != "audio" or "text" in update:
            raise StudioError(
                "scenes.narration_asset_id",
                "An audio asset of this workspace (and no text change).",
            )
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
    if (
        not isinstance(order, list)
        or not order
        or not all(type(i) is int for i in order)
        or len(set(order)) != len(order)
        or not set(order) <= ids
    ):
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
    second = Scene(
        project_id=project.id,
        position=scene.position + 1,
        asset_id=scene.asset_id,
        visual_prompt=scene.visual_prompt,
        audio_key=scene.audio_key,
        audio_duration_s=scene.audio_duration_s,
        words=[dict(w) for w in words],
        trim_start=cut,
        trim_end=scene.trim_end,
        text=" ".join(w["text"] for _, w in scene.indexed_words() if w["start"] >= cut),
    )
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


def _speakable(text: str, project: Project) -> str:
    """The text, if the project's voice has at least one word in it to say."""
    voice = get_voice(project.voice)
    if not tokenize(text, voice.lang if voice else "en"):
        raise StudioError(
            "scenes.text", "Write at least one word to speak (emoji and punctuation are silent)."
        )
    return text


def _number(value: object, field: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise StudioError(field, f"A number from {low:g} to {high:g}.")
    return round(float(value), 3)
