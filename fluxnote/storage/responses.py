"""Serving stored media over HTTP, and the web's answer when the store is down.

`send(key, ...)` streams a local file (conditional, with range requests, so video seeks
work) or answers 302 to a presigned URL of the object store, so the bytes never pass
through the web server. StorageUnavailable anywhere in a request becomes 503 with the
JSON error code `storage_unavailable` (an error page in the browser); an object missing
from the store is a 404.
"""

import logging

from flask import Flask, redirect, render_template, send_file

from fluxnote import periodic
from fluxnote.errors import error_response, wants_json
from fluxnote.storage import orphans, services
from fluxnote.storage.base import MissingObject, StorageUnavailable

log = logging.getLogger(__name__)
UNAVAILABLE = "The media store is unavailable; try again in a moment."
GONE = "This file is no longer stored."


def send(key: str, mimetype: str, *, download_name: str | None = None, attachment: bool = False):
    """The response for a stored object. MissingObject if it is gone."""
    url = services.url(key, content_type=mimetype, filename=download_name, attachment=attachment)
    if url is not None:
        response = redirect(url, 302)
        response.headers["Cache-Control"] = "private, no-store"
        return response
    return send_file(
        services.fetch(key),
        mimetype=mimetype,
        conditional=True,
        as_attachment=attachment,
        download_name=download_name,
    )


def init_app(app: Flask) -> None:
    """The 503/404 answers; MEDIA_ORIGIN, the origin presigned URLs point at, which the
    security headers allow for images and media (empty for local files); the clock's
    orphan collection."""
    periodic.register(orphans.sweep)
    with app.app_context():
        app.config["MEDIA_ORIGIN"] = services.media_origin()

    @app.errorhandler(StorageUnavailable)
    def _unavailable(exc: StorageUnavailable):
        log.error("storage unavailable: %s", exc)
        if wants_json():
            return error_response(503, UNAVAILABLE, code="storage_unavailable")
        return render_template("errors/error.html", code=503, message=UNAVAILABLE), 503

    @app.errorhandler(MissingObject)
    def _missing(exc: MissingObject):
        log.warning("stored object missing: %s", exc)
        if wants_json():
            return error_response(404, GONE)
        return render_template("errors/error.html", code=404, message=GONE), 404
