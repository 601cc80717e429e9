"""The royalty-free music library: tracks generated offline by mood, cached as WAV files.

No package ships suitable music, so every track is synthesised deterministically with
numpy (fluxnote.music.compose) the first time it is needed and kept under
DATA_DIR/music; it is ours, so it is free to use in any video. Volume and ducking are
applied at render time (`duck_envelope` helps with the latter).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from fluxnote.music.compose import Style, render
from fluxnote.music.synth import SR
from fluxnote.voice.audio import frame_energy, read_wav, speech_mask, write_wav

VERSION = "3"
TRACKS: dict[str, Style] = {s.id: s for s in [
    Style("upbeat-sunny-pop", "Sunny Pop", "upbeat", 118, 60, False, (0, 4, 5, 3), "four",
          "pluck", "pluck", "octaves", cutoff=2600, seed=11),
    Style("calm-morning-air", "Morning Air", "calm", 72, 62, False, (0, 5, 3, 4), "none",
          "bell", "keys", "long", sevenths=True, cutoff=1200, seed=12),
    Style("dramatic-rising-storm", "Rising Storm", "dramatic", 90, 57, True, (0, 5, 2, 6),
          "halftime", "none", "pluck", "long", cutoff=2200, seed=13),
    Style("inspiring-new-horizons", "New Horizons", "inspiring", 100, 55, False, (5, 3, 0, 4),
          "pop", "keys", "keys", "root", cutoff=2000, seed=14),
    Style("suspense-night-watch", "Night Watch", "suspense", 80, 50, True, (0, 0, 5, 1),
          "pulse", "bell", "none", "pulse", cutoff=900, seed=15),
    Style("lofi-rainy-desk", "Rainy Desk", "lo-fi", 80, 53, False, (1, 4, 0, 5), "lofi",
          "keys", "none", "root", sevenths=True, swing=0.12, crackle=True, cutoff=1000, seed=16),
    Style("playful-bouncy-steps", "Bouncy Steps", "playful", 124, 67, False, (0, 5, 3, 4),
          "pop", "bell", "pluck", "octaves", cutoff=3000, seed=17),
]}
MOODS = sorted({s.mood for s in TRACKS.values()})


class UnknownTrack(KeyError):
    """No music track with that id."""


def tracks() -> list[dict]:
    """The library as the API shows it."""
    return [{"id": s.id, "name": s.name, "mood": s.mood, "bpm": s.bpm,
             "duration_s": round(s.duration_s, 2)} for s in TRACKS.values()]


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
    if not path.exists():
        write_wav(path, render(style), SR)
    return path


def duck_envelope(voice_wav: Path, music_len: int, sr: int, depth: float = 0.3,
                  attack_s: float = 0.08, release_s: float = 0.45) -> np.ndarray:
    """Gain per music sample (length `music_len` at rate `sr`): 1 where the narration is
    silent, `depth` while it speaks, with smooth attack/release. The narration starts at
    music sample 0. Raises ValueError / wave.Error if the WAV cannot be read."""
    samples, rate = read_wav(Path(voice_wav))
    talking = speech_mask(frame_energy(samples, rate)).astype(np.float64) if len(samples) else np.zeros(1)
    frames = np.interp(np.arange(music_len) / sr / 0.01, np.arange(len(talking)), talking,
                       right=0.0)
    target = 1.0 - (1.0 - depth) * frames
    return _smooth(target, sr, attack_s, release_s).astype(np.float32)


def _smooth(target: np.ndarray, sr: int, attack_s: float, release_s: float) -> np.ndarray:
    """Ducking follows voice onsets quickly (attack) and recovers slowly (release)."""
    hop = max(1, sr // 100)
    coarse = target[::hop]
    out = np.empty_like(coarse)
    level = 1.0
    down, up = 1 - np.exp(-0.01 / attack_s), 1 - np.exp(-0.01 / release_s)
    for i, goal in enumerate(coarse):
        level += (goal - level) * (down if goal < level else up)
        out[i] = level
    return np.interp(np.arange(len(target)), np.arange(len(coarse)) * hop, out)


def _data_dir() -> Path:
    from flask import current_app, has_app_context
    if has_app_context():
        return Path(current_app.config["DATA_DIR"])
    return Path(os.environ.get("FLUXNOTE_DATA_DIR", "instance")).resolve()
