"""One module per platform, one interface (base.Platform): OAuth (authorize URL, code
exchange, refresh, revoke), the connected account, and a resumable upload."""

from fluxnote.publishing.platforms import tiktok, youtube
from fluxnote.publishing.platforms.base import Platform

PLATFORMS: dict[str, Platform] = {"youtube": youtube.YOUTUBE, "tiktok": tiktok.TIKTOK}
