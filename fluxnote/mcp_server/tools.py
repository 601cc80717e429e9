"""The MCP tools (names fixed by API.md). Schemas come from the type hints; each tool is
one JSON API call through the gateway; costs are stated where an agent decides."""

import functools
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context
from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel, ConfigDict, Field

from fluxnote.mcp_server.gateway import Caller, Gateway, Refusal

Aspect = Literal["9:16", "16:9", "1:1"]
Visuals = Literal["offline", "stock", "generate_images", "generate_video"]


class Open(BaseModel):
    """An API object passed through as the API shows it (extra fields kept)."""

    model_config = ConfigDict(extra="allow")


class Named(Open):
    id: str
    name: str


class Credit(BaseModel):
    allowance: int
    used: int
    reserved: int
    remaining: int


class Credits(BaseModel):
    plan: str
    workspace_id: int
    cycle: dict[str, str] = Field(description="start and resets_at (ISO 8601, UTC)")
    video: Credit
    image: Credit


class Models(BaseModel):
    video: list[Open]
    image: list[Open]


class Templates(BaseModel):
    templates: list[Named]


class Voices(BaseModel):
    voices: list[Named]


class CaptionStyles(BaseModel):
    caption_styles: list[Named]


class NewVideo(BaseModel):
    project_id: int
    render_id: int
    status: str = Field(description="The render's status: queued until the project is built")
    cost: dict[str, Any] | None = Field(None, description="Credits reserved, if any")


class Video(BaseModel):
    render_id: int
    project_id: int
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: float = Field(description="0..1")
    duration_s: float | None = None
    download_url: str | None = Field(
        None, description="The MP4 once succeeded; GET it with the same Authorization header"
    )
    error: str | None = None


class Generation(Open):
    id: int
    kind: Literal["image", "video"]
    model: str
    status: Literal["queued", "running", "succeeded", "failed", "canceled"]
    credit: Literal["reserved", "captured", "released"]
    asset_id: int | None = None
    download_url: str | None = Field(
        None, description="The generated file once succeeded; GET it with the same token"
    )


FREE = "Free (spends no credits)."


def ok(result: BaseModel) -> CallToolResult:
    """A tool's answer: the object as structured content, and as JSON text."""
    return CallToolResult(
        content=[TextContent(type="text", text=result.model_dump_json(exclude_none=True))],
        structured_content=result.model_dump(mode="json"),
    )


def refusals_as_errors(tool):
    """A Refusal becomes a tool error whose text is the API's `code: message` (the SDK
    would prefix a raised error with "Error executing tool ...")."""

    @functools.wraps(tool)
    def wrapper(*args, **kwargs):
        try:
            return tool(*args, **kwargs)
        except Refusal as exc:
            return CallToolResult(content=[TextContent(type="text", text=str(exc))], is_error=True)

    return wrapper


def register(server, gateway: Gateway, caller_of) -> None:
    """Add the tools to `server`; `caller_of(ctx)` names the calling token and base URL."""

    @server.tool(
        description=f"{FREE} The workspace's credit balances for this cycle. "
        "One video credit = one generated video clip, one image credit = one "
        "generated image; renders, edits and offline/stock visuals never spend "
        "credits. `remaining` is what can still be spent before `cycle.resets_at`."
    )
    @refusals_as_errors
    def get_credits(ctx: Context) -> Annotated[CallToolResult, Credits]:
        return ok(Credits(**gateway.call(caller_of(ctx), "GET", "/api/v1/credits")))

    @server.tool(
        description=f"{FREE} The image and video generation models; use an id "
        "whose `available` is true for `generate` or create_video's generated "
        "visuals. `max_duration_s` caps a video generation."
    )
    @refusals_as_errors
    def list_models(ctx: Context) -> Annotated[CallToolResult, Models]:
        return ok(Models(**gateway.call(caller_of(ctx), "GET", "/api/v1/models")))

    @server.tool(
        description=f"{FREE} Video templates (structure, scene count, target "
        "length); pass an id as create_video's `template`."
    )
    @refusals_as_errors
    def list_templates(ctx: Context) -> Annotated[CallToolResult, Templates]:
        return ok(Templates(templates=gateway.call(caller_of(ctx), "GET", "/api/v1/templates")))

    @server.tool(description=f"{FREE} Narration voices; pass an id as create_video's `voice`.")
    @refusals_as_errors
    def list_voices(ctx: Context) -> Annotated[CallToolResult, Voices]:
        return ok(Voices(voices=gateway.call(caller_of(ctx), "GET", "/api/v1/voices")))

    @server.tool(
        description=f"{FREE} Caption looks (karaoke highlight, typewriter...); "
        "pass an id as create_video's `caption_style`."
    )
    @refusals_as_errors
    def list_caption_styles(ctx: Context) -> Annotated[CallToolResult, CaptionStyles]:
        styles = gateway.call(caller_of(ctx), "GET", "/api/v1/caption-styles")
        return ok(CaptionStyles(caption_styles=styles))

    @server.tool(
        description="Make a narrated, captioned short video from a topic, pasted "
        "text or an article URL (give exactly one), and start its render. Free "
        "with visuals 'offline' (drawn title cards, the default) or 'stock' "
        "(stock footage); 'generate_images' spends one image credit per scene and "
        "'generate_video' one video credit per scene (a script has about 4-8 "
        "scenes) — check get_credits first. The video is ready in about 1-3 "
        "minutes: poll get_video(render_id) every 5-10 s."
    )
    @refusals_as_errors
    def create_video(
        ctx: Context,
        template: Annotated[str, Field(description="A template id from list_templates")],
        topic: Annotated[str | None, Field(description="What the video is about")] = None,
        source_text: Annotated[
            str | None, Field(description="Text to turn into a video instead of a topic")
        ] = None,
        source_url: Annotated[
            str | None, Field(description="An article page to turn into a video")
        ] = None,
        voice: Annotated[str | None, Field(description="A voice id from list_voices")] = None,
        caption_style: Annotated[
            str | None, Field(description="A caption style id from list_caption_styles")
        ] = None,
        aspect: Annotated[Aspect | None, Field(description="Default 9:16 (vertical)")] = None,
        visuals: Annotated[Visuals | None, Field(description="Default offline (free)")] = None,
    ) -> Annotated[CallToolResult, NewVideo]:
        body = {
            "template": template,
            "topic": topic,
            "source_text": source_text,
            "source_url": source_url,
            "voice": voice,
            "caption_style": caption_style,
            "aspect": aspect,
            "visuals": visuals,
        }
        body = {k: v for k, v in body.items() if v is not None} | {"render": True}
        caller = caller_of(ctx)
        project = gateway.call(caller, "POST", "/api/v1/projects", body)
        render = gateway.call(caller, "GET", f"/api/v1/renders/{project['render_id']}")
        return ok(
            NewVideo(
                project_id=project["id"],
                render_id=render["id"],
                status=render["status"],
                cost=project.get("cost"),
            )
        )

    @server.tool(
        description=f"{FREE} A video's render: status, progress (0..1) and, once "
        "succeeded, `download_url` (GET it with the same Authorization header). "
        "A failed render carries `error`."
    )
    @refusals_as_errors
    def get_video(
        ctx: Context, render_id: Annotated[int, Field(description="create_video's render_id")]
    ) -> Annotated[CallToolResult, Video]:
        caller = caller_of(ctx)
        render = gateway.call(caller, "GET", f"/api/v1/renders/{render_id}")
        return ok(
            Video(
                render_id=render["id"],
                project_id=render["project_id"],
                status=render["status"],
                progress=render["progress"],
                duration_s=render.get("duration_s"),
                download_url=caller.absolute(render["url"]) if render.get("url") else None,
                error=render.get("error"),
            )
        )

    @server.tool(
        description="Generate one image or video clip from a prompt. Spends one "
        "credit of `kind` (reserved now, released if the generation fails or is "
        "canceled). Images take seconds to a minute, videos one to several "
        "minutes: poll get_generation(id). Out of credits is refused with "
        "insufficient_credits (with remaining and resets_at)."
    )
    @refusals_as_errors
    def generate(
        ctx: Context,
        kind: Literal["image", "video"],
        model: Annotated[str, Field(description="A model id of that kind from list_models")],
        prompt: Annotated[str, Field(min_length=1, max_length=2000)],
        aspect: Aspect | None = None,
        duration_s: Annotated[
            int | None, Field(ge=1, description="Video only; at most the model's max_duration_s")
        ] = None,
        idempotency_key: Annotated[
            str | None,
            Field(
                max_length=200,
                description="Retrying with the same key returns the same generation and "
                "never spends twice",
            ),
        ] = None,
    ) -> Annotated[CallToolResult, Generation]:
        body = {"kind": kind, "model": model, "prompt": prompt, "aspect": aspect}
        body = {k: v for k, v in body.items() if v is not None}
        if duration_s is not None:
            body["duration_s"] = duration_s
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        caller = caller_of(ctx)
        return ok(
            _generation(
                caller, gateway.call(caller, "POST", "/api/v1/generations", body, **headers)
            )
        )

    @server.tool(
        description=f"{FREE} A generation's status and credit state; once "
        "succeeded, `download_url` of the file."
    )
    @refusals_as_errors
    def get_generation(
        ctx: Context, id: Annotated[int, Field(description="generate's id")]
    ) -> Annotated[CallToolResult, Generation]:
        caller = caller_of(ctx)
        return ok(_generation(caller, gateway.call(caller, "GET", f"/api/v1/generations/{id}")))


def _generation(caller: Caller, body: dict) -> Generation:
    url = (
        caller.absolute(f"/api/v1/assets/{body['asset_id']}/file") if body.get("asset_id") else None
    )
    return Generation(**body, download_url=url)
