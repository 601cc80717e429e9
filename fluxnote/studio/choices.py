"""The pickers' catalogues as the studio shows them: voices, caption styles, music, fonts."""
from fluxnote.captions.fonts import FONTS
from fluxnote.captions.styles import POSITIONS, STYLES

from fluxnote.voice.catalog import DEFAULT_VOICE, catalogue
from fluxnote.voice.services import provider_keys


def voices() -> list[dict]:
    """The voice catalogue, each `{"id", "name", "available", "preview_url", ...}`."""
    return catalogue(provider_keys())


def voice_ids() -> set[str]:
    """Voices a project may use now (third-party ones only with their key set)."""
    return {v["id"] for v in voices() if v["available"]}


def default_voice() -> str:
    return DEFAULT_VOICE


def music_tracks() -> list[dict]:
    from fluxnote.music.services import tracks
    return tracks()


def caption_styles() -> list[dict]:
    return [s.to_json() for s in STYLES.values()]


def fonts() -> list[str]:
    return list(FONTS)


def positions() -> list[str]:
    return list(POSITIONS)
