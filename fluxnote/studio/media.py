"""The studio's media steps: narration per scene (the voice package), offline visuals (the
offline engine), music choice. Each is slow work: callers hold no DB transaction."""

import tempfile
from pathlib import Path

from flask import current_app

from fluxnote.storage import services as storage

OFFLINE_ENGINE = "FluxNote Offline Image (free template visual)"


def narrate(text: str, voice_id: str) -> tuple[str, float, list[dict]]:
    """Synthesise `text`; returns (storage key, duration, words as {text, start, end}).

    Raises whatever the voice engine raises for an unknown voice or a failed synthesis.
    """
    from fluxnote.voice.services import synthesize

    with tempfile.TemporaryDirectory(dir=_tmp_root()) as out_dir:
        narration = synthesize(text, voice_id, Path(out_dir))
        key = storage.put_file(narration.audio_path, move=True)
    return key, round(float(narration.duration_s), 3), _word_dicts(narration.words)


def align_upload(key: str, duration_s: float, text: str) -> tuple[str, float, list[dict]]:
    """Timings of `text` in an uploaded narration (stored under `key`), aligned offline
    (no TTS); returns like `narrate`. Raises VoiceError if it cannot be decoded."""
    from fluxnote.voice.services import align

    return key, round(float(duration_s), 3), _word_dicts(align(storage.fetch(key), text))


def _word_dicts(words) -> list[dict]:
    return [
        {
            "text": _get(w, "text"),
            "start": round(float(_get(w, "start")), 3),
            "end": round(float(_get(w, "end")), 3),
        }
        for w in words
    ]


def _get(word, name: str):
    return word[name] if isinstance(word, dict) else getattr(word, name)


def draw_visual(prompt: str, width: int, height: int, seed: int) -> str:
    """Draw a free offline picture for a scene and store it; returns the storage key."""
    from fluxnote.providers.offline.draw import draw_image

    image = draw_image(prompt, width, height, seed)
    with storage.scratch_dir() as tmp:
        image.convert("RGB").save(tmp / "visual.jpg", "JPEG", quality=90)
        return storage.put_file(tmp / "visual.jpg", move=True)


def pick_music(mood: str) -> str | None:
    """The first library track of `mood`, else the first track; None for an empty library."""
    from fluxnote.music.services import tracks

    library = tracks()
    match = [t for t in library if t["mood"] == mood] or library
    return match[0]["id"] if match else None


def music_path(track_id: str, workspace_id: int) -> Path | None:
    """The track's WAV (library tracks are rendered on first use) or the workspace's
    uploaded audio for `asset:<id>`; None for a track that is no longer there."""
    from fluxnote.music.services import UnknownTrack, track_path

    if track_id.startswith("asset:"):
        from fluxnote.assets.services import get_asset, local_path

        asset = get_asset(workspace_id, int(track_id[6:])) if track_id[6:].isdigit() else None
        return local_path(asset) if asset is not None and asset.kind == "audio" else None
    try:
        return track_path(track_id)
    except UnknownTrack:
        return None


def _tmp_root() -> str:
    root = Path(current_app.config["DATA_DIR"]) / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    return str(root)
