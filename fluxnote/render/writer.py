"""A raw I420 frame writer around the ffmpeg command moviepy's writer uses.

moviepy's FFMPEG_VideoWriter only accepts rgb24/rgba; feeding yuv420p halves the
bytes piped per frame and removes ffmpeg's single-threaded RGB->YUV conversion.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from moviepy.config import FFMPEG_BINARY

PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow")


class YuvWriter:
    """Encode I420 frames to H.264 (CRF 23, `preset`) and mux `audio_path` (AAC, copied).

    Use as a context manager. write() raises OSError with ffmpeg's message when the
    encoder dies; leaving the block with an exception kills the encoder.
    """

    def __init__(self, out_path: Path, width: int, height: int, fps: int, preset: str,
                 audio_path: Path | None):
        if preset not in PRESETS:
            raise ValueError(f"unknown x264 preset {preset!r}")
        cmd = [FFMPEG_BINARY, "-y", "-loglevel", "error",
               "-f", "rawvideo", "-vcodec", "rawvideo", "-s", f"{width}x{height}",
               "-pix_fmt", "yuv420p", "-r", str(fps), "-i", "-"]
        if audio_path is not None:
            cmd += ["-i", str(audio_path), "-map", "0:v", "-map", "1:a", "-c:a", "copy"]
        cmd += ["-c:v", "libx264", "-preset", preset, "-crf", "23", "-pix_fmt", "yuv420p",
                "-colorspace", "smpte170m", "-color_primaries", "bt709", "-color_trc", "bt709",
                "-color_range", "tv", "-movflags", "+faststart", str(out_path)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)

    def write(self, frame) -> None:
        try:
            self.proc.stdin.write(memoryview(frame).cast("B"))
        except (BrokenPipeError, OSError) as exc:
            raise OSError(f"ffmpeg failed: {self._stderr()}") from exc

    def _stderr(self) -> str:
        self.proc.kill()
        return self.proc.communicate()[1].decode(errors="replace").strip()[-2000:]

    def __enter__(self) -> "YuvWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.proc.kill()
            self.proc.wait()
            return
        self.proc.stdin.close()
        err = self.proc.stderr.read().decode(errors="replace")
        if self.proc.wait() != 0:
            raise OSError(f"ffmpeg failed: {err.strip()[-2000:]}")
