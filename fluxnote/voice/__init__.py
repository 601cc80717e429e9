"""Voices: the catalogue, narration with word timings, offline alignment, previews.

Public API (fluxnote.voice.services): `synthesize(text, voice_id, out_dir) -> Narration`,
`align(audio_path, text)`, `align_narration(...)`, `preview(voice_id)`; the catalogue is
fluxnote.voice.catalog (`VOICES`, `DEFAULT_VOICE`, `catalogue(keys)`); caption words are
`fluxnote.voice.normalize.script_words(text)`.
"""
