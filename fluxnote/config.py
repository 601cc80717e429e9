"""Configuration: every setting, read from environment variables in one place.

`from_env()` is pure: it reads a mapping (the process environment by default) and
returns the config dict; it creates no directory and writes no file. `create_app` makes
the data directories and the persistent secret key once any test config is applied.
Entry points (`fluxnote`, `wsgi.py`) load a `.env` file into the environment first.
"""

import os
from collections.abc import Mapping
from pathlib import Path

from flask import current_app, has_app_context

PROVIDER_ENV = (
    "FAL_KEY",
    "REPLICATE_API_TOKEN",
    "OPENAI_API_KEY",
    "RUNWAYML_API_SECRET",
    "ELEVENLABS_API_KEY",
)
# provider endpoints (local servers in tests, proxies in production), webhook secret,
# HTTP timeout
PROVIDER_SETTINGS_ENV = (
    "FAL_QUEUE_URL",
    "FAL_REST_URL",
    "FAL_JWKS_URL",
    "REPLICATE_BASE_URL",
    "REPLICATE_WEBHOOK_SECRET",
    "RUNWAY_BASE_URL",
    "PROVIDER_TIMEOUT_S",
)
SIGNUP_MODES = ("open", "invite", "closed")
# the standard AWS variables, read here and handed to boto3 by the storage backend
AWS_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
)
# publishing apps (OAuth clients); their endpoints are fixed (tests: PUBLISH_BASE_URLS)
PUBLISHING_ENV = (
    "YOUTUBE_CLIENT_ID",
    "YOUTUBE_CLIENT_SECRET",
    "TIKTOK_CLIENT_KEY",
    "TIKTOK_CLIENT_SECRET",
)
STRIPE_ENV = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_PRICES", "STRIPE_API_BASE")


def from_env(env: Mapping[str, str] | None = None) -> dict:
    """The app config from `env` (default os.environ); every value has a default.

    An empty SECRET_KEY means "use the key kept in DATA_DIR" (made by create_app).
    """
    env = os.environ if env is None else env
    data_dir = Path(env.get("FLUXNOTE_DATA_DIR", "instance")).resolve()
    return {
        "DATA_DIR": str(data_dir),
        "MEDIA_DIR": str(data_dir / "media"),
        "SECRET_KEY": env.get("SECRET_KEY", ""),
        "SQLALCHEMY_DATABASE_URI": _database_url(env.get("DATABASE_URL", ""), data_dir),
        "REDIS_URL": env.get("REDIS_URL", ""),
        "PUBLIC_URL": env.get("FLUXNOTE_PUBLIC_URL", "http://127.0.0.1:5000"),
        "ALLOW_PRIVATE_WEBHOOK_URLS": env.get("FLUXNOTE_ALLOW_PRIVATE_WEBHOOK_URLS") == "1",
        # fetches made on a user's behalf (article pages, stock media) may reach this network
        "ALLOW_PRIVATE_URLS": env.get("FLUXNOTE_ALLOW_PRIVATE_URLS") == "1",
        "STOCK": {
            "PEXELS_API_KEY": env.get("PEXELS_API_KEY", ""),
            "PIXABAY_API_KEY": env.get("PIXABAY_API_KEY", ""),
            "PEXELS_BASE_URL": env.get("PEXELS_BASE_URL", "https://api.pexels.com"),
            "PIXABAY_BASE_URL": env.get("PIXABAY_BASE_URL", "https://pixabay.com/api"),
        },
        # the largest upload (a 200 MB video) plus its multipart envelope: anything larger
        # is refused with 413 from its Content-Length, before a byte of it is read
        "MAX_CONTENT_LENGTH": 201 * 1024 * 1024,
        "RENDER_PRESET": env.get("FLUXNOTE_RENDER_PRESET", "veryfast"),
        "PRODUCTION": env.get("FLUXNOTE_ENV") == "production",
        "PROVIDER_KEYS": {k: env.get(k, "") for k in PROVIDER_ENV},
        "PROVIDER_SETTINGS": {k: env.get(k, "") for k in PROVIDER_SETTINGS_ENV},
        "OPENAI_BASE_URL": env.get("OPENAI_BASE_URL", ""),
        "ELEVENLABS_BASE_URL": env.get("ELEVENLABS_BASE_URL", ""),
        "WRITER_MODEL": env.get("FLUXNOTE_WRITER_MODEL", "gpt-4o-mini"),
        "STORAGE_URL": env.get("FLUXNOTE_STORAGE_URL", ""),
        "STORAGE_PUBLIC_ENDPOINT": env.get("FLUXNOTE_STORAGE_PUBLIC_ENDPOINT", ""),
        "STORAGE_CACHE_MB": int(env.get("FLUXNOTE_STORAGE_CACHE_MB") or 2048),
        "STORAGE_TIMEOUT_S": float(env.get("FLUXNOTE_STORAGE_TIMEOUT_S") or 30),
        "AWS": {k: env.get(k, "") for k in AWS_ENV},
        "BILLING_BACKEND": env.get("FLUXNOTE_BILLING", "selfhosted"),
        # self-hosted plans are the operator's (admins set them on /ops) unless this opts in
        "SELF_SERVICE_PLANS": env.get("FLUXNOTE_SELF_SERVICE_PLANS") == "1",
        "SIGNUP_MODE": _choice(env, "FLUXNOTE_SIGNUP", SIGNUP_MODES),
        # reverse proxies in front of the app whose X-Forwarded-* headers are trusted
        "PROXY_COUNT": _count(env, "FLUXNOTE_PROXY_COUNT"),
        **{k: env.get(k, "") for k in STRIPE_ENV},
        **{k: env.get(k, "") for k in PUBLISHING_ENV},
        # Fernet key for platform tokens at rest; unset: derived from SECRET_KEY (HKDF)
        "ENCRYPTION_KEY": env.get("FLUXNOTE_ENCRYPTION_KEY", ""),
    }


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    """`env[name]` if it is one of `choices` (default the first); ValueError otherwise."""
    value = env.get(name, choices[0]).strip().lower()
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _count(env: Mapping[str, str], name: str) -> int:
    """A small non-negative integer setting (default 0); ValueError otherwise."""
    value = env.get(name, "0").strip() or "0"
    if not value.isdecimal() or int(value) > 10:
        raise ValueError(f"{name} must be a whole number from 0 to 10, not {value!r}")
    return int(value)


def current() -> Mapping:
    """The running app's config; outside an app (a benchmark, a script) the same
    settings read from the environment."""
    return current_app.config if has_app_context() else from_env()


def _database_url(url: str, data_dir: Path) -> str:
    url = url or f"sqlite:///{data_dir / 'fluxnote.db'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def persistent_secret(data_dir: Path) -> str:
    """A random key kept in the data dir, so sessions survive restarts without setup."""
    path = data_dir / "secret_key"
    if not path.exists():
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()
