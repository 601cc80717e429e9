"""Voice and music benchmark: piper speed, alignment accuracy, music rendering.

    .venv/bin/python bench/voice.py

Prints: piper synthesis × realtime for a ~60 s script (with our word timing vs piper
alone as the baseline), espeak × realtime, offline alignment error against piper's own
word timings (vs spreading words evenly as the baseline), music render time per track.
"""

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fluxnote.media.audio import resample
from fluxnote.music.services import TRACKS, track_path
from fluxnote.voice import align, espeak_tts, piper_tts
from fluxnote.voice.normalize import speech_text, tokenize
from fluxnote.voice.timing import to_words

SCRIPTS = [
    "Here are three facts that will change how you see the sea. First, the deepest point is "
    "nearly eleven kilometers down. Second, we have mapped less of it than of Mars! And third, "
    "most of the oxygen you breathe comes from tiny ocean plants.",
    "Dr. Smith paid $5.50 on 3/4/2026 — e.g. twice! Most people never notice the small things.",
    "The Roman Empire did not fall in a day. It slowly cracked under the weight of inflation, "
    "plague, and endless civil wars, until in 476 the last emperor quietly stepped aside.",
    "Want to save money on groceries? Plan your meals, shop with a list, and never go to the "
    "store hungry. These three habits saved me about 200 dollars a month.",
]


def bench_piper() -> None:
    piper_tts.load_voice()
    text = " ".join(SCRIPTS * 2)
    tokens = tokenize(text)
    start = time.perf_counter()
    speech = piper_tts.synthesize(tokens)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    raw = sum(
        len(c.audio_float_array) for c in piper_tts.load_voice().synthesize(speech_text(tokens)[0])
    )
    plain = time.perf_counter() - start
    print(
        f"piper: {speech.duration_s:.1f} s of speech in {ours:.2f} s = {speech.duration_s / ours:.1f}x "
        f"realtime (piper alone, no timings: {raw / 22050 / plain:.1f}x; overhead {ours / plain:.2f}x)"
    )
    start = time.perf_counter()
    es = espeak_tts.synthesize(tokenize(text, "es"), "es")
    took = time.perf_counter() - start
    print(
        f"espeak-ng: {es.duration_s:.1f} s in {took:.2f} s = {es.duration_s / took:.0f}x realtime"
    )


def bench_alignment() -> None:
    ours, even, took, total = [], [], 0.0, 0.0
    for text in SCRIPTS:
        tokens = tokenize(text)
        speech = piper_tts.synthesize(tokens)
        samples = resample(speech.samples, speech.sample_rate, align.RATE)
        start = time.perf_counter()
        words = align.align_samples(samples, align.RATE, tokens)
        took += time.perf_counter() - start
        total += speech.duration_s
        ours += [abs(a.start - b.start) for a, b in zip(words, speech.words, strict=False)]
        even += [
            abs(a.start - b.start)
            for a, b in zip(_evenly(tokens, speech.duration_s), speech.words, strict=False)
        ]
    print(
        f"alignment ({len(ours)} words, {total:.0f} s, {total / took:.0f}x realtime): "
        f"start error mean {np.mean(ours):.3f} s, median {np.median(ours):.3f} s, "
        f"p90 {np.percentile(ours, 90):.3f} s, max {np.max(ours):.3f} s"
    )
    print(
        f"  baseline (words spread evenly by letters): mean {np.mean(even):.3f} s "
        f"-> ours is {np.mean(even) / np.mean(ours):.1f}x more accurate"
    )


def _evenly(tokens, duration):
    weights = np.array([align.expected_length(t) for t in tokens])
    edges = np.concatenate([[0], np.cumsum(weights)]) / weights.sum() * duration
    return to_words(tokens, list(zip(edges[:-1], edges[1:], strict=False)), duration)


def bench_music() -> None:
    with tempfile.TemporaryDirectory() as folder:
        times = {}
        for track_id in TRACKS:
            start = time.perf_counter()
            track_path(track_id, Path(folder))
            times[track_id] = time.perf_counter() - start
    audio = sum(s.duration_s for s in TRACKS.values())
    print(
        f"music: {len(TRACKS)} tracks, {audio:.0f} s of audio rendered in {sum(times.values()):.1f} s "
        f"(median {statistics.median(times.values()):.1f} s per track)"
    )


if __name__ == "__main__":
    bench_piper()
    bench_alignment()
    bench_music()
