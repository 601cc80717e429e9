"""Security headers on every response, cookie flags for production, bounded URL ids,
and the client address as the trusted proxies report it."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from fluxnote.sqltypes import MAX_INT


def csp(media_origin: str = "") -> str:
    """The Content-Security-Policy; `media_origin` (the object store serving presigned
    media, set by the storage package as MEDIA_ORIGIN) may serve images and media."""
    extra = f" {media_origin}" if media_origin else ""
    return (
        f"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:{extra}; "
        f"media-src 'self' blob:{extra}; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'; object-src 'none'"
    )


CSP = csp()


class BoundedInt(IntegerConverter):
    """`<int:...>` limited to what a database integer holds: larger ids are a 404,
    not an overflow inside the database driver."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Call before registering blueprints (their `<int:...>` rules bind the converter)."""
    app.url_map.converters["int"] = BoundedInt
    # Behind PROXY_COUNT reverse proxies, the client is the address the outermost one
    # saw; X-Forwarded-For from anyone else is ignored (0: the socket address counts).
    # Rate limits key on request.remote_addr, so this is what keeps users apart.
    if count := app.config.get("PROXY_COUNT", 0):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    # Flask ships these keys with weak defaults (SameSite None), so setdefault would be a no-op.
    for key, value in (
        ("SESSION_COOKIE_HTTPONLY", True),
        ("SESSION_COOKIE_SAMESITE", "Lax"),
        ("REMEMBER_COOKIE_HTTPONLY", True),
        ("REMEMBER_COOKIE_SAMESITE", "Lax"),
    ):
        if app.config.get(key) in (None, False):
            app.config[key] = value
    if app.config.get("PRODUCTION"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"

    @app.after_request
    def _headers(response):
        response.headers.setdefault(
            "Content-Security-Policy", csp(app.config.get("MEDIA_ORIGIN", ""))
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("PRODUCTION"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
