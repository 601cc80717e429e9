"""`fluxnote make "TOPIC"`: topic → MP4 on the command line, with a progress bar."""
import secrets
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from fluxnote.captions.styles import STYLES
from fluxnote.studio.templates import templates

STAGES = {"script": (0.0, 0.03), "voice": (0.03, 0.35), "visuals": (0.38, 0.07), "render": (0.45, 0.55)}


@click.command("make")
@click.argument("topic")
@click.option("--template", "template_id", default="faceless_explainer", show_default=True,
              type=click.Choice(sorted(templates())))
@click.option("--voice", default=None, help="Voice id (see GET /api/v1/voices).")
@click.option("--captions", "caption_style", default=None, type=click.Choice(sorted(STYLES)))
@click.option("--aspect", default="9:16", type=click.Choice(["9:16", "16:9", "1:1"]), show_default=True)
@click.option("--source", "source_file", type=click.File("r"), help="Text to summarise instead of writing from the topic.")
@click.option("-o", "--output", default="out.mp4", show_default=True, type=click.Path(dir_okay=False))
@click.option("--email", default="studio@localhost", show_default=True, help="Whose workspace gets the project.")
@with_appcontext
def make(topic: str, template_id: str, voice: str | None, caption_style: str | None, aspect: str,
         source_file, output: str, email: str):
    """Make a video about TOPIC: script, voice, visuals, captions, music, render. Free."""
    from fluxnote.render.compose import compose
    from fluxnote.studio import build, create
    from fluxnote.studio.services import StudioError
    from fluxnote.studio.spec import build_render_spec
    body = {"topic": topic, "template": template_id, "aspect": aspect, "voice": voice,
            "caption_style": caption_style, "source_text": source_file.read() if source_file else None}
    try:
        req = create.parse_request({k: v for k, v in body.items() if v})
    except StudioError as exc:
        raise click.BadParameter(exc.message, param_hint=exc.field)
    user, workspace = _cli_user(email)
    with click.progressbar(length=1000, label="Making your video", show_percent=True) as bar:
        def step(stage: str, fraction: float) -> None:
            base, span = STAGES[stage]
            bar.update(int(1000 * (base + span * min(fraction, 1.0))) - bar.pos)
        project = create.quick_create(workspace, user.id, req, enqueue=False)
        step("script", 1.0)
        build.build_project(project.id, lambda stage, f: step(stage, f) if stage in STAGES else None)
        spec = build_render_spec(project.id)
        compose(spec, Path(output).resolve(), lambda f: step("render", f))
        step("render", 1.0)
    click.echo(f"Wrote {output} ({spec.width}×{spec.height}, {spec.duration:.1f} s) — project {project.id}, "
               f"edit it at /studio/{project.id}")


def _cli_user(email: str):
    """The user owning CLI projects: `email`, created with a random password if new."""
    from fluxnote.accounts.models import User, Workspace
    from fluxnote.accounts.services import create_user
    from fluxnote.extensions import db
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    user = user or create_user(email, secrets.token_urlsafe(18))
    return user, db.session.get(Workspace, user.current_workspace_id)
