"""The caption track of a render: which sprite to blend at each frame time."""

from __future__ import annotations

import numpy as np

from fluxnote.captions.layout import Page, PageIndex, paginate
from fluxnote.captions.sprites import PageLayout, SpriteRenderer
from fluxnote.captions.styles import resolve_style
from fluxnote.render.spec import CaptionSpec
from fluxnote.render.yuv import YuvSprite, sprite_from_rgba


class CaptionTrack:
    """Caption sprites for one render, drawn lazily and cached for the current page only
    (frames arrive in time order, so a page's states are drawn once each)."""

    def __init__(self, captions: CaptionSpec, width: int, height: int, fps: int):
        style = resolve_style(captions.style_id, captions.overrides)
        self.renderer = SpriteRenderer(style, width, height, fps)
        self.pages = PageIndex(paginate(captions.words, style.max_words))
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
