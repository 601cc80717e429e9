"""Platform tokens are encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256).

The key is FLUXNOTE_ENCRYPTION_KEY (a Fernet key: 32 url-safe base64 bytes) when set,
else derived from SECRET_KEY with HKDF-SHA256, so rotating SECRET_KEY without setting
an encryption key makes stored tokens unreadable (the accounts must be reconnected):
`open_token` then raises TokenUnreadable rather than returning garbage.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

_INFO = b"fluxnote publishing tokens v1"


class TokenUnreadable(Exception):
    """A stored token cannot be decrypted with the current key."""


def _fernet() -> Fernet:
    configured = current_app.config.get("ENCRYPTION_KEY")
    if configured:
        return Fernet(configured)
    secret = current_app.config["SECRET_KEY"].encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(plain: str | None) -> str | None:
    return _fernet().encrypt(plain.encode()).decode() if plain else None


def open_token(sealed: str | None) -> str | None:
    """The plain token, or None for none; TokenUnreadable if the key changed."""
    if not sealed:
        return None
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise TokenUnreadable(
            "The stored token cannot be decrypted with the current key."
        ) from None
