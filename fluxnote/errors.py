"""Error answers: the JSON error shape for the API, pages for the browser."""
from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

CODES = {400: "bad_request", 401: "unauthorized", 402: "insufficient_credits", 403: "forbidden",
         404: "not_found", 405: "method_not_allowed", 409: "idempotency_conflict",
         413: "too_large", 415: "unsupported_media", 422: "invalid", 429: "rate_limited"}


class ApiError(Exception):
    """Raise from any API view: becomes {"error": {"code", "message", "field"?, ...}}."""

    def __init__(self, status: int, message: str, field: str | None = None,
                 code: str | None = None, **extra):
        super().__init__(message)
        self.status, self.message, self.field = status, message, field
        self.code = code or CODES.get(status, "error")
        self.extra = extra


def error_response(status: int, message: str, field: str | None = None,
                   code: str | None = None, **extra):
    body = {"code": code or CODES.get(status, "error"), "message": message}
    if field:
        body["field"] = field
    body.update(extra)
    return jsonify({"error": body}), status


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/webhooks/", "/healthz"))


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, exc.message, exc.field, exc.code, **exc.extra)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        if wants_json():
            return error_response(400, "CSRF token missing or invalid.")
        return render_template("errors/error.html", code=400, message=exc.description), 400

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
