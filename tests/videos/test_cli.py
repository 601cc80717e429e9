"""`fluxnote make`: topic → MP4 on the command line."""

from sqlalchemy import select

from fluxnote.extensions import db
from fluxnote.renders.models import Render
from fluxnote.studio.models import Project
from tests.conftest import make_user
from tests.render.media import probe


def test_make_writes_an_mp4_shows_progress_and_where_the_project_lives(app, runner, tmp_path):
    app.config["RENDER_PRESET"] = "ultrafast"
    app.config["PUBLIC_URL"] = "https://studio.example.com/"
    owner = make_user("maker@example.com")
    out = tmp_path / "cats.mp4"
    result = runner.invoke(
        args=[
            "make",
            "Why cats purr",
            "--user",
            "Maker@Example.com",
            "--template",
            "quote",
            "--captions",
            "neon_glow",
            "--voice",
            "piper-joe-fast",
            "-o",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    for stage in ("Writing the script", "Voicing the scenes", "Rendering the MP4", "Done"):
        assert stage in result.output
    project = db.session.scalars(select(Project)).one()
    assert project.workspace_id == owner.current_workspace_id and project.status == "ready"
    assert f"Wrote {out} (1080×1920," in result.output
    assert f'Project {project.id} "{project.title}"' in result.output
    assert "maker@example.com's workspace" in result.output
    assert f"https://studio.example.com/studio/{project.id}" in result.output
    render = db.session.query(Render).one()  # the studio's player shows this render
    assert render.status == "succeeded" and render.size_bytes == out.stat().st_size
    facts = probe(out)
    assert (
        facts["size"] == (1080, 1920)
        and facts["video_codec"] == "h264"
        and facts["audio_codec"] == "aac"
    )
    assert 8 < facts["duration"] < 40


def test_make_refuses_an_unknown_template_or_voice(runner):
    assert runner.invoke(args=["make", "x", "--template", "nope"]).exit_code == 2
    result = runner.invoke(args=["make", "x", "--voice", "nobody"])
    assert result.exit_code == 2 and "Unknown voice" in result.output


def test_make_refuses_an_unknown_user_and_changes_nothing(runner):
    result = runner.invoke(args=["make", "x", "--user", "ghost@example.com"])
    assert result.exit_code == 2 and "no user ghost@example.com" in result.output
    assert db.session.scalars(select(Project)).first() is None
