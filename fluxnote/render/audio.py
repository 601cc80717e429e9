"""The soundtrack: narration and music mixed for the platforms, as AAC.

Short ffmpeg passes over the audio only (a few CPU-seconds per minute of video):

1. Stems. The narration is brought to VOICE_LUFS and peak-limited; the music is looped,
   set 20·log10(music_volume) dB from the voice as measured and ducked under the
   voice by sidechain compression keyed on the narration, so it drops while someone speaks
   and comes back in the pauses.
2. Measure. The stems are summed and ffmpeg's ebur128 measures the sum's integrated
   loudness (ITU BS.1770; the levelling passes read only that, so only the check of the
   encoded file pays for the 4x-oversampled true peak).
3. Master. The same sum gets the one gain that puts it at TARGET_LUFS, through a fast
   limiter whose ceiling keeps true peaks under TARGET_TP after AAC (48 kHz, exactly
   spec.duration long); the encoded file is measured again (loudness and true peak) and,
   at most LIMIT_ROUNDS times, the gain corrected for the loudness the limiter took with
   the peaks and the ceiling lowered by any true peak the AAC encoder pushed over TARGET_TP
   (plus TP_MARGIN: the overshoot moves with the gain, so aiming at the line oscillates).

ffmpeg's loudnorm is not used: its integrated measure differs from BS.1770 by up to ~1 LU
on speech over a music bed, and where the peaks do not allow one linear gain it falls back
to a dynamic mode that rides the levels.
"""

from __future__ import annotations

import math
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from fluxnote.media.ffmpeg import ffmpeg_exe
from fluxnote.render.spec import RenderSpec

SAMPLE_RATE = 48000
TARGET_LUFS = -14.0  # integrated, what YouTube, TikTok and Instagram normalise to
TARGET_TP = -1.5  # dBTP: below the -1 dBTP platforms ask for, margin for the AAC encoder
LIMIT_DB = TARGET_TP - 0.8  # the master limiter's sample-peak ceiling: room for the
# inter-sample peaks and the AAC encoder's overshoot (measured: true peak -1.9 to -2.5)
LIMIT_ROUNDS = 3  # gain corrections for the loudness the limiter takes with the peaks
TP_MARGIN = 0.15  # dB below TARGET_TP that a lowered ceiling aims for (overshoot varies)
LUFS_TOLERANCE = 0.25
VOICE_LUFS = -16.0  # where the narration stem is levelled before mixing
VOICE_PEAK_DB = -7.0  # the narration stem's sample-peak ceiling (loud plosives limited)
SILENT_LUFS = -70.0  # ebur128's floor: a stem or mix this quiet is silence
# Sidechain ducking keyed on the levelled narration: speech (about -19 dBFS RMS at
# VOICE_LUFS) pulls the music down 12-15 dB; quiet breaths and pauses let it back up.
DUCK = "sidechaincompress=threshold=0.015:ratio=6:attack=15:release=450:knee=4"
AAC_BITRATE = "192k"


@dataclass(frozen=True)
class Loudness:
    """EBU R128 (ITU BS.1770) figures of one signal, as ffmpeg's ebur128 measures them."""

    integrated: float  # LUFS (-70 for silence)
    true_peak: float  # dBTP
    lra: float  # LU


@dataclass(frozen=True)
class Stems:
    """The two parts of the mix, float WAVs of exactly the render's length (None: absent)."""

    voice: Path | None
    music: Path | None


def write_soundtrack(spec: RenderSpec, out_path: Path) -> None:
    """Mix spec's narration and music into an AAC file of exactly spec.duration seconds
    at TARGET_LUFS / TARGET_TP (silence when there is neither). Raises OSError when ffmpeg
    cannot read a file."""
    with tempfile.TemporaryDirectory(prefix="fluxnote-audio-") as tmp:
        master(write_stems(spec, Path(tmp)), spec.duration, Path(out_path))


def write_stems(spec: RenderSpec, folder: Path) -> Stems:
    """The levelled narration and the looped, ducked music as float WAVs in `folder`."""
    samples = _samples(spec.duration)
    voice = _voice_stem(spec, folder / "voice.wav", samples)
    music = None
    if spec.music_path is not None and spec.music_volume > 0:
        voice_level = _integrated(["-i", str(voice)]) if voice is not None else VOICE_LUFS
        music = _music_stem(spec, voice_level, voice, folder / "music.wav", samples)
    return Stems(voice, music)


def _voice_stem(spec: RenderSpec, out: Path, samples: int) -> Path | None:
    gain = _gain_to(VOICE_LUFS, spec.narration_path)
    if gain is None:
        return None
    chain = (
        f"{_FORMAT},volume={gain:.2f}dB,"
        f"alimiter=limit={10 ** (VOICE_PEAK_DB / 20):.4f}:attack=1:release=20:level=0,"
        f"apad,atrim=end_sample={samples}"
    )
    _ffmpeg(["-i", str(spec.narration_path), "-af", chain, *_F32, str(out)])
    return out


def _music_stem(
    spec: RenderSpec, voice_level: float, voice: Path | None, out: Path, samples: int
) -> Path | None:
    """The music looped to length, 20·log10(music_volume) dB from the voice, ducked."""
    gain = _gain_to(voice_level + 20 * math.log10(spec.music_volume), spec.music_path)
    if gain is None:
        return None
    bed = f"[0:a]{_FORMAT},volume={gain:.2f}dB,atrim=end_sample={samples}"
    if voice is None or not spec.duck:
        inputs, graph = [], f"{bed}[out]"
    else:
        inputs, graph = ["-i", str(voice)], f"{bed}[bed];[bed][1:a]{DUCK}[out]"
    _ffmpeg(
        ["-stream_loop", "-1", "-i", str(spec.music_path), *inputs]
        + ["-filter_complex", graph, "-map", "[out]", *_F32, str(out)]
    )
    return out


def master(stems: Stems, duration: float, out_path: Path) -> None:
    """Sum the stems, bring the sum to TARGET_LUFS (pass 1 measures it, pass 2 applies the
    gain through a true-peak limiter, corrected once or twice for what the limiter takes)
    and encode AAC to `out_path`. Raises OSError on ffmpeg failure."""
    samples = _samples(duration)
    parts = [p for p in (stems.voice, stems.music) if p is not None]
    if not parts:
        silence = ["-f", "lavfi", "-i", f"anullsrc=r={SAMPLE_RATE}:cl=stereo"]
        _ffmpeg([*silence, "-af", f"atrim=end_sample={samples}", *_AAC, str(out_path)])
        return
    inputs = [arg for part in parts for arg in ("-i", str(part))]
    mixed = (
        "".join(f"[{i}:a]" for i in range(len(parts)))
        + f"amix=inputs={len(parts)}:normalize=0:duration=longest"
        if len(parts) > 1
        else "[0:a]anull"
    )
    measured = _integrated(inputs, mixed)
    gain, ceiling = TARGET_LUFS - measured, LIMIT_DB
    for _ in range(LIMIT_ROUNDS):
        graph = _limited(mixed, gain, ceiling, samples)
        _ffmpeg([*inputs, "-filter_complex", graph, "-map", "[out]", *_AAC, str(out_path)])
        if measured <= SILENT_LUFS:
            break
        encoded = measure(out_path)
        miss, over = TARGET_LUFS - encoded.integrated, encoded.true_peak - TARGET_TP
        if abs(miss) <= LUFS_TOLERANCE and over <= 0:
            break
        gain += miss  # the limiter took loudness with the peaks: give it back (at most 1:1)
        if over > 0:  # the AAC encoder overshot more than the ceiling allows: go under it
            ceiling -= over + TP_MARGIN


def _limited(mixed: str, gain: float, ceiling: float, samples: int) -> str:
    """The sum at `gain` dB through the master limiter (sample peaks at `ceiling` dB), cut
    to length."""
    return (
        f"{mixed},volume={gain:.2f}dB,"
        f"alimiter=limit={10 ** (ceiling / 20):.4f}:attack=1:release=10:level=0,"
        f"atrim=end_sample={samples}[out]"
    )


def measure(path: Path) -> Loudness:
    """EBU R128 loudness of an audio (or video) file by ffmpeg's ebur128 filter. Raises
    OSError when ffmpeg cannot read it."""
    log = _ebur128(["-i", str(path)], "[0:a]anull", "peak=true")
    return Loudness(_figure(log, "I"), _figure(log, "Peak"), _figure(log, "LRA"))


def _gain_to(target_lufs: float, path: Path | None) -> float | None:
    """dB that bring the file at `path` to `target_lufs`; None when absent or silent."""
    if path is None:
        return None
    level = _integrated(["-i", str(path)])
    return None if level <= SILENT_LUFS else target_lufs - level


def _integrated(inputs: list[str], graph: str = "[0:a]anull") -> float:
    """Integrated loudness (LUFS) only: what the levelling passes read. The true peak (4x
    oversampled) would double their cost; only the encoded file's check needs it."""
    return _figure(_ebur128(inputs, graph, "peak=none"), "I")


def _ebur128(inputs: list[str], graph: str, peak: str) -> str:
    """ffmpeg's ebur128 over `graph`; returns the log's closing summary."""
    log = _ffmpeg(
        [*inputs, "-filter_complex", f"{graph},ebur128={peak}:framelog=quiet[out]"]
        + ["-map", "[out]", "-f", "null", "-"],
        loglevel="info",
    )
    return log[log.rindex("Summary:") :]


def _figure(summary: str, label: str) -> float:
    return float(re.search(rf"{label}:\s+(-?(?:[\d.]+|inf))", summary).group(1))


def _samples(duration: float) -> int:
    return max(1, round(duration * SAMPLE_RATE))


def _ffmpeg(args: list[str], loglevel: str = "error") -> str:
    """Run ffmpeg; returns its log. Raises OSError with its message when it fails."""
    proc = subprocess.run(
        [ffmpeg_exe(), "-y", "-nostdin", "-nostats", "-hide_banner", "-loglevel", loglevel] + args,
        capture_output=True,
        timeout=600,
    )
    log = proc.stderr.decode(errors="replace")
    if proc.returncode != 0:
        raise OSError(f"ffmpeg failed: {log.strip()[-500:]}")
    return log


_FORMAT = f"aformat=sample_fmts=fltp:sample_rates={SAMPLE_RATE}:channel_layouts=stereo"
_F32 = ["-c:a", "pcm_f32le"]
_AAC = ["-c:a", "aac", "-b:a", AAC_BITRATE, "-ar", str(SAMPLE_RATE), "-ac", "2"]
