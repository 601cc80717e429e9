"""Quick create: topic or pasted text + template → a project with scenes, ready to build.

`parse_request` validates a body (API JSON or studio form), `cost` says what it will
spend, `quick_create` writes the script, inserts the project and — only when `visuals`
asks for generations — submits one credited generation per scene through the
generation service. The slow media work runs in `build.build_project` (a job).
"""

from dataclasses import dataclass

from fluxnote.accounts.models import Workspace
from fluxnote.api.openapi import BodyError, check_body
from fluxnote.captions.styles import STYLES
from fluxnote.credits.services import InsufficientCredits
from fluxnote.credits.services import snapshot as credit_snapshot
from fluxnote.extensions import db, savepoint
from fluxnote.media.frames import ASPECTS, DEFAULT_ASPECT
from fluxnote.studio import jobs
from fluxnote.studio.models import Project, Scene
from fluxnote.studio.services import StudioError
from fluxnote.studio.summary import search_terms
from fluxnote.studio.templates import get_template, templates
from fluxnote.studio.writer import Script, write_script
from fluxnote.tasks import enqueue_after_commit

VISUALS = {"offline": None, "stock": None, "generate_images": "image", "generate_video": "video"}
DEFAULT_MODEL = {"image": "offline-image", "video": "offline-video"}
TOPIC_MAX, SOURCE_MAX, URL_MAX = 300, 20000, 2000
_TEXT = {"type": ["string", "null"]}
# The body of POST /api/v1/projects, as the OpenAPI document publishes it.
SCHEMA = {
    "type": "object",
    "required": ["template"],
    "additionalProperties": False,
    "properties": {
        "topic": {**_TEXT, "maxLength": TOPIC_MAX},
        "source_text": {**_TEXT, "maxLength": SOURCE_MAX},
        "source_url": {
            **_TEXT,
            "maxLength": URL_MAX,
            "description": "An article page to turn into a video (its title and main text)",
        },
        "template": {"type": "string"},
        "voice": _TEXT,
        "caption_style": _TEXT,
        "aspect": {"enum": [*ASPECTS, None]},
        "visuals": {"enum": [*VISUALS, None]},
        "model": _TEXT,
    },
}


@dataclass
class QuickCreate:
    template: str
    topic: str = ""
    source_text: str = ""
    source_url: str = ""
    voice: str | None = None
    caption_style: str | None = None
    aspect: str = DEFAULT_ASPECT
    visuals: str = "offline"
    model: str | None = None

    @property
    def credit_kind(self) -> str | None:
        return VISUALS[self.visuals]


def parse_request(body: object) -> QuickCreate:
    """Check a quick-create body against SCHEMA, then its meaning; StudioError names the
    first bad field."""
    try:
        body = check_body(SCHEMA, body)
    except BodyError as exc:
        raise StudioError(exc.field, exc.message) from None
    req = QuickCreate(
        **{
            k: (v.strip() if isinstance(v, str) else v)
            for k, v in body.items()
            if v not in (None, "")
        }
        | {"template": (body.get("template") or "").strip()}
    )
    _check(req)
    return req


def _check(req: QuickCreate) -> None:
    if req.template not in templates():
        raise StudioError("template", f"Choose a template: {', '.join(templates())}.")
    if not req.topic and not req.source_text and not req.source_url:
        raise StudioError("topic", "Give a topic, paste some text or give an article's URL.")
    if len(req.source_url) > URL_MAX or (req.source_url and "://" not in req.source_url):
        raise StudioError("source_url", "Give the article's full http:// or https:// address.")
    if req.caption_style and req.caption_style not in STYLES:
        raise StudioError("caption_style", f"Unknown caption style; one of {', '.join(STYLES)}.")
    if req.visuals == "stock":
        from fluxnote.stock.services import configured

        if not configured():
            raise StudioError(
                "visuals",
                "Stock footage needs a free Pexels or Pixabay key: set PEXELS_API_KEY "
                "or PIXABAY_API_KEY.",
            )
    if req.voice:
        from fluxnote.studio.choices import voice_ids

        if req.voice not in voice_ids():
            raise StudioError("voice", "Unknown voice.")


def cost(req: QuickCreate, scene_count: int, workspace_id: int) -> dict | None:
    """What the request spends: {"kind", "credits", "remaining"}; None when it is free."""
    kind = req.credit_kind
    if kind is None:
        return None
    remaining = credit_snapshot(workspace_id)[kind]["remaining"]
    return {"kind": kind, "credits": scene_count, "remaining": remaining}


def draft(req: QuickCreate) -> Script:
    """The script for a request (may fetch its article and call an LLM: hold no
    transaction). A `source_url` fills `req.source_text` (and the topic, when there is
    none) from the article; StudioError("source_url") when the page cannot be used."""
    if req.source_url and not req.source_text:
        from fluxnote.studio.article import fetch_article

        article = fetch_article(req.source_url)
        req.source_text = article.text[:SOURCE_MAX]
        req.topic = req.topic or article.title[:TOPIC_MAX]
    return write_script(get_template(req.template), req.topic or None, req.source_text or None)


def quick_create(
    workspace: Workspace,
    user_id: int | None,
    req: QuickCreate,
    script: Script | None = None,
    enqueue: bool = True,
) -> Project:
    """Insert the project and its scenes, flushed in the caller's transaction, and send
    the build when the caller commits (unless the caller builds it itself:
    `enqueue=False`). Free for "offline" visuals; for generated visuals, one generation
    per scene, each reserving a credit.

    All or nothing: raises InsufficientCredits, or StudioError for bad generation input
    (e.g. an unknown model), with nothing written (the writes run in a savepoint).
    """
    script = script or draft(req)
    spend = cost(req, len(script.scenes), workspace.id)
    if spend and spend["remaining"] < spend["credits"]:
        balance = credit_snapshot(workspace.id)[spend["kind"]]
        raise InsufficientCredits(spend["kind"], balance["remaining"], balance["resets_at"])
    with savepoint():
        project = _insert(workspace.id, user_id, req, script)
        if spend:
            _submit_generations(workspace, user_id, project, req)
        if enqueue:
            enqueue_build(project.id)
    return project


def enqueue_build(project_id: int) -> None:
    """Send the project's first build job once the current transaction commits."""
    enqueue_after_commit(
        "default", jobs.build_project, project_id, job_id=f"project-build-{project_id}"
    )


def _insert(workspace_id: int, user_id: int | None, req: QuickCreate, script: Script) -> Project:
    from fluxnote.studio.choices import default_voice

    template = get_template(req.template)
    project = Project(
        workspace_id=workspace_id,
        created_by_id=user_id,
        title=script.title,
        template=template.id,
        topic=req.topic or None,
        source_text=req.source_text or None,
        source_url=req.source_url or None,
        writer=script.writer,
        voice=req.voice or default_voice(),
        caption_style=req.caption_style or template.caption_style,
        caption_overrides={},
        aspect=req.aspect,
        layout=template.layout,
        visuals=req.visuals,
        status="building",
        generation_ids=[],
        visual_model=req.model or (DEFAULT_MODEL.get(req.credit_kind or "")),
    )
    prompts = script.prompts or script.scenes
    project.scenes = [
        Scene(
            position=i,
            text=text,
            visual_prompt=prompts[i][:500],
            words=[],
            stock=_stock_state(req, script, i, text),
        )
        for i, text in enumerate(script.scenes)
    ]
    db.session.add(project)
    db.session.flush()
    return project


def _stock_state(req: QuickCreate, script: Script, i: int, text: str) -> dict | None:
    """A stock scene starts with its search terms: the writer's, else the scene's own words."""
    if req.visuals != "stock":
        return None
    terms = script.terms[i] if i < len(script.terms) and script.terms[i] else []
    return {"terms": terms or search_terms(text, req.topic or script.title)}


def _submit_generations(
    workspace: Workspace, user_id: int | None, project: Project, req: QuickCreate
) -> None:
    """One generation per scene (InsufficientCredits, or StudioError for a bad model); the
    caller's savepoint undoes them all when one fails."""
    from fluxnote.generation.services import submit
    from fluxnote.generation.validation import InvalidRequest

    made: list[int] = []
    for scene in project.scenes:
        body = {
            "kind": req.credit_kind,
            "model": project.visual_model,
            "prompt": scene.visual_prompt,
            "project_id": project.id,
            "aspect": project.aspect,
        }
        try:
            gen = submit(workspace, user_id, body)[0]
        except InvalidRequest as exc:
            field = "model" if exc.field in ("model", "kind") else exc.field or "model"
            raise StudioError(field, exc.message) from exc
        made.append(gen.id)
        scene.generation_id = gen.id
    project.generation_ids = made


def rebuild(project: Project) -> None:
    """Queue the build again (after a failure; sent when the caller commits): it continues
    where the last one stopped."""
    project.status, project.error = "building", None
    enqueue_after_commit(
        "default",
        jobs.build_project,
        project.id,
        job_id=f"project-build-{project.id}-{project.updated_at.timestamp():.0f}",
    )
    db.session.flush()
