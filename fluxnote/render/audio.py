"""The soundtrack: narration plus looped music, ducked under the voice, as AAC."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
from moviepy import AudioClip, AudioFileClip, CompositeAudioClip
from moviepy.audio.fx import AudioLoop

from fluxnote.render.spec import RenderSpec

SAMPLE_RATE = 44100
DUCK_LEVEL = 0.3          # music gain while the voice speaks (about -10 dB)
ENVELOPE_RATE = 8000      # Hz used to find where the voice speaks
WINDOW_S = 0.05
ATTACK_S, RELEASE_S = 0.08, 0.45


def duck_curve(voice: np.ndarray, rate: int = ENVELOPE_RATE) -> tuple[np.ndarray, np.ndarray]:
    """(times, gain) of a music gain that dips to DUCK_LEVEL where `voice` (mono or
    multi-channel samples at `rate`) is speaking, with a fast attack and slow release."""
    mono = np.abs(voice).mean(axis=1) if voice.ndim == 2 else np.abs(voice)
    step = max(1, int(rate * WINDOW_S))
    count = max(1, len(mono) // step)
    level = np.sqrt((mono[:count * step].reshape(count, step) ** 2).mean(axis=1)) if len(mono) >= step \
        else np.zeros(1)
    speaking = level > max(0.01, 0.1 * float(level.max(initial=0.0)))
    target = np.where(speaking, DUCK_LEVEL, 1.0)
    gain = np.empty_like(target)
    current = 1.0
    for i, goal in enumerate(target):
        coeff = WINDOW_S / (ATTACK_S if goal < current else RELEASE_S)
        current += (goal - current) * min(coeff, 1.0)
        gain[i] = current
    return (np.arange(count) + 0.5) * WINDOW_S, gain


def write_soundtrack(spec: RenderSpec, out_path: Path) -> Path:
    """Mix the narration and the music (looped, at spec.music_volume, ducked under the
    voice when spec.duck) into an AAC file of exactly spec.duration seconds; silence when
    there is neither. Raises OSError for unreadable audio files."""
    with contextlib.ExitStack() as stack:
        tracks, narration = [], None
        if spec.narration_path:
            narration = stack.enter_context(AudioFileClip(str(spec.narration_path), fps=SAMPLE_RATE))
            tracks.append(narration.with_duration(min(narration.duration, spec.duration)))
        if spec.music_path:
            music = stack.enter_context(AudioFileClip(str(spec.music_path), fps=SAMPLE_RATE))
            tracks.append(_music_track(music, narration, spec))
        if not tracks:
            tracks.append(AudioClip(_silence, duration=spec.duration, fps=SAMPLE_RATE))
        mix = stack.enter_context(CompositeAudioClip(tracks).with_duration(spec.duration))
        mix.write_audiofile(str(out_path), fps=SAMPLE_RATE, codec="aac", bitrate="160k", logger=None)
    return out_path


def _music_track(music: AudioFileClip, narration: AudioFileClip | None, spec: RenderSpec) -> AudioClip:
    looped = music.with_effects([AudioLoop(duration=spec.duration)])
    volume = spec.music_volume
    if narration is None or not spec.duck:
        return looped.with_volume_scaled(volume)
    times, gain = duck_curve(narration.to_soundarray(fps=ENVELOPE_RATE))

    def ducked(get_frame, t):
        level = volume * np.interp(t, times, gain, right=1.0)
        frame = get_frame(t)
        return frame * (level[:, None] if np.ndim(t) else level)

    return looped.transform(ducked)


def _silence(t):
    return np.zeros((len(t), 2)) if np.ndim(t) else np.zeros(2)
