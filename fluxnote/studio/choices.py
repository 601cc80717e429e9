"""The pickers' catalogues as the studio shows them: voices, caption styles, music, fonts."""

from sqlalchemy import select

from fluxnote.assets.models import Asset
from fluxnote.captions.styles import POSITIONS, STYLES
from fluxnote.extensions import db
from fluxnote.media.fonts import FONTS
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


def music_tracks(workspace_id: int | None = None) -> list[dict]:
    """The music library, plus the workspace's uploaded audio as `asset:<id>` tracks."""
    from fluxnote.music.services import tracks

    uploads = (
        []
        if workspace_id is None
        else db.session.scalars(
            select(Asset)
            .where(
                Asset.workspace_id == workspace_id, Asset.kind == "audio", Asset.source == "upload"
            )
            .order_by(Asset.id.desc())
            .limit(50)
        )
    )
    return tracks() + [
        {"id": f"asset:{a.id}", "name": a.title or f"Upload #{a.id}", "mood": "your upload"}
        for a in uploads
    ]


def caption_styles() -> list[dict]:
    return [s.to_json() for s in STYLES.values()]


def fonts() -> list[str]:
    return list(FONTS)


def positions() -> list[str]:
    return list(POSITIONS)
