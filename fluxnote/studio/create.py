"""Quick create: topic or pasted text + template → a project with scenes, ready to build.

`parse_request` validates a body (API JSON or studio form), `cost` says what it will
spend, `quick_create` writes the script, inserts the project and — only when `visuals`
asks for generations — submits one credited generation per scene through the
generation service. The slow media work runs in `build.build_project` (a job).
"""
from dataclasses import dataclass

from fluxnote.accounts.models import Workspace
from fluxnote.captions.styles import STYLES
from fluxnote.credits.services import InsufficientCredits, snapshot as credit_snapshot
from fluxnote.extensions import db
from fluxnote.studio.models import ASPECTS, Project, Scene
from fluxnote.studio.services import StudioError
from fluxnote.studio.templates import get_template, templates
from fluxnote.studio.writer import Script, write_script
from fluxnote.tasks import enqueue_after_commit

VISUALS = {"offline": None, "generate_images": "image", "generate_video": "video"}
DEFAULT_MODEL = {"image": "offline-image", "video": "offline-video"}
TOPIC_MAX, SOURCE_MAX = 300, 20000
BUILD_JOB = "fluxnote.studio.jobs.build_project"


@dataclass
class QuickCreate:
    template: str
    topic: str = ""
    source_text: str = ""
    voice: str | None = None
    caption_style: str | None = None
    aspect: str = "9:16"
    visuals: str = "offline"
    model: str | None = None

    @property
    def credit_kind(self) -> str | None:
        return VISUALS[self.visuals]


def parse_request(body: object) -> QuickCreate:
    """Check a quick-create body; StudioError names the first bad field."""
    if not isinstance(body, dict):
        raise StudioError("body", "Send a JSON object.")
    unknown = set(body) - set(QuickCreate.__dataclass_fields__)
    if unknown:
        raise StudioError(sorted(unknown)[0], "Unknown field.")
    for name, value in body.items():
        if value is not None and not isinstance(value, str):
            raise StudioError(name, "Must be a string.")
    req = QuickCreate(**{k: (v.strip() if isinstance(v, str) else v) for k, v in body.items()
                         if v not in (None, "")} | {"template": (body.get("template") or "").strip()})
    _check(req)
    return req


def _check(req: QuickCreate) -> None:
    if req.template not in templates():
        raise StudioError("template", f"Choose a template: {', '.join(templates())}.")
    if not req.topic and not req.source_text:
        raise StudioError("topic", "Give a topic or paste some text.")
    if len(req.topic) > TOPIC_MAX:
        raise StudioError("topic", f"Keep the topic under {TOPIC_MAX} characters.")
    if len(req.source_text) > SOURCE_MAX:
        raise StudioError("source_text", f"Paste at most {SOURCE_MAX} characters.")
    if req.caption_style and req.caption_style not in STYLES:
        raise StudioError("caption_style", f"Unknown caption style; one of {', '.join(STYLES)}.")
    if req.aspect not in ASPECTS:
        raise StudioError("aspect", f"Aspect must be one of {', '.join(ASPECTS)}.")
    if req.visuals not in VISUALS:
        raise StudioError("visuals", f"Visuals must be one of {', '.join(VISUALS)}.")
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
    """The script for a request (may call an LLM: hold no transaction)."""
    return write_script(get_template(req.template), req.topic or None, req.source_text or None)


def quick_create(workspace: Workspace, user_id: int | None, req: QuickCreate,
                 script: Script | None = None, enqueue: bool = True) -> Project:
    """Insert the project and its scenes and enqueue the build (unless the caller builds
    it itself: `enqueue=False`). Free for "offline" visuals.

    For generated visuals, checks the balance first and raises InsufficientCredits
    (nothing written); then submits one generation per scene (each reserves a credit).
    Raises StudioError for bad generation input (e.g. an unknown model).
    """
    script = script or draft(req)
    spend = cost(req, len(script.scenes), workspace.id)
    if spend and spend["remaining"] < spend["credits"]:
        balance = credit_snapshot(workspace.id)[spend["kind"]]
        raise InsufficientCredits(spend["kind"], balance["remaining"], balance["resets_at"])
    project = _insert(workspace.id, user_id, req, script)
    if spend:
        _submit_generations(workspace, user_id, project, req)
    if enqueue:
        enqueue_after_commit("default", BUILD_JOB, project.id, job_id=f"project-build-{project.id}")
    db.session.commit()
    return project


def _insert(workspace_id: int, user_id: int | None, req: QuickCreate, script: Script) -> Project:
    from fluxnote.studio.choices import default_voice
    template = get_template(req.template)
    project = Project(workspace_id=workspace_id, created_by_id=user_id, title=script.title,
                      template=template.id, topic=req.topic or None,
                      source_text=req.source_text or None, writer=script.writer,
                      voice=req.voice or default_voice(),
                      caption_style=req.caption_style or template.caption_style,
                      caption_overrides={}, aspect=req.aspect, layout=template.layout,
                      visuals=req.visuals, status="building", generation_ids=[],
                      visual_model=req.model or (DEFAULT_MODEL.get(req.credit_kind or "")))
    prompts = script.prompts or script.scenes
    project.scenes = [Scene(position=i, text=text, visual_prompt=prompts[i][:500], words=[])
                      for i, text in enumerate(script.scenes)]
    db.session.add(project)
    db.session.commit()
    return project


def _submit_generations(workspace: Workspace, user_id: int | None, project: Project,
                        req: QuickCreate) -> None:
    """One generation per scene; on any failure cancel the ones already made and drop the
    project, so a refused request leaves nothing behind."""
    from fluxnote.generation.services import cancel, submit
    from fluxnote.generation.validation import InvalidRequest
    made: list[int] = []
    try:
        for scene in project.scenes:
            body = {"kind": req.credit_kind, "model": project.visual_model, "prompt": scene.visual_prompt,
                    "project_id": project.id, "aspect": project.aspect}
            gen = submit(workspace, user_id, body)[0]
            made.append(gen.id)
            scene.generation_id = gen.id
    except (InvalidRequest, InsufficientCredits) as exc:
        for gen_id in made:
            cancel(workspace.id, gen_id)
        db.session.delete(db.session.get(Project, project.id))
        db.session.commit()
        if isinstance(exc, InvalidRequest):
            raise StudioError("model" if exc.field in ("model", "kind") else exc.field or "model", exc.message) from exc
        raise
    project.generation_ids = made


def rebuild(project: Project) -> None:
    """Queue the build again (after a failure): it continues where the last one stopped."""
    project.status, project.error = "building", None
    enqueue_after_commit("default", BUILD_JOB, project.id,
                         job_id=f"project-build-{project.id}-{project.updated_at.timestamp():.0f}")
    db.session.commit()
