"""The built-in offline engine: prompt-drawn images and animated clips, no API key."""

from fluxnote.providers.offline.animate import animate
from fluxnote.providers.offline.draw import draw_image
from fluxnote.providers.offline.provider import ENGINE_NAME, VIDEO_MAX_DURATION_S, OfflineProvider

__all__ = ["ENGINE_NAME", "VIDEO_MAX_DURATION_S", "OfflineProvider", "animate", "draw_image"]
