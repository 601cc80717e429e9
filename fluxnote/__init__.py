"""FluxNote: a self-hostable AI short-video studio with predictable credits."""

from pathlib import Path

from flask import Flask

PACKAGE = Path(__file__).resolve().parent


def site_path(name: str) -> Path:
    """The `templates`, `static` or `migrations` folder.

    An installed wheel carries them inside the package (`fluxnote/_site/<name>`, copied
    there by setup.py); a checkout or an editable install has them at the top level.
    """
    packaged = PACKAGE / "_site" / name
    return packaged if packaged.is_dir() else PACKAGE.parent / name


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: config, extensions, then each domain's init_app in turn."""
    from fluxnote import cli, config, errors, extensions, security
    from fluxnote.accounts import views as accounts
    from fluxnote.api import views as api
    from fluxnote.assets import views as assets
    from fluxnote.billing import views as billing
    from fluxnote.catalog import api as catalog
    from fluxnote.dashboard import views as dashboard
    from fluxnote.generation import views as generation
    from fluxnote.mcp_server import mount as mcp
    from fluxnote.music import api as music
    from fluxnote.ops import views as ops
    from fluxnote.publishing import views as publishing
    from fluxnote.renders import views as renders
    from fluxnote.storage import responses as storage
    from fluxnote.studio import views as studio
    from fluxnote.uploads import api as uploads
    from fluxnote.videos import api as videos
    from fluxnote.voice import views as voice
    from fluxnote.webhooks import api as webhooks

    settings = {**config.from_env(), **(test_config or {})}
    app = Flask(
        __name__,
        template_folder=str(site_path("templates")),
        static_folder=str(site_path("static")),
        instance_path=settings["DATA_DIR"],
    )
    app.config.update(settings)
    _prepare_data_dir(app)

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(site_path("migrations")))
    extensions.csrf.init_app(app)
    extensions.redis_store.init_app(app)
    app.config.setdefault(
        "RATELIMIT_STORAGE_URI", extensions.limiter_storage(app.config["REDIS_URL"])
    )
    extensions.limiter.init_app(app)
    # security first: its `<int:...>` converter must exist before any blueprint's rules
    for part in (
        security,
        errors,
        storage,
        accounts,
        dashboard,
        billing,
        api,
        assets,
        webhooks,
        ops,
        catalog,
        generation,
        studio,
        uploads,
        voice,
        music,
        renders,
        videos,
        publishing,
        mcp,
        cli,
    ):
        part.init_app(app)
    return app


def _prepare_data_dir(app: Flask) -> None:
    """Make the data and media directories; without a SECRET_KEY, keep one in DATA_DIR."""
    from fluxnote.config import persistent_secret

    data_dir = Path(app.config["DATA_DIR"])
    Path(app.config["MEDIA_DIR"]).mkdir(parents=True, exist_ok=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = persistent_secret(data_dir)
