"""Each tool is one JSON API call made in-process with the caller's bearer token.

The API is the only implementation of FluxNote's rules (token check, workspace
isolation, validation, credits, idempotency, rate limits); the tools translate its
answers. A 4xx becomes a Refusal whose text starts with the API error code
(`insufficient_credits: ...`); the tools hand it back as the tool error an agent reads.
"""

import json
from dataclasses import dataclass

from flask import Flask
from werkzeug.test import Client


class Refusal(Exception):
    """The API refused the call; the text starts with its error code."""


@dataclass
class Caller:
    """Who calls (their Authorization header) and where the server is (for absolute URLs)."""

    authorization: str
    base_url: str

    def absolute(self, path: str) -> str:
        return self.base_url.rstrip("/") + path


class Gateway:
    def __init__(self, app: Flask):
        # a WSGI client of the app itself: a real request through Flask's whole stack
        self.client = Client(app, use_cookies=False)

    def call(self, caller: Caller, method: str, path: str, body: dict | None = None, **headers):
        """The JSON answer of `method path`; Refusal("<code>: <message>") for any error."""
        answer = self.client.open(
            path,
            method=method,
            json=body,
            headers={"Authorization": caller.authorization, **headers},
            base_url=caller.base_url,
        )
        data = json.loads(answer.get_data() or b"null")
        if answer.status_code >= 400:
            raise Refusal(refusal(answer.status_code, data))
        return data


def refusal(status: int, data: object) -> str:
    """`code: message (detail=value, ...)` from an API error body."""
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return f"error: the API answered {status}."
    details = ", ".join(f"{k}={v}" for k, v in error.items() if k not in ("code", "message"))
    return f"{error.get('code', 'error')}: {error.get('message', '')}" + (
        f" ({details})" if details else ""
    )
