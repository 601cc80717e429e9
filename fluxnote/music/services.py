"""The royalty-free music library: tracks generated offline by mood, cached as WAV files.

No package ships suitable music, so every track is synthesised deterministically with
numpy (fluxnote.music.compose) the first time it is needed and kept under
DATA_DIR/music; it is ours, so it is free to use in any video. Level and ducking under
the voice are the render's job (fluxnote.render.audio).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from fluxnote import config
from fluxnote.media.audio import write_wav
from fluxnote.music.compose import Style, render
from fluxnote.music.synth import SR

VERSION = "3"
TRACKS: dict[str, Style] = {
    s.id: s
    for s in [
        Style(
            "upbeat-sunny-pop",
            "Sunny Pop",
            "upbeat",
            118,
            60,
            False,
            (0, 4, 5, 3),
            "four",
            "pluck",
            "pluck",
            "octaves",
            cutoff=2600,
            seed=11,
        ),
        Style(
            "calm-morning-air",
            "Morning Air",
            "calm",
            72,
            62,
            False,
            (0, 5, 3, 4),
            "none",
            "bell",
            "keys",
            "long",
            sevenths=True,
            cutoff=1200,
            seed=12,
        ),
        Style(
            "dramatic-rising-storm",
            "Rising Storm",
            "dramatic",
            90,
            57,
            True,
            (0, 5, 2, 6),
            "halftime",
            "none",
            "pluck",
            "long",
            cutoff=2200,
            seed=13,
        ),
        Style(
            "inspiring-new-horizons",
            "New Horizons",
            "inspiring",
            100,
            55,
            False,
            (5, 3, 0, 4),
            "pop",
            "keys",
            "keys",
            "root",
            cutoff=2000,
            seed=14,
        ),
        Style(
            "suspense-night-watch",
            "Night Watch",
            "suspense",
            80,
            50,
            True,
            (0, 0, 5, 1),
            "pulse",
            "bell",
            "none",
            "pulse",
            cutoff=900,
            seed=15,
        ),
        Style(
            "lofi-rainy-desk",
            "Rainy Desk",
            "lo-fi",
            80,
            53,
            False,
            (1, 4, 0, 5),
            "lofi",
            "keys",
            "none",
            "root",
            sevenths=True,
            swing=0.12,
            crackle=True,
            cutoff=1000,
            seed=16,
        ),
        Style(
            "playful-bouncy-steps",
            "Bouncy Steps",
            "playful",
            124,
            67,
            False,
            (0, 5, 3, 4),
            "pop",
            "bell",
            "pluck",
            "octaves",
            cutoff=3000,
            seed=17,
        ),
    ]
}
MOODS = sorted({s.mood for s in TRACKS.values()})


class UnknownTrack(KeyError):
    """No music track with that id."""


def tracks() -> list[dict]:
    """The library as the API shows it."""
    return [
        {
            "id": s.id,
            "name": s.name,
            "mood": s.mood,
            "bpm": s.bpm,
            "duration_s": round(s.duration_s, 2),
        }
        for s in TRACKS.values()
    ]


def track_path(track_id: str, data_dir: Path | None = None) -> Path:
    """The track's WAV (44.1 kHz stereo), rendered on first use (~1–3 s) and cached.

    Raises UnknownTrack.
    """
    style = TRACKS.get(track_id)
    if style is None:
        raise UnknownTrack(track_id)
    folder = Path(data_dir or _data_dir()) / "music"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{track_id}-v{VERSION}.wav"
    if not path.exists():  # another process may be rendering it too: rename into place
        part = folder / f".{track_id}-{uuid.uuid4().hex}.wav"
        try:
            write_wav(part, render(style), SR)
            os.replace(part, path)
        finally:
            part.unlink(missing_ok=True)
    return path


def _data_dir() -> Path:
    return Path(config.current()["DATA_DIR"])
