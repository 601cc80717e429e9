"""Segment renders through the queue: pieces any worker takes, reused by content key,
previews, a dead worker's piece re-run, a piece that cannot be made, old segments
collected."""

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from fluxnote.extensions import db
from fluxnote.render.spec import CaptionSpec, RenderSpec, SceneSpec
from fluxnote.renders import jobs, sweeper
from fluxnote.renders.models import Render, RenderPiece
from fluxnote.sqltypes import utcnow
from fluxnote.storage import services as storage
from fluxnote.tasks import get_queue
from tests.conftest import auth, make_token, make_user
from tests.render.conftest import make_project, run_render_jobs
from tests.render.media import make_image, make_voice, probe, timed_words


@pytest.fixture
def builder(monkeypatch, tmp_path):
    """The studio's build_render_spec replaced by a 3-scene, 3 s spec; `.words` and
    `.size` can be changed between renders (an edit)."""
    import fluxnote.studio.spec as studio_spec

    # a sentence per scene: caption pages (they break at sentence ends) stay in their scene
    words = timed_words(
        "One two three. Four five six. Seven eight nine.", start=0.1, per_word=1 / 3
    )
    images = [make_image(tmp_path / f"s{i}.png", i, (360, 640)) for i in range(3)]
    voice = make_voice(tmp_path / "voice.wav", words, 3.0)

    class Builder:
        size = (180, 320)

        def __init__(self):
            self.words = words

        def __call__(self, project_id, aspect=None):
            return RenderSpec(
                width=self.size[0],
                height=self.size[1],
                duration=3.0,
                preset="ultrafast",
                scenes=[SceneSpec(img, "image", float(i), 1.0) for i, img in enumerate(images)],
                narration_path=voice,
                captions=CaptionSpec("karaoke", {}, self.words),
            )

    fake = Builder()
    monkeypatch.setattr(studio_spec, "build_render_spec", fake)
    return fake


def render_via_api(client, token, project_id, **body) -> dict:
    answer = client.post(f"/api/v1/projects/{project_id}/renders", json=body, headers=auth(token))
    assert answer.status_code == 202, answer.get_json()
    run_render_jobs()
    return client.get(f"/api/v1/renders/{answer.get_json()['id']}", headers=auth(token)).get_json()


def pieces(render_id: int) -> list[RenderPiece]:
    return list(
        db.session.scalars(
            select(RenderPiece)
            .where(RenderPiece.render_id == render_id, RenderPiece.status != "dropped")
            .order_by(RenderPiece.index)
        )
    )


def test_a_second_render_reuses_every_segment_and_an_edit_only_its_own(client, builder, tmp_path):
    user = make_user()
    token, project = make_token(user), make_project(user)
    first = render_via_api(client, token, project.id)
    assert first["status"] == "succeeded" and first["segments"] == {"total": 3, "reused": 0}
    assert all(storage.exists(p.key) for p in pieces(first["id"]))

    again = render_via_api(client, token, project.id)
    assert again["segments"] == {"total": 3, "reused": 3}

    builder.words = [*builder.words[:-1], replace(builder.words[-1], text="ten.")]
    edited = render_via_api(client, token, project.id)
    assert edited["status"] == "succeeded" and edited["segments"] == {"total": 3, "reused": 2}
    (tmp_path / "out.mp4").write_bytes(client.get(edited["url"], headers=auth(token)).data)
    info = probe(tmp_path / "out.mp4")
    assert info["size"] == (180, 320) and abs(info["duration"] - 3.0) < 0.05
    assert info["audio_codec"] == "aac"


def test_preview_is_at_most_540_wide_and_bad_quality_is_422(client, builder, tmp_path):
    builder.size = (1080, 1920)
    user = make_user()
    token, project = make_token(user), make_project(user)
    for bad in ({"quality": "draft"}, {"quality": 1}, {"aspect": "9:16", "speed": "fast"}):
        answer = client.post(
            f"/api/v1/projects/{project.id}/renders", json=bad, headers=auth(token)
        )
        assert answer.status_code == 422, bad
    assert db.session.scalar(select(Render.id).where(Render.project_id == project.id)) is None

    preview = render_via_api(client, token, project.id, quality="preview")
    assert preview["status"] == "succeeded" and preview["quality"] == "preview"
    assert (preview["width"], preview["height"]) == (540, 960)
    (tmp_path / "p.mp4").write_bytes(client.get(preview["url"], headers=auth(token)).data)
    assert probe(tmp_path / "p.mp4")["size"] == (540, 960)


def test_a_dead_workers_piece_is_run_again_and_progress_is_summed(client, builder):
    user = make_user()
    token, project = make_token(user), make_project(user)
    render_id = client.post(
        f"/api/v1/projects/{project.id}/renders", headers=auth(token)
    ).get_json()["id"]
    get_queue("render").empty()
    assert jobs._take(render_id)
    jobs._plan(render_id)  # planned; the planner then "died" before making any piece
    render = db.session.get(Render, render_id, populate_existing=True)
    assert render.stage == "pieces" and render.progress == jobs.PLAN_SHARE
    victim = pieces(render_id)[1]
    assert jobs._take_piece(victim.id) is not None  # a worker took it, then was killed
    old = utcnow() - timedelta(minutes=10)
    db.session.execute(
        RenderPiece.__table__.update().where(RenderPiece.id == victim.id).values(heartbeat_at=old)
    )
    db.session.commit()

    assert sweeper.sweep()["dead_pieces"] == 1
    assert db.session.get(RenderPiece, victim.id, populate_existing=True).status == "queued"
    run_render_jobs()
    done = client.get(f"/api/v1/renders/{render_id}", headers=auth(token)).get_json()
    assert done["status"] == "succeeded" and done["progress"] == 1
    assert db.session.get(RenderPiece, victim.id, populate_existing=True).attempts == 2


def test_a_piece_that_cannot_be_made_fails_the_render_cleanly(client, builder, tmp_path):
    user = make_user()
    token, project = make_token(user), make_project(user)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image at all")
    real = builder.__class__.__call__

    def with_a_broken_scene(self, project_id, aspect=None):
        spec = real(self, project_id, aspect)
        return replace(spec, scenes=[*spec.scenes[:2], replace(spec.scenes[2], visual_path=broken)])

    builder.__class__.__call__ = with_a_broken_scene
    body = render_via_api(client, token, project.id)
    assert body["status"] == "failed"
    assert body["error"].startswith("A segment could not be made")
    assert "url" not in body and db.session.get(Render, body["id"]).storage_key is None


def test_old_segments_are_collected_unless_a_render_in_flight_needs_them(client, builder):
    user = make_user()
    token, project = make_token(user), make_project(user)
    done = render_via_api(client, token, project.id)
    keys = [p.key for p in pieces(done["id"])]
    assert sweeper.collect() == 0  # fresh
    later = utcnow() + sweeper.SEGMENT_TTL + timedelta(hours=1)
    assert sweeper.collect(later) == len(keys)
    assert not any(storage.exists(k) for k in keys)
    assert storage.exists(db.session.get(Render, done["id"]).storage_key)  # the video stays
    again = render_via_api(client, token, project.id)
    assert again["segments"] == {"total": 3, "reused": 0}
