"""`fluxnote make`: topic → MP4 on the command line."""
from tests.render.media import probe


def test_make_writes_an_mp4_and_shows_progress(app, runner, tmp_path):
    app.config["RENDER_PRESET"] = "ultrafast"
    out = tmp_path / "cats.mp4"
    result = runner.invoke(args=["make", "Why cats purr", "--template", "quote", "--captions", "neon_glow",
                                 "--voice", "piper-joe-fast", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Making your video" in result.output and "Wrote" in result.output
    facts = probe(out)
    assert facts["size"] == (1080, 1920) and facts["video_codec"] == "h264" and facts["audio_codec"] == "aac"
    assert 8 < facts["duration"] < 40


def test_make_refuses_an_unknown_template_or_voice(runner):
    assert runner.invoke(args=["make", "x", "--template", "nope"]).exit_code == 2
    result = runner.invoke(args=["make", "x", "--voice", "nobody"])
    assert result.exit_code == 2 and "Unknown voice" in result.output
