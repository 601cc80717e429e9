"""Benchmark: topic → downloadable MP4 with the offline engine and voices, by stage.

    .venv/bin/python bench/quick_create.py ["TOPIC"] [--template T] [--preset veryfast]

Runs in a fresh temporary data dir (SQLite, embedded Redis, empty voice cache), so every
stage does its real work. Prints seconds per stage (script, voice, visuals, music,
captions = voiceover assembly + timed caption words, render), the video's length, the
total against the video's length (× realtime) and against the 90 s target.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_S = 90.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("topic", nargs="?", default="Why octopuses have three hearts")
    parser.add_argument("--template", default="faceless_explainer")
    parser.add_argument("--preset", default="veryfast")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        times, spec, out = run(Path(tmp), args.topic, args.template, args.preset)
        size = out.stat().st_size
    total = sum(wall for wall, _ in times.values())
    print(
        f"quick create: {args.topic!r}, template {args.template}, x264 {args.preset}, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    for stage, (wall, cpu) in times.items():
        print(
            f"  {stage:<9} {wall:7.2f} s  {100 * wall / total:5.1f} %   {cpu:7.2f} CPU-s (incl. ffmpeg)"
        )
    print(
        f"  {'total':<9} {total:7.2f} s  for a {spec.duration:.1f} s {spec.width}x{spec.height} video "
        f"({size / 1e6:.1f} MB)"
    )
    print(
        f"  ratio    {total / spec.duration:.2f}x the video's length; "
        f"{total / TARGET_S:.2f}x the {TARGET_S:.0f} s target ({'met' if total <= TARGET_S else 'MISSED'})"
    )
    print(
        f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (this process)"
    )


def run(data_dir: Path, topic: str, template: str, preset: str):
    from fluxnote import create_app
    from fluxnote.accounts.models import Workspace
    from fluxnote.accounts.services import create_user
    from fluxnote.extensions import db
    from fluxnote.render.compose import compose
    from fluxnote.studio import build, create
    from fluxnote.studio.spec import build_render_spec

    app = create_app(
        {
            "DATA_DIR": str(data_dir),
            "MEDIA_DIR": str(data_dir / "media"),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data_dir / 'bench.db'}",
            "REDIS_URL": "",
            "RENDER_PRESET": preset,
            "SECRET_KEY": "bench",
        }
    )
    times: dict[str, tuple[float, float]] = {}
    with app.app_context():
        db.create_all()
        user = create_user("bench@example.com", "password123")
        workspace = db.session.get(Workspace, user.current_workspace_id)
        clock = time.perf_counter(), _cpu()

        def lap(stage: str) -> None:
            nonlocal clock
            now = time.perf_counter(), _cpu()
            times[stage] = now[0] - clock[0], now[1] - clock[1]
            clock = now

        req = create.parse_request({"topic": topic, "template": template})
        project = create.quick_create(workspace, user.id, req, enqueue=False)
        db.session.commit()
        lap("script")
        build.voice_scenes(project.id)
        lap("voice")
        build.draw_scenes(project.id)
        lap("visuals")
        build.choose_music(project.id)
        lap("music")
        spec = build_render_spec(project.id)
        lap("captions")
        out = compose(spec, data_dir / "out.mp4")
        lap("render")
        return times, spec, out


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the ffmpeg encoder)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


if __name__ == "__main__":
    main()
