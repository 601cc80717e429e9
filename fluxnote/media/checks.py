"""Doctor checks for the render's tools: the ffmpeg binary (runs, has libx264 and aac) and
the vendored caption fonts (every one loads)."""

from __future__ import annotations

import subprocess

from PIL import ImageFont

from fluxnote.checks import Check, CheckFailed
from fluxnote.media.ffmpeg import ffmpeg_exe
from fluxnote.media.fonts import FONTS, font_path

TIMEOUT_S = 20
ENCODERS = ("libx264", "aac")


def checks() -> list[Check]:
    return [Check("ffmpeg", ffmpeg), Check("fonts", fonts)]


def ffmpeg() -> str:
    """The ffmpeg version line; CheckFailed when it does not run or lacks an encoder."""
    try:
        exe = ffmpeg_exe()
        version = _run(exe, "-version").splitlines()[0]
        encoders = _run(exe, "-encoders")
    except (OSError, RuntimeError, subprocess.SubprocessError, IndexError) as exc:
        raise CheckFailed(f"does not run: {exc}"[:200]) from exc
    missing = [name for name in ENCODERS if f" {name} " not in encoders]
    if missing:
        raise CheckFailed(f"{version}: no {', '.join(missing)} encoder")
    return f"{' '.join(version.split()[:3])} ({', '.join(ENCODERS)})"


def _run(exe: str, flag: str) -> str:
    done = subprocess.run(
        [exe, "-hide_banner", flag], capture_output=True, text=True, timeout=TIMEOUT_S, check=True
    )
    return done.stdout


def fonts() -> str:
    """How many caption fonts load; CheckFailed naming the ones that do not."""
    broken = []
    for name in FONTS:
        try:
            ImageFont.truetype(str(font_path(name)), 24)
        except (OSError, KeyError) as exc:
            broken.append(f"{name} ({exc.__class__.__name__})")
    if broken:
        raise CheckFailed(f"cannot load {', '.join(broken)}")
    return f"{len(FONTS)} caption fonts load"
