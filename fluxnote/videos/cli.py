"""`fluxnote make "TOPIC"`: topic → MP4 on the command line, with a progress bar naming
each stage; it ends with the file and the project's studio URL.

The same path as `POST /api/v1/projects` with `"render": true`: the project and its
waiting render are created, the build runs here, and so does the render job."""

import secrets
import shutil
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from fluxnote.captions.styles import STYLES
from fluxnote.extensions import db
from fluxnote.media.frames import ASPECTS
from fluxnote.renders.models import Render
from fluxnote.storage.services import fetch
from fluxnote.studio.templates import templates

POLL_S = 0.5
CLI_EMAIL = "studio@localhost"

STAGES = {
    "script": (0.0, 0.03),
    "voice": (0.03, 0.35),
    "visuals": (0.38, 0.07),
    "render": (0.45, 0.55),
}


@click.command("make")
@click.argument("topic", required=False, default="")
@click.option(
    "--template",
    "template_id",
    default="faceless_explainer",
    show_default=True,
    type=click.Choice(sorted(templates())),
)
@click.option("--voice", default=None, help="Voice id (see GET /api/v1/voices).")
@click.option("--captions", "caption_style", default=None, type=click.Choice(sorted(STYLES)))
@click.option("--aspect", default="9:16", type=click.Choice(list(ASPECTS)), show_default=True)
@click.option(
    "--source",
    "source_file",
    type=click.File("r"),
    help="Text to summarise instead of writing from the topic.",
)
@click.option(
    "--url",
    "source_url",
    default=None,
    help="An article page to turn into the video (its title and main text).",
)
@click.option(
    "--visuals",
    default="offline",
    show_default=True,
    type=click.Choice(["offline", "stock"]),
    help="stock: free Pexels / Pixabay footage (PEXELS_API_KEY or PIXABAY_API_KEY).",
)
@click.option(
    "-o", "--output", default="out.mp4", show_default=True, type=click.Path(dir_okay=False)
)
@click.option(
    "--user",
    "--email",
    "email",
    default=None,
    metavar="EMAIL",
    help="Whose workspace gets the project (an existing user). "
    f"Default: {CLI_EMAIL}, created if needed.",
)
@with_appcontext
def make(
    topic: str,
    template_id: str,
    voice: str | None,
    caption_style: str | None,
    aspect: str,
    source_file,
    source_url: str | None,
    visuals: str,
    output: str,
    email: str | None,
):
    """Make a video about TOPIC (or the article at --url): script, voice, visuals,
    captions, music, render. Free.

    Prints each stage as it runs, then where the MP4 is and the studio page where the
    project can be watched, edited and rendered again.
    """
    from fluxnote.studio import build
    from fluxnote.studio.services import StudioError
    from fluxnote.videos import services

    body = {
        "topic": topic,
        "template": template_id,
        "aspect": aspect,
        "voice": voice,
        "caption_style": caption_style,
        "source_text": source_file.read() if source_file else None,
        "source_url": source_url,
        "visuals": visuals,
    }
    try:
        req = services.parse({k: v for k, v in body.items() if v} | {"render": True})
    except StudioError as exc:
        raise click.BadParameter(exc.message, param_hint=exc.field) from exc
    user, workspace = _cli_user(email)
    with click.progressbar(
        length=1000, label=_label("script"), show_percent=True, show_eta=False
    ) as bar:

        def step(stage: str, fraction: float) -> None:
            base, span = STAGES[stage]
            bar.label = _label(stage)
            bar.update(int(1000 * (base + span * min(fraction, 1.0))) - bar.pos)

        try:
            project, render = services.make_video(workspace, user, req, build=False)
            db.session.commit()
        except StudioError as exc:
            raise click.BadParameter(exc.message, param_hint=exc.field) from exc
        step("script", 1.0)
        build.build_project(
            project.id, lambda stage, f: step(stage, f) if stage in STAGES else None
        )
        render = _render(render.id, lambda f: step("render", f))
        step("render", 1.0)
        bar.label = _label("done")
        bar.render_progress()
    if render.status != "succeeded":
        raise click.ClickException(f"The render failed: {render.error}")
    shutil.copyfile(fetch(render.storage_key), output)
    size_mb = render.size_bytes / 1e6 if render.size_bytes else 0.0
    click.echo(
        f"Wrote {output} ({render.width}×{render.height}, {render.duration_s:.1f} s, "
        f"{size_mb:.1f} MB)"
    )
    click.echo(
        f'Project {project.id} "{project.title}" ({len(project.scenes)} scenes, script by '
        f'{project.writer}) is in {user.email}\'s workspace "{workspace.name}".'
    )
    click.echo(f"Watch, edit and render it again in the studio: {studio_url(project.id)}")


STAGE_LABELS = {
    "script": "Writing the script",
    "voice": "Voicing the scenes",
    "visuals": "Finding the visuals",
    "render": "Rendering the MP4",
    "done": "Done",
}


def _label(stage: str) -> str:
    width = max(len(v) for v in STAGE_LABELS.values())
    return f"{STAGE_LABELS[stage]:<{width}}"


def studio_url(project_id: int) -> str:
    """The project's studio page on this install's public URL (FLUXNOTE_PUBLIC_URL)."""
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/studio/{project_id}"


def _render(render_id: int, progress) -> Render:
    """Run the render job here (the job the build queued is then a no-op); if a worker
    took it first, follow its progress until it ends."""
    from fluxnote.renders.jobs import render_project

    render_project(render_id, progress)
    while True:
        render = db.session.get(Render, render_id, populate_existing=True)
        db.session.commit()
        if not render.in_flight:
            return render
        progress(render.progress)
        time.sleep(POLL_S)


def _cli_user(email: str | None):
    """The user owning the project: `email`, who must exist (click.BadParameter
    otherwise), or the CLI's own user, created with a random password on first use."""
    from fluxnote.accounts.models import User, Workspace
    from fluxnote.accounts.services import create_user

    wanted = (email or CLI_EMAIL).strip().lower()
    user = db.session.scalar(select(User).where(User.email == wanted))
    if user is None and email is not None:
        raise click.BadParameter(
            f"no user {wanted}: sign up first (or `fluxnote users create`), "
            f"or leave --user out to use {CLI_EMAIL}",
            param_hint="--user",
        )
    if user is None:
        user = create_user(CLI_EMAIL, secrets.token_urlsafe(18))
        db.session.commit()
    return user, db.session.get(Workspace, user.current_workspace_id)
