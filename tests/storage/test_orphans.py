"""The orphan collector: only generated keys nothing references, only once they are old."""

import pytest

from fluxnote.assets.models import Asset
from fluxnote.extensions import db
from fluxnote.renders.models import Render
from fluxnote.storage import orphans
from fluxnote.storage import services as storage
from fluxnote.studio.models import ProjectEdit, Scene
from tests.conftest import build_app, make_user
from tests.render.conftest import make_project


def stored(tmp_path, name: str) -> str:
    (tmp_path / name).write_bytes(name.encode())
    return storage.put_file(tmp_path / name)


def referenced_and_orphans(tmp_path) -> tuple[set[str], set[str]]:
    """One key per owner (asset, render, voiceover, scene narration, a narration only an
    undo step remembers), and two orphans."""
    user = make_user()
    project = make_project(user)
    asset_key, render_key, voice_key, scene_key, undo_key = (
        stored(tmp_path, f"{n}.wav") for n in ("asset", "render", "voice", "scene", "undo")
    )
    db.session.add(
        Asset(
            workspace_id=user.current_workspace_id,
            kind="audio",
            source="upload",
            storage_key=asset_key,
            content_type="audio/wav",
            size_bytes=9,
        )
    )
    db.session.add(
        Render(
            workspace_id=user.current_workspace_id,
            project_id=project.id,
            status="succeeded",
            aspect="9:16",
            width=1080,
            height=1920,
            storage_key=render_key,
            job_id="render-test",
        )
    )
    project.narration_key = voice_key
    db.session.add(Scene(project_id=project.id, position=0, text="hi", audio_key=scene_key))
    state = {"project": {}, "scenes": [{"id": 1, "audio_key": undo_key}]}
    db.session.add(ProjectEdit(project_id=project.id, label="edit text", snapshot=state))
    db.session.commit()
    orphans_ = {stored(tmp_path, "old-voiceover.wav"), stored(tmp_path, "lost-result.png")}
    return {asset_key, render_key, voice_key, scene_key, undo_key}, orphans_


def keys() -> set[str]:
    return {key for key, _ in storage.store().listing()}


def test_collects_unreferenced_generated_keys_only(app, tmp_path):
    kept, lost = referenced_and_orphans(tmp_path)
    own = storage.put_file(tmp_path / "asset.wav", key="segments/abc123.mp4")  # its owner's
    assert orphans.collect() == 0  # everything is younger than a day
    assert orphans.collect(min_age_s=0) == 2
    assert keys() == kept | {own}
    for key in lost:
        assert not storage.exists(key)


def test_the_clock_sweeps_at_most_once_a_period(app, tmp_path, monkeypatch):
    _, lost = referenced_and_orphans(tmp_path)
    monkeypatch.setattr(orphans, "MIN_AGE_S", 0)
    assert orphans.sweep() == 2
    stored(tmp_path, "another.png")
    assert orphans.sweep() == 0  # another clock, or the next pass: the lock holds


def test_a_store_that_fails_stops_the_sweep_quietly(app, tmp_path, failing_store, monkeypatch):
    referenced_and_orphans(tmp_path)
    app.config["AWS"] = {**app.config["AWS"], "AWS_ENDPOINT_URL": failing_store.url}
    monkeypatch.setattr(orphans, "MIN_AGE_S", 0)
    assert orphans.sweep() == 0
    with pytest.raises(storage.StorageUnavailable):
        orphans.collect(min_age_s=0)


def test_local_files_are_collected_the_same_way(tmp_path, redis_url):
    local = build_app(tmp_path / "local", redis_url)
    with local.app_context():
        kept, lost = referenced_and_orphans(tmp_path)
        assert orphans.collect(min_age_s=0) == 2
        assert keys() == kept
