"""Instruments for the generated music library: band-limited wavetable oscillators, FM keys
and bells, synthesised drums. Everything is numpy, deterministic given a seeded RNG."""

from __future__ import annotations

import functools

import numpy as np

SR = 44100
TABLE = 4096


def hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


@functools.lru_cache(maxsize=512)
def _table(midi: int, shape: str, cutoff: float) -> np.ndarray:
    """One cycle of a band-limited waveform whose harmonics roll off above `cutoff` Hz."""
    f = hz(midi)
    h = np.arange(1, max(2, int(min(16000, SR / 2.2) / f)) + 1)
    amps = (1.0 / h) if shape == "saw" else np.where(h % 2 == 1, 1.0 / h**2, 0.0)
    amps = amps * np.exp(-h * f / cutoff)
    x = np.arange(TABLE) / TABLE
    wave = (amps[:, None] * np.sin(2 * np.pi * h[:, None] * x[None, :])).sum(axis=0)
    return (wave / np.max(np.abs(wave))).astype(np.float32)


def osc(
    midi: float,
    n: int,
    shape: str = "saw",
    cutoff: float = 2000.0,
    detune: float = 0.0,
    phase: float = 0.0,
) -> np.ndarray:
    table = _table(int(round(midi)), shape, cutoff)
    step = hz(midi + detune / 100) / SR
    idx = ((phase + np.arange(n) * step) % 1.0 * TABLE).astype(np.int32)
    return table[idx]


def adsr(
    n: int, attack: float, release: float, decay: float = 0.0, sustain: float = 1.0
) -> np.ndarray:
    t = np.arange(n) / SR
    env = np.minimum(1.0, t / max(attack, 1e-3))
    if decay:
        env = env * (sustain + (1 - sustain) * np.exp(-np.maximum(t - attack, 0) / decay))
    tail = int(release * SR)
    if tail and n > tail:
        env[-tail:] *= np.linspace(1, 0, tail) ** 2
    return env


def pad(midi: float, seconds: float, cutoff: float = 1800.0) -> np.ndarray:
    n = int(seconds * SR)
    voices = sum(osc(midi, n, "saw", cutoff, d, p) for d, p in ((-8, 0.0), (0, 0.33), (7, 0.66)))
    return voices / 3 * adsr(n, 0.35 * min(1, seconds), seconds * 0.25)


def pluck(midi: float, seconds: float, bright: float = 4000.0) -> np.ndarray:
    n = int(seconds * SR)
    t = np.arange(n) / SR
    body = osc(midi, n, "saw", bright) * np.exp(-t * 9) + osc(midi, n, "square", 900) * np.exp(
        -t * 3.5
    )
    return body * adsr(n, 0.003, 0.05)


def keys(
    midi: float, seconds: float, ratio: float = 1.0, index: float = 1.6, decay: float = 1.4
) -> np.ndarray:
    """FM electric piano (ratio 1) or bell (ratio 3.5, long decay)."""
    n = int(seconds * SR)
    t = np.arange(n) / SR
    f = hz(midi)
    mod = index * np.exp(-t * 5) * np.sin(2 * np.pi * f * ratio * t)
    return np.sin(2 * np.pi * f * t + mod) * np.exp(-t * decay) * adsr(n, 0.004, 0.05)


def bass(midi: float, seconds: float, grit: float = 0.25) -> np.ndarray:
    n = int(seconds * SR)
    body = osc(midi, n, "saw", 350) * grit + np.sin(2 * np.pi * hz(midi) * np.arange(n) / SR)
    return body * adsr(n, 0.006, 0.04, decay=0.35, sustain=0.7)


def kick(seconds: float = 0.45) -> np.ndarray:
    n = int(seconds * SR)
    t = np.arange(n) / SR
    freq = 45 + 110 * np.exp(-t * 28)
    return np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t * 7) + _click(n) * 0.3


def snare(rng: np.random.Generator, seconds: float = 0.3) -> np.ndarray:
    n = int(seconds * SR)
    t = np.arange(n) / SR
    noise = np.diff(rng.standard_normal(n + 1)) * 0.35
    return noise * np.exp(-t * 16) + 0.5 * np.sin(2 * np.pi * 185 * t) * np.exp(-t * 25)


def hat(rng: np.random.Generator, open_: bool = False) -> np.ndarray:
    n = int((0.35 if open_ else 0.06) * SR)
    t = np.arange(n) / SR
    noise = np.diff(np.diff(rng.standard_normal(n + 2))) * 0.25
    return noise * np.exp(-t * (9 if open_ else 70))


def clap(rng: np.random.Generator) -> np.ndarray:
    n = int(0.25 * SR)
    t = np.arange(n) / SR
    bursts = sum(np.exp(-np.maximum(t - d, 0) * 90) * (t >= d) for d in (0, 0.011, 0.023))
    return np.diff(rng.standard_normal(n + 1)) * 0.3 * (bursts + np.exp(-t * 14) * 0.6)


def tom(midi: float = 45) -> np.ndarray:
    n = int(0.7 * SR)
    t = np.arange(n) / SR
    freq = hz(midi) * (1 + 0.5 * np.exp(-t * 14))
    return np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t * 4.5)


def crash(rng: np.random.Generator) -> np.ndarray:
    n = int(2.2 * SR)
    t = np.arange(n) / SR
    return np.diff(rng.standard_normal(n + 1)) * 0.18 * np.exp(-t * 2.2)


def _click(n: int) -> np.ndarray:
    out = np.zeros(n)
    m = min(n, int(0.004 * SR))
    out[:m] = np.hanning(2 * m)[m:] * np.sin(np.arange(m) * 1.7)
    return out


def reverb(
    stereo: np.ndarray, rng: np.random.Generator, seconds: float = 1.8, mix: float = 0.22
) -> np.ndarray:
    """Circular convolution with a decaying-noise impulse: the tail wraps to the start,
    so a track loops without a seam."""
    n = len(stereo)
    tail = int(seconds * SR)
    t = np.arange(tail) / SR
    size = 1 << int(np.ceil(np.log2(n + tail)))  # linear convolution at a fast FFT size...
    wet = np.empty_like(stereo)
    for ch in range(stereo.shape[1]):
        ir = rng.standard_normal(tail) * np.exp(-t * 6.9 / seconds)
        ir = np.convolve(ir, np.ones(6) / 6, mode="same")  # darker tail
        full = np.fft.irfft(np.fft.rfft(stereo[:, ch], size) * np.fft.rfft(ir, size), size)
        full[:tail] += full[n : n + tail]  # ...then the tail wraps: circular, seamless loop
        wet[:, ch] = full[:n]
    wet *= np.std(stereo) / (np.std(wet) + 1e-9)
    return stereo * (1 - mix) + wet * mix
