"""Security headers on every page, pages that work under the CSP, production cookies."""

import re

from fluxnote import site_path
from fluxnote.security import CSP
from tests.conftest import build_app, login, make_user
from tests.hardening.factory import build_owned, url_values

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTR = re.compile(r"<[^>]+\sstyle\s*=", re.I)
EXTERNAL = re.compile(r"""<(?:script|link)[^>]+(?:src|href)=["'](?:https?:)?//""", re.I)


def _pages(app, client):
    """Every GET page (not JSON, not files) an admin owner can open, rendered."""
    owned = build_owned(app, client)
    from fluxnote.extensions import db

    db.session.get(type(owned.user), owned.user.id).is_admin = True
    db.session.commit()
    login(client, owned.user)
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/api/", "/static")):
            continue
        response = client.get(rule.build(url_values(rule, owned), append_unknown=False)[1])
        yield rule, response


def test_every_page_has_the_security_headers_and_no_inline_code(app, client):
    seen = 0
    for rule, response in _pages(app, client):
        assert response.status_code < 500, rule.rule
        assert response.headers["Content-Security-Policy"] == CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        if response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            for pattern in (INLINE_SCRIPT, INLINE_HANDLER, STYLE_ATTR, EXTERNAL):
                assert not pattern.search(html), f"{rule.rule}: {pattern.search(html).group(0)}"
            seen += 1
    assert seen >= 10


def test_templates_have_no_inline_scripts_or_styles():
    offenders = []
    templates = site_path("templates")
    for path in templates.rglob("*.html"):
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, STYLE_ATTR):
            offenders += [
                f"{path.relative_to(templates)}: {m.group(0)[:80]}" for m in pattern.finditer(text)
            ]
    assert not offenders, "\n".join(offenders)


def test_csp_allows_only_the_apps_own_scripts_and_styles():
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


def test_api_and_error_answers_carry_the_headers_too(client):
    for response in (
        client.get("/api/v1/credits"),
        client.get("/no-such-page"),
        client.get("/healthz"),
    ):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Content-Security-Policy" in response.headers


def test_production_cookies_are_secure(tmp_path, redis_url):
    app = build_app(tmp_path, redis_url, PRODUCTION=True)
    with app.app_context():
        user = make_user()
        client = app.test_client()
        response = login(client, user)
        cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_development_cookies_still_work_over_http(app, client):
    cookie = login(client, make_user()).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" not in cookie
