"""Voice errors: every failure the voice domain reports to its callers."""


class VoiceError(Exception):
    """Synthesis or alignment could not be done; the message is safe to show a creator."""


class UnknownVoice(VoiceError):
    """No voice with that id in the catalogue."""


class VoiceUnavailable(VoiceError):
    """The voice needs a provider key that is not configured."""


class VoiceProviderError(VoiceError):
    """A third-party TTS service refused or failed the request."""
