"""Security headers on every response, cookie flags for production, bounded URL ids."""
from flask import Flask
from werkzeug.routing import IntegerConverter

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
       "form-action 'self'; object-src 'none'")


class BoundedInt(IntegerConverter):
    """`<int:...>` limited to what a database integer holds: larger ids are a 404,
    not an overflow inside the database driver."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Call before registering blueprints (their `<int:...>` rules bind the converter)."""
    app.url_map.converters["int"] = BoundedInt
    # Flask ships these keys with weak defaults (SameSite None), so setdefault would be a no-op.
    for key, value in (("SESSION_COOKIE_HTTPONLY", True), ("SESSION_COOKIE_SAMESITE", "Lax"),
                       ("REMEMBER_COOKIE_HTTPONLY", True), ("REMEMBER_COOKIE_SAMESITE", "Lax")):
        if app.config.get(key) in (None, False):
            app.config[key] = value
    if app.config.get("PRODUCTION"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("PRODUCTION"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
