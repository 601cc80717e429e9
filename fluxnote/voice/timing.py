"""Engine output (audio + word timings) and turning per-token spans into clean `Word`s."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fluxnote.media.timeline import Word
from fluxnote.voice.normalize import Token


@dataclass
class Speech:
    """What an engine produced: mono float32 samples and one timed word per script token."""

    samples: np.ndarray
    sample_rate: int
    words: list[Word]

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


def to_words(
    tokens: list[Token],
    spans: list[tuple[float, float] | None],
    duration: float,
    min_len: float = 0.05,
) -> list[Word]:
    """One Word per token from measured (start, end) spans, some possibly missing.

    Missing spans are interpolated between their neighbours; the result is monotonic
    (each word starts no earlier than the previous one ends) and clipped to [0, duration].
    """
    starts = _fill([s[0] if s else None for s in spans], 0.0, duration)
    ends = _fill([s[1] if s else None for s in spans], None, duration)
    words: list[Word] = []
    prev_end = 0.0
    for i, token in enumerate(tokens):
        start = min(max(starts[i], prev_end), duration)
        next_start = starts[i + 1] if i + 1 < len(tokens) else duration
        end = ends[i] if spans[i] else next_start
        end = min(max(end, start + min_len), max(next_start, start + min_len), duration)
        words.append(Word(token.text, round(float(start), 3), round(float(max(end, start)), 3)))
        prev_end = words[-1].end
    return words


def _fill(values: list[float | None], first: float | None, last: float) -> list[float]:
    """Linear interpolation over None entries, anchored at `first` (or the first known) and
    `last`."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if not known:
        n = len(values)
        return [last * i / max(n, 1) for i in range(n)]
    xs = [i for i, _ in known]
    ys = [v for _, v in known]
    if xs[0] != 0:
        xs, ys = [-1] + xs, [first if first is not None else ys[0]] + ys
    if xs[-1] != len(values) - 1:
        xs, ys = xs + [len(values)], ys + [last]
    return list(np.interp(np.arange(len(values)), xs, ys))


def match_sequences(a: list[str], b: list[str]) -> list[int]:
    """For each item of `a`, the index of the `b` item it aligns to (Levenshtein alignment;
    items of `a` with no partner take their previous neighbour's partner)."""
    n, m = len(a), len(b)
    codes: dict[str, int] = {}
    a_ids = np.array([codes.setdefault(x, len(codes)) for x in a])
    b_ids = np.array([codes.setdefault(x, len(codes)) for x in b])
    cost = (a_ids[:, None] != b_ids[None, :]).astype(np.int32)
    dist = np.zeros((n + 1, m + 1), dtype=np.int32)
    dist[0] = np.arange(m + 1)
    cols = np.arange(m + 1)
    for i in range(1, n + 1):
        row = np.empty(m + 1, dtype=np.int32)
        row[0] = i
        row[1:] = np.minimum(dist[i - 1, 1:] + 1, dist[i - 1, :-1] + cost[i - 1])
        dist[i] = np.minimum.accumulate(row - cols) + cols  # insertions along the row
    match: list[int | None] = [None] * n
    i, j = n, m
    while i > 0 and j > 0:
        if dist[i, j] == dist[i - 1, j - 1] + cost[i - 1, j - 1]:
            i, j = i - 1, j - 1
            match[i] = j
        elif dist[i, j] == dist[i - 1, j] + 1:
            i -= 1
        else:
            j -= 1
    return _fill_matches(match)


def _fill_matches(match: list[int | None]) -> list[int]:
    known = next((m for m in match if m is not None), 0)
    filled = []
    for m in match:
        known = m if m is not None else known
        filled.append(known)
    return filled
