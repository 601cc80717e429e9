"""Configuration from environment variables (a `.env` file is read first)."""
import os
from pathlib import Path

from dotenv import load_dotenv


def from_env() -> dict:
    """Build the app config from the environment; every value has an embedded default."""
    load_dotenv()
    data_dir = Path(os.environ.get("FLUXNOTE_DATA_DIR", "instance")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    return {
        "DATA_DIR": str(data_dir),
        "MEDIA_DIR": str(data_dir / "media"),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _persistent_secret(data_dir),
        "SQLALCHEMY_DATABASE_URI": _database_url(data_dir),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "PUBLIC_URL": os.environ.get("FLUXNOTE_PUBLIC_URL", "http://127.0.0.1:5000"),
        "ALLOW_PRIVATE_WEBHOOK_URLS": os.environ.get("FLUXNOTE_ALLOW_PRIVATE_WEBHOOK_URLS") == "1",
        "RENDER_PRESET": os.environ.get("FLUXNOTE_RENDER_PRESET", "veryfast"),
        "PRODUCTION": os.environ.get("FLUXNOTE_ENV") == "production",
        "PROVIDER_KEYS": {k: os.environ.get(k, "") for k in PROVIDER_ENV},
        "OPENAI_BASE_URL": os.environ.get("OPENAI_BASE_URL", ""),
        "BILLING_BACKEND": os.environ.get("FLUXNOTE_BILLING", "selfhosted"),
        "PROVIDER_SETTINGS": {k: os.environ.get(k, "") for k in PROVIDER_SETTINGS_ENV},
    }


PROVIDER_ENV = ("FAL_KEY", "REPLICATE_API_TOKEN", "OPENAI_API_KEY", "RUNWAYML_API_SECRET",
                "ELEVENLABS_API_KEY")
# provider endpoints (tests point them at local servers), webhook secret, HTTP timeout
PROVIDER_SETTINGS_ENV = ("FAL_QUEUE_URL", "FAL_JWKS_URL", "REPLICATE_BASE_URL",
                         "REPLICATE_WEBHOOK_SECRET", "RUNWAY_BASE_URL", "PROVIDER_TIMEOUT_S")


def _database_url(data_dir: Path) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'fluxnote.db'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _persistent_secret(data_dir: Path) -> str:
    """A random key kept in the data dir, so sessions survive restarts without setup."""
    path = data_dir / "secret_key"
    if not path.exists():
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()
