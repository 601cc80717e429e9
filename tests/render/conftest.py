"""Render test helpers: a project row, a fake spec builder with tiny media, a burst worker."""

import pytest
from rq import SimpleWorker

from fluxnote.extensions import db, redis_store
from fluxnote.render.spec import CaptionSpec, RenderSpec, SceneSpec
from fluxnote.studio.models import Project
from fluxnote.tasks import get_queue
from tests.render.media import make_image, make_voice, timed_words


def make_project(user, title: str = "A short") -> Project:
    project = Project(
        workspace_id=user.current_workspace_id,
        created_by_id=user.id,
        title=title,
        template="explainer",
        voice="joe",
        caption_style="karaoke",
        status="ready",
    )
    db.session.add(project)
    db.session.commit()
    return project


@pytest.fixture
def fake_builder(monkeypatch, tmp_path):
    """Replace the studio's build_render_spec with one returning a 1.5 s, 180x320 spec;
    records the calls. Set `.error` to make it raise."""
    import fluxnote.studio.spec as studio_spec

    words = timed_words("Renders are free", start=0.2, per_word=0.4)
    image = make_image(tmp_path / "scene.png", 1, (180, 320))
    voice = make_voice(tmp_path / "voice.wav", words, 1.5)

    class Builder:
        calls: list = []
        error: Exception | None = None

        def __call__(self, project_id, aspect=None):
            self.calls.append((project_id, aspect))
            if self.error:
                raise self.error
            return RenderSpec(
                width=180,
                height=320,
                duration=1.5,
                preset="ultrafast",
                scenes=[SceneSpec(image, "image", 0.0, 1.5)],
                narration_path=voice,
                captions=CaptionSpec("karaoke", {}, words),
            )

    builder = Builder()
    monkeypatch.setattr(studio_spec, "build_render_spec", builder)
    return builder


def run_render_jobs() -> int:
    """Work the render queue in this process until empty; returns jobs run."""
    queue = get_queue("render")
    count = queue.count
    SimpleWorker([queue], connection=redis_store.conn).work(burst=True)
    return count
