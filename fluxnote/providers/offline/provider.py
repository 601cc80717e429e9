"""The offline engine behind the provider interface: synchronous, keyless, local files."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

from fluxnote.media.frames import ASPECTS
from fluxnote.providers.base import (
    GenerationRequest,
    InvalidSignature,
    ProviderError,
    ProviderResult,
    WebhookEvent,
)
from fluxnote.providers.http import move_into
from fluxnote.providers.offline.animate import animate
from fluxnote.providers.offline.draw import draw_image

ENGINE_NAME = "FluxNote Offline"
VIDEO_MAX_DURATION_S = 10
VIDEO_DEFAULT_DURATION_S = 5
SECONDS_PER_SCENE = 4  # a text-to-video clip draws one picture per 4 s and crossfades them


class OfflineProvider:
    """Draws images and animates them on this machine; `submit` returns the finished file."""

    id = "offline"
    name = ENGINE_NAME
    env_key = None
    webhooks = False

    def __init__(self, work_dir: Path | None = None):
        self.work_dir = Path(work_dir or Path(tempfile.gettempdir()) / "fluxnote-offline")

    def submit(self, request: GenerationRequest) -> ProviderResult:
        """Generate now. Raises ProviderError (not retryable) for an unknown kind or aspect,
        a duration beyond VIDEO_MAX_DURATION_S or an unreadable first frame."""
        if request.aspect not in ASPECTS:
            raise ProviderError(f"unsupported aspect {request.aspect!r}")
        width, height = ASPECTS[request.aspect]
        self.work_dir.mkdir(parents=True, exist_ok=True)
        job_id = uuid.uuid4().hex
        if request.kind == "image":
            out = self.work_dir / f"{job_id}.png"
            draw_image(request.prompt, width, height, request.seed).save(out, compress_level=1)
            meta = {"width": width, "height": height}
        elif request.kind == "video":
            duration = request.duration_s or VIDEO_DEFAULT_DURATION_S
            if not 1 <= duration <= VIDEO_MAX_DURATION_S:
                raise ProviderError(f"duration must be 1..{VIDEO_MAX_DURATION_S} s")
            out = self.work_dir / f"{job_id}.mp4"
            self._video(request, duration, width, height, out)
            meta = {"width": width, "height": height, "duration_s": float(duration)}
        else:
            raise ProviderError(f"unsupported kind {request.kind!r}")
        meta["engine"] = ENGINE_NAME
        return ProviderResult("succeeded", provider_job_id=job_id, output_path=out, meta=meta)

    def _video(
        self, request: GenerationRequest, duration: int, width: int, height: int, out: Path
    ) -> None:
        drawn: list[Path] = []
        try:
            if request.source_image is not None:
                frames = [Path(request.source_image)]
            else:
                for i in range(max(1, -(-duration // SECONDS_PER_SCENE))):
                    path = self.work_dir / f"{out.stem}-{i}.png"
                    seed = None if request.seed is None and i == 0 else (request.seed or 0) + i
                    draw_image(request.prompt, width, height, seed).save(path, compress_level=1)
                    drawn.append(path)
                frames = drawn
            animate(frames, float(duration), width, height, out, seed=request.seed)
        except ValueError as exc:
            raise ProviderError(str(exc)) from exc
        finally:
            for path in drawn:
                path.unlink(missing_ok=True)

    def poll(self, provider_job_id: str, model: str | None = None) -> ProviderResult:
        """Offline jobs finish inside submit; there is nothing to poll (ProviderError)."""
        raise ProviderError("offline jobs finish in submit; re-run the job instead")

    def cancel(self, provider_job_id: str, model: str | None = None) -> None:
        """Offline jobs finish inside submit: nothing is left running to stop."""

    def parse_webhook(self, headers: dict, body: bytes) -> WebhookEvent:
        """The offline engine sends no callbacks: every request is refused."""
        raise InvalidSignature("the offline engine sends no webhooks")

    def fetch_result(self, result: ProviderResult, dest_dir: Path) -> Path:
        """Move the finished file into `dest_dir`. ProviderError when there is none."""
        if result.output_path is None or not Path(result.output_path).is_file():
            raise ProviderError("offline result file is missing")
        return move_into(result.output_path, dest_dir)
