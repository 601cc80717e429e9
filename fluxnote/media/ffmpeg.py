"""The one ffmpeg module: which binary runs, and one raw-frame -> H.264 encoder.

Frames are piped raw (no PNG round trip); streams are tagged BT.709, limited range. The render engine sends I420 planes
(`yuv420p`), which halves the bytes per frame and skips ffmpeg's single-threaded
RGB->YUV conversion; the offline video model sends `bgr24` pixels straight from OpenCV.
"""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
from pathlib import Path

import imageio_ffmpeg

PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow")


def ffmpeg_exe() -> str:
    """The ffmpeg binary shipped with imageio-ffmpeg (the one moviepy runs too)."""
    return imageio_ffmpeg.get_ffmpeg_exe()


class RawVideoWriter:
    """Encode raw frames to an H.264 MP4 (`crf`, `preset`), muxing `audio_path` (copied).

    `pix_fmt` is the layout of the frames passed to write(): "yuv420p" (I420 planes),
    "bgr24" or "rgb24". The file appears at `out_path` only once complete. Use as a
    context manager: write() raises OSError with ffmpeg's message when the encoder dies;
    a failed encode raises OSError on exit; leaving the block with an exception kills
    the encoder. Either way no partial file is left behind.
    """

    def __init__(
        self,
        out_path: Path,
        width: int,
        height: int,
        fps: int,
        preset: str,
        audio_path: Path | None = None,
        pix_fmt: str = "yuv420p",
        crf: int = 23,
    ):
        if preset not in PRESETS:
            raise ValueError(f"unknown x264 preset {preset!r}")
        self.out = Path(out_path)
        self.part = self.out.with_name(self.out.name + ".part")
        self.cmd = [
            ffmpeg_exe(),
            "-y",
            "-loglevel",
            "error",
            "-f",
            "rawvideo",
            "-vcodec",
            "rawvideo",
            "-s",
            f"{width}x{height}",
            "-pix_fmt",
            pix_fmt,
            "-r",
            str(fps),
            "-i",
            "-",
        ]
        if audio_path is not None:
            self.cmd += ["-i", str(audio_path), "-map", "0:v", "-map", "1:a", "-c:a", "copy"]
        else:
            self.cmd += ["-an"]
        # BT.709, limited range: RGB is converted with that matrix, I420 already is
        tags = "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv"
        convert = "" if pix_fmt == "yuv420p" else "scale=out_color_matrix=bt709:out_range=tv,"
        self.cmd += ["-vf", f"{convert}format=yuv420p,{tags}"]
        self.cmd += [
            "-c:v",
            "libx264",
            "-preset",
            preset,
            "-crf",
            str(crf),
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            str(self.part),
        ]

    def __enter__(self) -> RawVideoWriter:
        # stderr goes to a file: a pipe nobody reads could fill up and stall ffmpeg
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            self.cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self.log
        )
        return self

    def write(self, frame) -> None:
        try:
            self.proc.stdin.write(memoryview(frame).cast("B"))
        except (BrokenPipeError, OSError) as exc:
            self.proc.kill()
            raise OSError(f"ffmpeg failed: {self._stderr()}") from exc

    def _stderr(self) -> str:
        self.proc.wait()
        self.log.seek(0)
        return self.log.read().decode(errors="replace").strip()[-2000:]

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is not None:
                self.proc.kill()
                self.proc.wait()
                return
            # ffmpeg may have died; its exit code and message are reported below
            with contextlib.suppress(BrokenPipeError):
                self.proc.stdin.close()
            if self.proc.wait() != 0:
                raise OSError(f"ffmpeg failed: {self._stderr()}")
            self.part.replace(self.out)
        finally:
            self.log.close()
            self.part.unlink(missing_ok=True)
