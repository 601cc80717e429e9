"""Projects: reading, serialising, duplicating, and the undo log. Services own the commit."""

import logging

from sqlalchemy import delete, select

from fluxnote.extensions import db
from fluxnote.sqltypes import MAX_INT
from fluxnote.studio.models import Project, ProjectEdit, Scene

log = logging.getLogger(__name__)

UNDO_DEPTH = 30
_PROJECT_STATE = (
    "title",
    "voice",
    "caption_style",
    "caption_overrides",
    "aspect",
    "layout",
    "music_track",
    "music_volume",
    "music_ducking",
)
_SCENE_STATE = (
    "id",
    "position",
    "text",
    "visual_prompt",
    "asset_id",
    "generation_id",
    "audio_key",
    "audio_duration_s",
    "words",
    "trim_start",
    "trim_end",
    "duration_s",
    "stock",
)


class StudioError(Exception):
    """A refused project edit; `field` names what to fix. Nothing was changed. `status`
    422 for bad input; 404 project gone; 409 with `code` "edit_conflict" (the project
    changed meanwhile) or "voice_failed" (the voice service failed: try again)."""

    def __init__(self, field: str, message: str, status: int = 422, code: str | None = None):
        super().__init__(message)
        self.field, self.message, self.status, self.code = field, message, status, code


def get_project(workspace_id: int, project_id: int) -> Project | None:
    """The project if it belongs to the workspace, else None (callers answer 404). A read:
    it writes nothing (finished generations are swapped in by on_generation_finished)."""
    if not 0 < project_id <= MAX_INT:  # beyond an INTEGER column: no such row
        return None
    project = db.session.get(Project, project_id)
    if project is None or project.workspace_id != workspace_id:
        return None
    return project


def on_generation_finished(workspace_id: int, event: str, data: dict) -> None:
    """Receiver of generation_finished, after the settle job's commit: swap the visual into
    its project's scene (a failed one just leaves the scene's current visual) and commit
    that step. Never raises (a signal receiver); a render syncs again before it reads."""
    if not data.get("project_id"):
        return
    try:
        project = db.session.get(Project, data["project_id"])
        if project is not None and sync_generations(project):
            db.session.commit()
    except Exception:
        log.exception("syncing the visuals of project %s failed", data["project_id"])
        db.session.rollback()


def sync_generations(project: Project) -> bool:
    """Swap in the visuals of this project's generations that have succeeded since the
    last look (the offline placeholder goes). Returns True if a scene changed (no commit)."""
    from fluxnote.generation.models import Generation

    changed = False
    for scene in project.scenes:
        if scene.generation_id is None:
            continue
        gen = db.session.get(Generation, scene.generation_id)
        if gen is None or gen.status in ("failed", "canceled"):
            scene.generation_id, changed = None, True
        elif gen.status == "succeeded" and gen.asset_id:
            scene.asset_id, scene.generation_id, changed = gen.asset_id, None, True
    return changed


def render_readiness(project: Project) -> tuple[str, str | None]:
    """Whether a render of the project can start: ("go", None), ("wait", None) while it
    is building or a scene's generated visual is still on its way, or ("fail", reason)
    when its build failed. Swaps in finished visuals (no commit)."""
    if project.status == "failed":
        return "fail", project.error or "The project could not be built."
    if project.status == "building":
        return "wait", None
    sync_generations(project)
    return ("wait", None) if any(s.generation_id for s in project.scenes) else ("go", None)


def list_projects(workspace_id: int, limit: int = 100) -> list[Project]:
    return list(
        db.session.scalars(
            select(Project)
            .where(Project.workspace_id == workspace_id)
            .order_by(Project.id.desc())
            .limit(limit)
        )
    )


def scene_of(project: Project, scene_id: int) -> Scene:
    """The project's scene `scene_id`; StudioError("scene_id") when it is not there."""
    for scene in project.scenes:
        if scene.id == scene_id:
            return scene
    raise StudioError("scene_id", "No such scene in this project.")


def to_json(project: Project) -> dict:
    """The API's PROJECT object (plus studio extras)."""
    return {
        "id": project.id,
        "title": project.title,
        "template": project.template,
        "voice": project.voice,
        "caption_style": project.caption_style,
        "caption_overrides": project.caption_overrides or {},
        "aspect": project.aspect,
        "status": project.status,
        "progress": round(project.progress, 3),
        "visuals": project.visuals,
        "writer": project.writer,
        "parent_id": project.parent_id,
        "music": {
            "track": project.music_track,
            "volume": project.music_volume,
            "ducking": project.music_ducking,
        },
        "duration_s": project.duration_s,
        "scenes": [_scene_json(s) for s in project.scenes],
        "generations": list(project.generation_ids or []),
        **({"error": project.error} if project.error else {}),
        **({"source_url": project.source_url} if project.source_url else {}),
    }


def _scene_json(scene: Scene) -> dict:
    body = {
        "id": scene.id,
        "text": scene.text,
        "duration_s": scene.duration,
        "trim_start": scene.trim_start,
        "trim_end": scene.trim_end,
        "words": [
            {"text": w["text"], "start": w["start"], "end": w["end"]} for w in scene.words or []
        ],
    }
    if scene.asset_id is not None:
        body["asset_id"] = scene.asset_id
    if scene.stock:
        body["stock"] = _stock_json(scene.stock)
    return body


def _stock_json(state: dict) -> dict:
    """A stock scene's search terms and alternates (what the studio offers to swap in)."""
    keys = ("provider", "kind", "width", "height", "duration_s", "thumb", "page", "author")
    return {
        "terms": state.get("terms") or [],
        "options": [{k: o.get(k) for k in keys} for o in state.get("options") or []],
        "chosen": state.get("chosen", 0),
        "pending": state.get("pending"),
        **({"note": state["note"]} if state.get("note") else {}),
    }


def snapshot(project: Project) -> dict:
    return {
        "project": {k: getattr(project, k) for k in _PROJECT_STATE},
        "scenes": [{k: getattr(s, k) for k in _SCENE_STATE} for s in project.scenes],
    }


def record(project: Project, label: str) -> None:
    """Keep the project's state before an edit as an undo step (no commit)."""
    db.session.add(ProjectEdit(project_id=project.id, label=label[:80], snapshot=snapshot(project)))
    stale = (
        select(ProjectEdit.id)
        .where(ProjectEdit.project_id == project.id)
        .order_by(ProjectEdit.id.desc())
        .offset(UNDO_DEPTH)
    )
    db.session.execute(delete(ProjectEdit).where(ProjectEdit.id.in_(stale.scalar_subquery())))


def last_edit(project_id: int) -> ProjectEdit | None:
    return db.session.scalar(
        select(ProjectEdit)
        .where(ProjectEdit.project_id == project_id)
        .order_by(ProjectEdit.id.desc())
        .limit(1)
    )


def undo(project: Project) -> str | None:
    """Restore the state before the last edit; returns its label, None if nothing to undo."""
    edit = last_edit(project.id)
    if edit is None:
        return None
    restore(project, edit.snapshot)
    db.session.delete(edit)
    db.session.flush()
    return edit.label


def restore(project: Project, state: dict) -> None:
    """Put a snapshot back: project settings, and its scenes with their ids (no commit)."""
    for key, value in state["project"].items():
        setattr(project, key, value)
    project.scenes.clear()
    db.session.flush()
    for row in state["scenes"]:
        project.scenes.append(Scene(project_id=project.id, **row))
    db.session.flush()
    db.session.expire(project, ["scenes"])


def duplicate(project: Project, user_id: int | None) -> Project:
    """A variant: same settings and scenes, sharing every asset and narration file. Free."""
    state = snapshot(project)
    copy = Project(
        workspace_id=project.workspace_id,
        created_by_id=user_id,
        parent_id=project.id,
        template=project.template,
        topic=project.topic,
        source_text=project.source_text,
        writer=project.writer,
        visuals=project.visuals,
        visual_model=project.visual_model,
        status=project.status,
        progress=project.progress,
        narration_key=project.narration_key,
        narration_sig=project.narration_sig,
        **state["project"],
    )
    copy.title = _variant_title(project.title)
    copy.generation_ids = []
    db.session.add(copy)
    db.session.flush()
    for row in state["scenes"]:
        row.pop("id")
        copy.scenes.append(Scene(**row))
    db.session.flush()
    return copy


def _variant_title(title: str) -> str:
    base = title.split(" · variant")[0]
    return f"{base} · variant"[:200]


CROP_TOLERANCE = 0.02  # shapes this close are scaled, not visibly cropped


def crop_note(asset, aspect: str) -> str | None:
    """What the render does to a scene visual whose shape is not the project's ("This 16:9
    visual is centre-cropped to 9:16 in the render."), or None when it fits."""
    if asset is None or not asset.width or not asset.height:
        return None
    want_w, want_h = (int(v) for v in aspect.split(":"))
    have, want = asset.width / asset.height, want_w / want_h
    if abs(have - want) / want <= CROP_TOLERANCE:
        return None
    return (
        f"This {_ratio(asset.width, asset.height)} visual is centre-cropped to {aspect} "
        "in the render."
    )


def _ratio(width: int, height: int) -> str:
    """The common name of a shape (9:16, 16:9, 1:1, 4:3 ...), else WIDTHxHEIGHT."""
    for w, h in ((9, 16), (16, 9), (1, 1), (4, 3), (3, 4), (3, 2), (2, 3), (4, 5), (21, 9)):
        if abs(width / height - w / h) / (w / h) <= CROP_TOLERANCE:
            return f"{w}:{h}"
    return f"{width}x{height}"


def stored_keys(keys: list[str]) -> set[str]:
    """The storage keys among `keys` that a project's voiceover or a scene's narration
    uses, now or in an undo step (the orphan collector's owner; it reads every undo
    step, at most UNDO_DEPTH per project)."""
    wanted = set(keys)
    voiceovers = select(Project.narration_key).where(Project.narration_key.in_(keys))
    narrations = select(Scene.audio_key).where(Scene.audio_key.in_(keys))
    found = set(db.session.scalars(voiceovers)) | set(db.session.scalars(narrations))
    steps = select(ProjectEdit.snapshot).execution_options(yield_per=200)
    for state in db.session.scalars(steps):
        found |= {scene.get("audio_key") for scene in state.get("scenes", [])} & wanted
    return found
