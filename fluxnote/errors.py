"""Error answers: the JSON error shape for the API, pages for the browser.

Bad input never becomes a 500: malformed JSON is a 400 (Flask's BadRequest), numbers
the database cannot hold are a 422, and a rate limit is a 429 with `Retry-After`.
"""

import time

from flask import Flask, jsonify, make_response, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from fluxnote.extensions import db, limiter

CODES = {
    400: "bad_request",
    401: "unauthorized",
    402: "insufficient_credits",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "idempotency_conflict",
    413: "too_large",
    415: "unsupported_media",
    422: "invalid",
    429: "rate_limited",
}


MAX_JSON_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32


class StrictJSONProvider(DefaultJSONProvider):
    """Request JSON parses only into what every endpoint and database can hold.

    Python's json accepts nesting until the interpreter's stack runs out (a
    RecursionError, not a ValueError) and lone UTF-16 surrogates ("\\ud800", which
    neither SQLite nor PostgreSQL can store as UTF-8). Each is a ValueError here: a 400
    bad_request. (NUL characters are valid text; fields refuse them with a 422.)
    """

    def loads(self, s, **kwargs):
        try:
            data = super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.") from None
        _check_json(data)
        return data


def _check_json(data: object) -> None:
    """ValueError for nesting over MAX_JSON_DEPTH or a string no database can keep."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.")
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for pair in value.items() for item in pair)
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            _check_text(value)


def _check_text(value: str) -> None:
    try:
        value.encode()
    except UnicodeEncodeError:
        raise ValueError("JSON text contains a lone UTF-16 surrogate.") from None


class ApiError(Exception):
    """Raise from any API view: becomes {"error": {"code", "message", "field"?, ...}}."""

    def __init__(
        self, status: int, message: str, field: str | None = None, code: str | None = None, **extra
    ):
        super().__init__(message)
        self.status, self.message, self.field = status, message, field
        self.code = code or CODES.get(status, "error")
        self.extra = extra


def error_response(
    status: int, message: str, field: str | None = None, code: str | None = None, **extra
):
    body = {"code": code or CODES.get(status, "error"), "message": message}
    if field:
        body["field"] = field
    body.update(extra)
    return jsonify({"error": body}), status


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/webhooks/", "/healthz"))


def init_app(app: Flask) -> None:
    app.json = StrictJSONProvider(app)

    @app.before_request
    def _json_body():
        """A JSON API body over MAX_JSON_BYTES is a 413 and one that does not parse a 400,
        for every endpoint alike (uploads are multipart and checked by their own limits)."""
        if request.path.startswith("/api/") and request.is_json and request.content_length:
            if request.content_length > MAX_JSON_BYTES:
                raise ApiError(413, f"JSON bodies are limited to {MAX_JSON_BYTES // 1024} KiB.")
            try:
                app.json.loads(request.get_data())  # cached: the view parses it again
            except ValueError as exc:
                raise ApiError(400, f"The body is not usable JSON: {exc}") from None

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, exc.message, exc.field, exc.code, **exc.extra)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        if wants_json():
            return error_response(400, "CSRF token missing or invalid.")
        return render_template("errors/error.html", code=400, message=exc.description), 400

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(exc: RateLimitExceeded):
        retry = _retry_after()
        message = f"Too many requests ({exc.description}). Try again in {retry} seconds."
        if wants_json():
            response = make_response(error_response(429, message))
        else:
            response = make_response(
                render_template("errors/error.html", code=429, message=message), 429
            )
        response.headers["Retry-After"] = str(retry)
        return response

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def _out_of_range(exc: Exception):
        db.session.rollback()
        message = "A value is out of range, too long, or holds a character (NUL) it cannot."
        if wants_json():
            return error_response(422, message)
        return render_template("errors/error.html", code=422, message=message), 422

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if wants_json():
            message = exc.description or exc.name
            return error_response(exc.code or 500, message)
        template = "errors/404.html" if exc.code == 404 else "errors/error.html"
        return render_template(template, code=exc.code, message=exc.description), exc.code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("Unhandled error")
        if wants_json():
            return jsonify({"error": {"code": "internal", "message": "Internal error."}}), 500
        return render_template("errors/error.html", code=500, message="Something went wrong."), 500


def _retry_after() -> int:
    """Seconds until the limit that refused this request resets (at least 1)."""
    current = limiter.current_limit
    return max(1, int(current.reset_at - time.time())) if current else 60
