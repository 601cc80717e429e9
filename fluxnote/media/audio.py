"""Small audio helpers on float32 numpy arrays: WAV in/out, decoding, resampling, energy."""

from __future__ import annotations

import os
import subprocess
import wave
from pathlib import Path

import numpy as np

from fluxnote.media.ffmpeg import ffmpeg_exe


def write_wav(path: Path, samples: np.ndarray, sample_rate: int) -> Path:
    """Write mono or (n, 2) stereo float samples in [-1, 1] as 16-bit PCM, atomically."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with wave.open(str(tmp), "wb") as out:
        out.setnchannels(1 if pcm.ndim == 1 else pcm.shape[1])
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm.tobytes())
    os.replace(tmp, path)
    return path


def load_audio(path: Path, sample_rate: int = 16000) -> np.ndarray:
    """Decode any audio file ffmpeg understands to mono float32 at `sample_rate`.

    Raises ValueError when the file cannot be decoded.
    """
    if path.suffix.lower() == ".wav":
        try:
            samples, rate = read_wav(path)
            return resample(samples, rate, sample_rate)
        except (wave.Error, EOFError, ValueError):
            pass  # not a PCM16 WAV: let ffmpeg try
    cmd = [
        ffmpeg_exe(),
        "-v",
        "error",
        "-i",
        str(path),
        "-ac",
        "1",
        "-ar",
        str(sample_rate),
        "-f",
        "f32le",
        "-",
    ]
    proc = subprocess.run(cmd, capture_output=True, timeout=120)
    if proc.returncode != 0 or not proc.stdout:
        raise ValueError(f"Cannot decode audio: {proc.stderr.decode(errors='replace')[:200]}")
    return np.frombuffer(proc.stdout, dtype="<f4").copy()


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """A 16-bit PCM WAV as mono float32 and its rate. Raises wave.Error / ValueError."""
    with wave.open(str(path), "rb") as src:
        if src.getsampwidth() != 2:
            raise ValueError("only 16-bit PCM WAV is read directly")
        channels, rate = src.getnchannels(), src.getframerate()
        data = np.frombuffer(src.readframes(src.getnframes()), dtype="<i2")
    samples = data.reshape(-1, channels).mean(axis=1) / 32768.0
    return samples.astype(np.float32), rate


def resample(samples: np.ndarray, rate: int, new_rate: int) -> np.ndarray:
    """Linear-interpolation resampling (speech-grade; fine for alignment and pitch moves)."""
    if rate == new_rate or not len(samples):
        return samples.astype(np.float32)
    return stretch(samples, new_rate / rate)


def stretch(samples: np.ndarray, factor: float) -> np.ndarray:
    """Play `samples` `factor` times longer (pitch drops by the same factor)."""
    n = int(round(len(samples) * factor))
    positions = np.arange(n) / factor
    return np.interp(positions, np.arange(len(samples)), samples).astype(np.float32)


def frame_energy(samples: np.ndarray, sample_rate: int, hop_s: float = 0.01) -> np.ndarray:
    """RMS energy in dB per `hop_s` frame (window = 2.5 hops)."""
    hop = max(1, int(sample_rate * hop_s))
    win = int(hop * 2.5)
    padded = np.concatenate([samples, np.zeros(win, dtype=samples.dtype)])
    n = max(1, len(samples) // hop)
    idx = np.arange(n)[:, None] * hop + np.arange(win)[None, :]
    rms = np.sqrt(np.mean(padded[idx] ** 2, axis=1) + 1e-12)
    return 20 * np.log10(rms)


def speech_mask(energy_db: np.ndarray) -> np.ndarray:
    """Frames that hold speech: above a threshold between the noise floor and speech level."""
    floor, level = np.percentile(energy_db, 10), np.percentile(energy_db, 95)
    threshold = max(floor + 0.3 * (level - floor), level - 45)
    return energy_db > threshold


def last_voiced(samples: np.ndarray, sample_rate: int, start: float, end: float) -> float:
    """The time the sound in [start, end] fades out (end of a word before a pause)."""
    a, b = int(start * sample_rate), int(end * sample_rate)
    if b - a < sample_rate // 20:
        return end
    energy = frame_energy(samples[a:b], sample_rate)
    level = np.max(energy)
    voiced = np.nonzero(energy > level - 30)[0]
    return start + (voiced[-1] + 2) * 0.01 if len(voiced) else end
