"""The caption track of a render: which sprite to blend at each frame time.

Captions belong to their scene: words are paginated scene by scene and a page leaves the
screen at the cut to the next scene, so no page straddles two scenes (and a segment's
captions depend on its own scene's words only).
"""

from __future__ import annotations

import bisect
import math

import numpy as np

from fluxnote.captions.layout import Page, PageIndex, paginate
from fluxnote.captions.sprites import PageLayout, SpriteRenderer
from fluxnote.captions.styles import resolve_style
from fluxnote.media.timeline import Word
from fluxnote.media.yuv import YuvSprite, sprite_from_rgba
from fluxnote.render.spec import CaptionSpec


def scene_pages(words: list[Word], max_words: int, scene_starts: list[float]) -> list[Page]:
    """Pages of at most `max_words`, never across a scene start (a word belongs to the
    scene it starts in), each ending at the latest when its scene does."""
    cuts = sorted(scene_starts)[1:]
    groups: dict[int, list[Word]] = {}
    for word in words:
        groups.setdefault(bisect.bisect_right(cuts, word.start), []).append(word)
    pages = []
    for scene, group in sorted(groups.items()):
        end = cuts[scene] if scene < len(cuts) else math.inf
        pages += [Page(p.words, p.start, min(p.end, end)) for p in paginate(group, max_words)]
    return pages


class CaptionTrack:
    """Caption sprites for one render, drawn lazily and cached for the current page only
    (frames arrive in time order, so a page's states are drawn once each)."""

    def __init__(
        self, captions: CaptionSpec, width: int, height: int, fps: int, scene_starts: list[float]
    ):
        style = resolve_style(captions.style_id, captions.overrides)
        self.renderer = SpriteRenderer(style, width, height, fps)
        self.pages = PageIndex(scene_pages(captions.words, style.max_words, scene_starts))
        self._page: Page | None = None
        self._layout: PageLayout | None = None
        self._cache: dict[tuple, YuvSprite | None] = {}

    def at(self, t: float) -> YuvSprite | None:
        """The sprite to blend at time `t`, or None when no caption is on screen."""
        page = self.pages.at(t)
        if page is None:
            return None
        if page is not self._page:
            self._page, self._layout, self._cache = page, self.renderer.layout(page), {}
        state = self.renderer.state(page, t)
        if state not in self._cache:
            image = self.renderer.render(self._layout, state)
            x, y = self.renderer.placement(self._layout)
            self._cache[state] = sprite_from_rgba(np.asarray(image), x, y)
        return self._cache[state]
