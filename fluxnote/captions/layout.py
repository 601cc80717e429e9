"""Grouping timed words into caption pages and finding what is on screen at a time."""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass

from fluxnote.media.timeline import Word

PAUSE_S = 0.7  # a silence this long starts a new page
HOLD_S = 0.6  # how long a page stays after its last word when nothing follows
_SENTENCE_END = (".", "!", "?", "…", ":", ";")


@dataclass(frozen=True)
class Page:
    """Consecutive words shown together from `start` to `end` (seconds)."""

    words: tuple[Word, ...]
    start: float
    end: float

    def active_index(self, t: float) -> int:
        """Index of the word being spoken at `t` (the last one started; -1 before the first)."""
        return bisect.bisect_right([w.start for w in self.words], t) - 1


def paginate(words: list[Word], max_words: int) -> list[Page]:
    """Split words into pages of at most `max_words`, breaking at sentence ends and pauses.

    Words are sorted by start; empty words are dropped. Each page is shown until the
    next one starts (or HOLD_S after its last word, whichever is first).
    """
    groups: list[list[Word]] = []
    for word in sorted((w for w in words if w.text.strip()), key=lambda w: w.start):
        last = groups[-1] if groups else None
        if (
            last is None
            or len(last) >= max_words
            or last[-1].text.rstrip().endswith(_SENTENCE_END)
            or word.start - last[-1].end > PAUSE_S
        ):
            groups.append([word])
        else:
            last.append(word)
    pages = []
    for i, group in enumerate(groups):
        end = group[-1].end + HOLD_S
        if i + 1 < len(groups):
            end = min(end, groups[i + 1][0].start)
        pages.append(Page(tuple(group), group[0].start, max(end, group[-1].end)))
    return pages


class PageIndex:
    """Finds the page on screen at a time in O(log n)."""

    def __init__(self, pages: list[Page]):
        self.pages = pages
        self._starts = [p.start for p in pages]

    def at(self, t: float) -> Page | None:
        i = bisect.bisect_right(self._starts, t) - 1
        if i < 0 or t >= self.pages[i].end:
            return None
        return self.pages[i]


def break_lines(widths: list[float], space: float, max_width: float) -> list[list[int]]:
    """Word indices per line: as few lines as greedy filling needs (each at most
    `max_width`, a word wider than that alone on its line), then balanced so the widest
    line is as narrow as possible ("HERE IS / WHAT NOBODY", not "HERE IS WHAT / NOBODY")."""
    greedy = _greedy_lines(widths, space, max_width)
    count = len(greedy)
    if count <= 1 or len(widths) > 12:
        return greedy
    best, best_lines = _widest(greedy, widths, space), greedy
    for cuts in itertools.combinations(range(1, len(widths)), count - 1):
        bounds = (0, *cuts, len(widths))
        lines = [list(range(a, b)) for a, b in zip(bounds, bounds[1:], strict=False)]
        widest = _widest(lines, widths, space)
        if widest < best - 0.5 and all(
            len(line) == 1 or _width(line, widths, space) <= max_width for line in lines
        ):
            best, best_lines = widest, lines
    return best_lines


def _width(line: list[int], widths: list[float], space: float) -> float:
    return sum(widths[i] for i in line) + space * (len(line) - 1)


def _widest(lines: list[list[int]], widths: list[float], space: float) -> float:
    return max(_width(line, widths, space) for line in lines)


def _greedy_lines(widths: list[float], space: float, max_width: float) -> list[list[int]]:
    lines: list[list[int]] = [[]]
    used = 0.0
    for i, width in enumerate(widths):
        extra = width if not lines[-1] else space + width
        if lines[-1] and used + extra > max_width:
            lines.append([i])
            used = width
        else:
            lines[-1].append(i)
            used += extra
    return lines if lines[0] else []
