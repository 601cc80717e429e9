"""Voice preview samples for signed-in creators (the studio's voice picker plays them)."""

from flask import Blueprint, abort, send_file
from flask_login import login_required

from fluxnote.voice.errors import UnknownVoice, VoiceError, VoiceUnavailable
from fluxnote.voice.services import preview

bp = Blueprint("voice", __name__)


def init_app(app) -> None:
    from fluxnote.voice import api

    app.register_blueprint(api.bp)
    app.register_blueprint(bp)


@bp.get("/voices/<voice_id>/preview.wav")
@login_required
def voice_preview(voice_id: str):
    try:
        path = preview(voice_id)
    except UnknownVoice:
        abort(404)
    except VoiceUnavailable as exc:
        abort(409, str(exc))
    except VoiceError as exc:
        abort(502, str(exc))
    return send_file(path, mimetype="audio/wav", max_age=86400, conditional=True)
