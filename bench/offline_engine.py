"""Offline engine speed: draw_image per aspect and animate's frame rate at 1080×1920.

Baselines measured in the same run: for draw_image, one full-frame PNG encode of the
same picture (what storing it costs anyway); for animate, piping the same number of
static frames through the same ffmpeg encoder (the camera work is the difference).

    .venv/bin/python bench/offline_engine.py
"""

import io
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from fluxnote.media.ffmpeg import RawVideoWriter
from fluxnote.providers.offline import animate, draw_image
from fluxnote.providers.offline.animate import FPS

PROMPTS = [
    "5 money habits",
    "Tokyo at night",
    "Deep space",
    "Pizza recipe",
    "Yoga routine",
    "Ocean waves",
    "Hiking the Alps",
    "Stoicism",
    "Future of AI",
    "Jazz history",
    "Love",
    "Run",
]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_draw() -> None:
    for width, height in ((1080, 1920), (1920, 1080), (1080, 1080)):
        times = [timed(lambda p=p, w=width, h=height: draw_image(p, w, h)) for p in PROMPTS]
        image = draw_image(PROMPTS[0], width, height)
        png = statistics.median(
            timed(lambda im=image: im.save(io.BytesIO(), "PNG", compress_level=1)) for _ in range(3)
        )
        print(
            f"draw_image {width}x{height}: median {statistics.median(times) * 1000:.0f} ms, "
            f"p95 {sorted(times)[int(len(times) * 0.95) - 1] * 1000:.0f} ms; "
            f"PNG encode baseline {png * 1000:.0f} ms (ratio {statistics.median(times) / png:.2f})"
        )


def bench_animate(seconds: float = 5.0) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, prompt in enumerate(PROMPTS[:2]):
            paths.append(Path(tmp) / f"{i}.png")
            draw_image(prompt, 1080, 1920).save(paths[-1], compress_level=1)
        took = timed(lambda: animate(paths, seconds, 1080, 1920, Path(tmp) / "a.mp4", seed=1))
        frame = np.zeros((1920, 1080, 3), np.uint8)

        def static() -> None:
            with RawVideoWriter(
                Path(tmp) / "b.mp4", 1080, 1920, FPS, "veryfast", pix_fmt="bgr24", crf=20
            ) as enc:
                for _ in range(int(seconds * FPS)):
                    enc.write(frame)

        base = timed(static)
    frames = seconds * FPS
    print(
        f"animate 1080x1920 {seconds:.0f} s, 2 images: {took:.1f} s = {frames / took:.1f} fps "
        f"({seconds / took:.2f}x real time); static-frame encode baseline {frames / base:.1f} fps "
        f"(ratio {took / base:.2f})"
    )


if __name__ == "__main__":
    bench_draw()
    bench_animate()
