"""FluxNote: a self-hostable AI short-video studio with predictable credits."""
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: config, extensions, blueprints, CLI."""
    from fluxnote import config, extensions, errors, security
    from fluxnote.accounts import views as accounts
    from fluxnote.api import views as api
    from fluxnote.assets import views as assets
    from fluxnote.billing import views as billing
    from fluxnote.dashboard import views as dashboard
    from fluxnote.webhooks import api as webhooks_out
    from fluxnote.ops import views as ops
    from fluxnote.catalog import api as catalog_api
    from fluxnote.generation import views as generation
    from fluxnote.webhooks import views as webhooks_in
    from fluxnote.studio import api as studio_api, views as studio
    from fluxnote.uploads import api as uploads_api
    from fluxnote.voice import api as voice_api, views as voice
    from fluxnote.music import api as music_api
    from fluxnote.render import views as render
    from fluxnote import cli

    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), instance_path=str(ROOT / "instance"))
    app.config.update(config.from_env())
    if test_config:
        app.config.update(test_config)
    Path(app.config["MEDIA_DIR"]).mkdir(parents=True, exist_ok=True)

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(ROOT / "migrations"))
    extensions.csrf.init_app(app)
    extensions.redis_store.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", extensions.limiter_storage(app.config["REDIS_URL"]))
    extensions.limiter.init_app(app)
    accounts.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(billing.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(api.public)
    app.register_blueprint(assets.bp)
    webhooks_out.init_app(app)
    app.register_blueprint(webhooks_out.bp)
    app.register_blueprint(ops.bp)
    app.register_blueprint(catalog_api.bp)
    generation.init_app(app)
    app.register_blueprint(generation.bp)
    app.register_blueprint(generation.api_bp)
    app.register_blueprint(webhooks_in.bp)
    app.register_blueprint(studio_api.bp)
    app.register_blueprint(studio.bp)
    app.register_blueprint(uploads_api.bp)
    app.register_blueprint(voice_api.bp)
    app.register_blueprint(voice.bp)
    app.register_blueprint(music_api.bp)
    render.init_app(app)
    app.register_blueprint(render.bp)
    app.register_blueprint(render.api_bp)
    cli.init_app(app)
    return app
