"""Small synthetic media for render tests and the benchmark: images, a voice-like WAV,
a music WAV and timed words."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from fluxnote.media.timeline import Word

RATE = 22050


def make_image(path: Path, seed: int, size: tuple[int, int] = (720, 1280)) -> Path:
    """A colourful gradient with shapes (so camera moves are visible)."""
    rng = np.random.default_rng(seed)
    w, h = size
    base = rng.integers(40, 200, 3)
    ys, xs = np.mgrid[0:h, 0:w]
    rgb = np.stack(
        [(base[i] + 55 * np.sin(xs / (60 + 20 * i) + ys / 90 + seed)) for i in range(3)], -1
    )
    img = Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x, y, r = int(rng.integers(0, w)), int(rng.integers(0, h)), int(rng.integers(20, 120))
        draw.ellipse(
            (x - r, y - r, x + r, y + r), fill=tuple(int(c) for c in rng.integers(0, 255, 3))
        )
    img.save(path)
    return path


def make_voice(path: Path, words: list[Word], duration: float) -> Path:
    """A mono WAV with a tone burst during each word and silence between words."""
    t = np.arange(int(duration * RATE)) / RATE
    signal = np.zeros_like(t)
    for i, word in enumerate(words):
        on = (t >= word.start) & (t < word.end)
        signal[on] = 0.4 * np.sin(2 * np.pi * (180 + 40 * (i % 4)) * t[on])
    return _write_wav(path, signal[:, None])


def make_music(path: Path, duration: float) -> Path:
    """A stereo chord pad."""
    t = np.arange(int(duration * RATE)) / RATE
    pad = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6)) / 4
    return _write_wav(path, np.stack([pad, pad], axis=1))


def _write_wav(path: Path, samples: np.ndarray) -> Path:
    data = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(data.shape[1])
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(data.tobytes())
    return path


def timed_words(
    text: str, start: float = 0.2, per_word: float = 0.4, gap: float = 0.05
) -> list[Word]:
    words, t = [], start
    for token in text.split():
        words.append(Word(token, round(t, 3), round(t + per_word - gap, 3)))
        t += per_word
    return words


def make_flat_image(
    path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (360, 640)
) -> Path:
    Image.new("RGB", size, colour).save(path)
    return path


def make_video(path: Path, colours: list[str], seconds_each: float, size: str = "320x240") -> Path:
    """An MP4 showing each colour for `seconds_each` seconds (ffmpeg lavfi sources)."""
    import subprocess

    from fluxnote.media.ffmpeg import ffmpeg_exe

    cmd = [ffmpeg_exe(), "-y", "-loglevel", "error"]
    for colour in colours:
        cmd += ["-f", "lavfi", "-i", f"color=c={colour}:s={size}:r=30:d={seconds_each}"]
    inputs = "".join(f"[{i}:v]" for i in range(len(colours)))
    cmd += [
        "-filter_complex",
        f"{inputs}concat=n={len(colours)}:v=1:a=0[v]",
        "-map",
        "[v]",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        str(path),
    ]
    subprocess.run(cmd, check=True)
    return path


def probe(path: Path) -> dict:
    """Stream facts of a media file from ffmpeg's banner: size, fps, codecs, duration."""
    import re
    import subprocess

    from fluxnote.media.ffmpeg import ffmpeg_exe

    text = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True
    ).stderr
    video = re.search(r"Video: (\w+).*?, (\d+)x(\d+).*?, ([\d.]+) fps", text)
    audio = re.search(r"Audio: (\w+)", text)
    hours, minutes, seconds = re.search(r"Duration: (\d+):(\d+):([\d.]+)", text).groups()
    return {
        "video_codec": video.group(1) if video else None,
        "size": (int(video.group(2)), int(video.group(3))) if video else None,
        "fps": float(video.group(4)) if video else None,
        "audio_codec": audio.group(1) if audio else None,
        "duration": int(hours) * 3600 + int(minutes) * 60 + float(seconds),
        "pix_fmt": "yuv420p" if "yuv420p" in text else None,
    }


def frame_at(path: Path, t: float) -> np.ndarray:
    """The decoded RGB frame at `t` seconds."""
    from moviepy import VideoFileClip

    with VideoFileClip(str(path), audio=False) as clip:
        return clip.get_frame(t)


def near(frame: np.ndarray, colour: tuple[int, int, int], tolerance: int = 40) -> np.ndarray:
    """Mask of pixels within `tolerance` (per channel) of `colour`."""
    return (np.abs(frame.astype(int) - np.array(colour)) <= tolerance).all(axis=-1)


def ebur128(path: Path) -> dict:
    """ffmpeg's ebur128 on a file's audio: integrated "I" (LUFS), true peak "TP" (dBTP)
    and the momentary loudness "M" as (t, LUFS) every 100 ms."""
    import re
    import subprocess

    from fluxnote.media.ffmpeg import ffmpeg_exe

    log = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostats", "-loglevel", "verbose", "-i", str(path)]
        + ["-filter_complex", "ebur128=peak=true:framelog=verbose", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    summary = log[log.rindex("Summary:") :]
    figure = lambda label: float(  # noqa: E731
        re.search(rf"{label}:\s+(-?(?:[\d.]+|inf))", summary).group(1)
    )
    momentary = [
        (float(t), float(m)) for t, m in re.findall(r"t: ([\d.]+)\s+TARGET.*?M:\s*(-?[\d.]+)", log)
    ]
    return {"I": figure("I"), "TP": figure("Peak"), "M": momentary}


def colour_tags(path: Path) -> str:
    """The video stream's pixel format and colour description as ffmpeg prints it,
    e.g. "yuv420p(tv, bt709, progressive)"."""
    import re
    import subprocess

    from fluxnote.media.ffmpeg import ffmpeg_exe

    text = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True
    ).stderr
    return re.search(r"Video: h264[^,]*, (yuv420p\([^)]*\))", text).group(1)


def luma_frames(path: Path, width: int, height: int) -> np.ndarray:
    """Every decoded frame's Y plane, shape (frames, height, width)."""
    import subprocess

    from fluxnote.media.ffmpeg import ffmpeg_exe

    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width)


def pcm(path: Path, rate: int = 48000) -> np.ndarray:
    """A file's audio decoded to mono float32 at `rate`."""
    import subprocess

    from fluxnote.media.ffmpeg import ffmpeg_exe

    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-ac", "1", "-ar", str(rate)]
        + ["-f", "f32le", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, "<f4")
