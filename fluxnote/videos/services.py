"""One call makes a video: validate, create the project, queue its render, then its build.

The render row is written before the build job is sent, so the render always sees its
project "building", waits, and is sent by the project's `project_finished` signal (see
renders.services.resume_waiting); if the build fails, the render fails with its error.
"""

from dataclasses import dataclass

from fluxnote.accounts.models import User, Workspace
from fluxnote.api.openapi import BodyError, check_body
from fluxnote.extensions import db
from fluxnote.media.frames import ASPECTS
from fluxnote.renders.models import QUALITIES, Render
from fluxnote.renders.services import start_render
from fluxnote.studio import create
from fluxnote.studio.models import Project
from fluxnote.studio.services import StudioError
from fluxnote.studio.writer import Script

RENDER_OPTION = {
    "description": "Render as soon as the project is ready: true, or options. The answer "
    "then carries `render_id` (poll GET /api/v1/renders/{render_id}). Renders are free.",
    "oneOf": [
        {"type": ["boolean", "null"]},
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "aspect": {"enum": list(ASPECTS)},
                "quality": {"enum": list(QUALITIES)},
            },
        },
    ],
}
# The body of POST /api/v1/projects: a quick create plus `render`.
SCHEMA = {
    **create.SCHEMA,
    "properties": {**create.SCHEMA["properties"], "render": RENDER_OPTION},
}


@dataclass
class RenderOptions:
    aspect: str | None = None
    quality: str = "final"


@dataclass
class VideoRequest:
    project: create.QuickCreate
    render: RenderOptions | None


def parse(body: object) -> VideoRequest:
    """A quick-create body plus an optional `"render": true | {"aspect"?, "quality"?}`.
    Raises StudioError naming the first bad field; nothing is written."""
    try:
        body = check_body(SCHEMA, body)
    except BodyError as exc:
        if exc.field == "render":
            raise StudioError("render", 'render must be true or {"aspect", "quality"}.') from None
        raise StudioError(exc.field, exc.message) from None
    rest = {k: v for k, v in body.items() if k != "render"}
    return VideoRequest(create.parse_request(rest), parse_render(body.get("render")))


def parse_render(value: object) -> RenderOptions | None:
    """`true`, `false`/absent, or `{"aspect"?, "quality"?}` (checked by SCHEMA)."""
    if value is None or value is False:
        return None
    if value is True:
        return RenderOptions()
    return RenderOptions(value.get("aspect"), value.get("quality") or "final")


def make_video(
    workspace: Workspace,
    user: User | None,
    req: VideoRequest,
    script: Script | None = None,
    build: bool = True,
) -> tuple[Project, Render | None]:
    """Create the project (spending credits only for generated visuals), queue its render
    when asked, then send the build job (unless the caller builds in-process: `build=False`).

    Raises InsufficientCredits or StudioError from quick create, with nothing written.
    """
    project = create.quick_create(
        workspace, user.id if user else None, req.project, script, enqueue=False
    )
    render = None
    if req.render is not None:
        render = start_render(workspace, project.id, user, req.render.aspect, req.render.quality)
    if build:
        create.enqueue_build(project.id)
    db.session.flush()
    return project, render
