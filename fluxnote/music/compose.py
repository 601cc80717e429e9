"""Arrangements for the generated music library: a chord progression per track, voiced
for pads, bass, arpeggios, a seeded melody and a drum pattern, in 8-bar sections of
changing energy. Tracks are 60–90 s and loop seamlessly (notes and reverb wrap around)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fluxnote.music import synth
from fluxnote.music.synth import SR

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)
DRUMS = {  # 16 steps per bar: kick, snare (or clap), closed hat
    "four": ((0, 4, 8, 12), (4, 12), (2, 6, 10, 14)),
    "pop": ((0, 6, 8, 11), (4, 12), (0, 2, 4, 6, 8, 10, 12, 14)),
    "halftime": ((0, 3, 10), (8,), (0, 4, 8, 12)),
    "lofi": ((0, 7, 10), (4, 12), (0, 2, 4, 6, 8, 10, 12, 14)),
    "pulse": ((0, 8), (), tuple(range(16))),
    "none": ((), (), ()),
}


@dataclass(frozen=True)
class Style:
    """A track's musical recipe (see TRACKS in fluxnote.music.services)."""

    id: str
    name: str
    mood: str
    bpm: int
    root: int
    minor: bool
    progression: tuple[int, ...]
    drums: str
    lead: str
    arp: str
    bass: str
    sevenths: bool = False
    swing: float = 0.0
    crackle: bool = False
    cutoff: float = 1800.0
    seed: int = 1

    @property
    def bar_s(self) -> float:
        return 240.0 / self.bpm

    @property
    def bars(self) -> int:
        """A 4-bar intro and whole 8-bar sections, as close to 75 s as 60–90 s allows."""
        fits = [4 + 8 * k for k in range(1, 12) if 60 <= (4 + 8 * k) * self.bar_s <= 90]
        return min(
            fits or [4 + 8 * max(1, round(71 / (8 * self.bar_s)))],
            key=lambda bars: abs(bars * self.bar_s - 75),
        )

    @property
    def duration_s(self) -> float:
        return self.bars * self.bar_s


def render(style: Style) -> np.ndarray:
    """The whole track as float32 stereo (n, 2) at synth.SR."""
    rng = np.random.default_rng(style.seed)
    mix = Mix(int(round(style.duration_s * SR)))
    melody = _melody(style, rng)
    for bar in range(style.bars):
        _bar(style, mix, rng, bar, melody)
    out = synth.reverb(mix.buffer, rng, mix=0.28 if style.drums in ("none", "pulse") else 0.2)
    if style.crackle:
        out += _crackle(len(out), rng)[:, None]
    out = np.tanh(out / (np.max(np.abs(out)) + 1e-9) * 1.4)
    return (out / np.max(np.abs(out)) * 0.89).astype(np.float32)


class Mix:
    """A stereo buffer that notes are added to; writes past the end wrap to the start."""

    def __init__(self, n: int):
        self.buffer = np.zeros((n, 2), dtype=np.float64)

    def add(self, at_s: float, sound: np.ndarray, gain: float, pan: float = 0.0) -> None:
        n = len(self.buffer)
        start = int(at_s * SR) % n
        sound = sound[:n] * gain
        left, right = np.sqrt(0.5 * (1 - pan)), np.sqrt(0.5 * (1 + pan))
        first = min(len(sound), n - start)
        for chunk, at in ((sound[:first], start), (sound[first:], 0)):
            self.buffer[at : at + len(chunk), 0] += chunk * left
            self.buffer[at : at + len(chunk), 1] += chunk * right


def chord(style: Style, degree: int) -> list[int]:
    """MIDI notes of the chord on a scale degree (triad, or seventh chord)."""
    scale = MINOR if style.minor else MAJOR
    tones = (0, 2, 4, 6) if style.sevenths else (0, 2, 4)
    return [style.root + scale[(degree + k) % 7] + 12 * ((degree + k) // 7) for k in tones]


def _bar(style: Style, mix: Mix, rng, bar: int, melody) -> None:
    """One bar: a 4-bar quiet intro (pads and bass), then 8-bar sections of varying energy."""
    section, position = divmod(bar - 4, 8)
    energy = 0.55 if bar < 4 else (1.0, 0.8, 1.0, 0.7)[section % 4]
    t0 = bar * style.bar_s
    step = style.bar_s / 16
    notes = chord(style, style.progression[bar % len(style.progression)])
    for i, note in enumerate(notes):
        # notes overlap the next bar so chords crossfade instead of pumping
        mix.add(
            t0, synth.pad(note, style.bar_s * 1.3, style.cutoff), 0.16, (-0.5, 0.5, 0.0, 0.2)[i]
        )
    _bass(style, mix, t0, step, notes[0] - 24)
    if style.arp != "none" and energy > 0.6:
        _arp(style, mix, t0, step, notes, energy)
    if style.lead != "none" and energy >= 0.8:
        for s, length, note in melody[bar % len(melody)]:
            mix.add(
                t0 + _swing(style, s) * step, _voice(style.lead, note, length * step), 0.26, 0.2
            )
    if energy > 0.6 or style.drums == "pulse":
        _drums(style, mix, rng, t0, step, energy, first=position == 0, last=position == 7)


def _voice(kind: str, note: int, seconds: float) -> np.ndarray:
    if kind == "pluck":
        return synth.pluck(note, max(seconds, 0.25))
    if kind == "bell":
        return synth.keys(note, max(seconds, 1.2), ratio=3.5, index=2.2, decay=2.2)
    return synth.keys(note, max(seconds, 0.6))


def _bass(style: Style, mix: Mix, t0: float, step: float, root: int) -> None:
    pattern = {
        "root": [(0, 7, 0), (8, 7, 0)],
        "long": [(0, 16, 0)],
        "octaves": [(s, 2, 12 * ((s // 2) % 2)) for s in range(0, 16, 2)],
        "pulse": [(s, 1.6, 0) for s in range(0, 16, 2)],
    }[style.bass]
    for s, length, shift in pattern:
        mix.add(t0 + _swing(style, s) * step, synth.bass(root + shift, length * step), 0.42)


def _arp(style: Style, mix: Mix, t0: float, step: float, notes: list[int], energy: float) -> None:
    order = [0, 1, 2, 1, 2, 3 % len(notes), 2, 1] if energy >= 1.0 else [0, 1, 2, 1]
    every = 16 // len(order)
    for k, idx in enumerate(order):
        note = notes[idx % len(notes)] + 12
        mix.add(
            t0 + _swing(style, k * every) * step,
            _voice(style.arp, note, every * step * 1.5),
            0.13,
            -0.3,
        )


def _drums(
    style: Style, mix: Mix, rng, t0: float, step: float, energy: float, first: bool, last: bool
) -> None:
    kicks, snares, hats = DRUMS[style.drums]
    soft = 0.6 if style.drums in ("lofi", "pulse") else 1.0
    for s in kicks:
        mix.add(t0 + s * step, synth.kick(), 0.55 * soft)
    for s in snares:
        hit = synth.clap(rng) if style.drums == "four" else synth.snare(rng)
        mix.add(t0 + _swing(style, s) * step, hit, 0.32 * soft, -0.05)
    for s in hats:
        accent = 1.0 if s % 4 == 2 else 0.6
        mix.add(t0 + _swing(style, s) * step, synth.hat(rng), 0.16 * accent * soft * energy, 0.3)
    if style.drums == "halftime" and last:
        for k, note in enumerate((50, 47, 43, 40)):
            mix.add(t0 + (12 + k) * step, synth.tom(note), 0.35)
    if first and style.drums in ("halftime", "four", "pop"):
        mix.add(t0, synth.crash(rng), 0.25, 0.2)


def _swing(style: Style, s: float) -> float:
    return s + (style.swing * 2 if int(s) % 2 == 1 else 0.0)


def _melody(style: Style, rng) -> list[list[tuple[int, float, int]]]:
    """A 4-bar phrase (repeated): per bar, (step, length in steps, midi note) events that
    land on chord tones on strong beats and move by scale steps in between."""
    scale = MINOR if style.minor else MAJOR
    rhythms = [
        [(0, 4), (4, 2), (6, 2), (8, 6)],
        [(0, 3), (3, 3), (6, 2), (8, 4), (12, 4)],
        [(0, 6), (8, 2), (10, 2), (12, 4)],
        [(2, 2), (4, 4), (8, 8)],
    ]
    phrase = []
    position = 2  # index into the scale, one octave up
    for bar in range(4):
        tones = chord(style, style.progression[bar % len(style.progression)])
        events = []
        for s, length in rhythms[int(rng.integers(len(rhythms)))]:
            if s % 8 == 0:
                note = tones[int(rng.integers(len(tones)))] + 12
                position = (
                    scale.index((note - style.root) % 12)
                    if (note - style.root) % 12 in scale
                    else position
                )
            else:
                position = int(np.clip(position + rng.choice([-1, 1, 2, -2]), 0, 9))
                note = style.root + 12 + scale[position % 7] + 12 * (position // 7)
            events.append((s, length, note))
        phrase.append(events)
    return phrase


def _crackle(n: int, rng) -> np.ndarray:
    """Vinyl dust: sparse clicks over a faint hiss."""
    out = rng.standard_normal(n) * 0.0015
    clicks = rng.integers(0, n, size=n // SR * 5)
    out[clicks] += rng.uniform(-0.06, 0.06, size=len(clicks))
    return np.convolve(out, (0.5, 0.3, 0.2), mode="same")  # soften the clicks
