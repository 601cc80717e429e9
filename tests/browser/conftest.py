"""Browser tests: a live FluxNote server and Debian's headless Chromium through Playwright.

Fixtures (reuse them for any browser test under tests/browser/):

- ``live_app``     the Flask app the live server runs: a fresh SQLite file database, the
                   test Redis (flushed), CSRF **on** (as in production), rate limits off.
                   To set data up from the test, use ``with live_app.app_context():`` and
                   commit before the browser looks (the server thread has its own session).
- ``live_server``  the base URL of that server, e.g. ``"http://127.0.0.1:40123"``; werkzeug
                   serves it from a thread (threaded, so htmx requests run concurrently).
- ``browser``      one Chromium per test session (``/usr/bin/chromium``, never downloaded).
- ``page``         a fresh browser context and page per test; ``page.goto("/signup")``
                   works (``base_url`` is the live server); default timeout 10 s.
- ``console_errors``  JavaScript errors, console errors (CSP violations appear here) and
                   4xx/5xx responses seen by ``page``: assert it is empty at the end.

Helpers: ``signup(page)`` signs a new user up through the UI and returns the email;
``log_in(page, email)`` logs an existing user in. No RQ worker runs: a test that needs
jobs processed calls ``fluxnote.tasks.run_worker(live_app, [...], burst=True)``.
Chromium missing? ``apt-get install -y chromium`` (``.ci/run`` does it); never
``playwright install``.
"""

import re
import threading
import uuid

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from fluxnote.extensions import db
from tests.conftest import build_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "password123"


@pytest.fixture
def live_app(tmp_path, redis_url):
    app = build_app(tmp_path, redis_url, WTF_CSRF_ENABLED=True)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def console_errors() -> list[str]:
    return []


@pytest.fixture
def page(browser, live_server, console_errors):
    # a creator's browser is rarely on UTC: times the page shows must follow it
    context = browser.new_context(
        base_url=live_server, viewport={"width": 1280, "height": 900}, timezone_id="Europe/Berlin"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("pageerror", lambda exc: console_errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: _is_error(msg) and console_errors.append(msg.text))
    page.on("response", lambda r: r.status >= 400 and console_errors.append(f"{r.status} {r.url}"))
    yield page
    context.close()


# htmx logs a request that hx-sync="this:replace" supersedes (a newer change, e.g. of the
# generate form's cost line) as an error, with the abort's afterRequest: by design, not a
# failure. A failed request still shows as sendError/responseError and its 4xx/5xx.
_SUPERSEDED = ("htmx:sendAbort,", "htmx:afterRequest,")


def _is_error(msg) -> bool:
    return msg.type == "error" and not msg.text.startswith(_SUPERSEDED)


def signup(page, email: str | None = None, password: str = PASSWORD) -> str:
    """Sign a new user up through /signup, log in as the page then asks, and wait for the
    dashboard; returns the email."""
    email = email or f"u{uuid.uuid4().hex[:8]}@example.com"
    page.goto("/signup")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("#auth-form button[type=submit]")
    page.wait_for_url(re.compile(r"/login"))
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("#auth-form button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    return email


def log_in(page, email: str, password: str = PASSWORD) -> None:
    """Log an existing user in through /login and wait for the dashboard."""
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("#auth-form button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
