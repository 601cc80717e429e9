"""Article → video against a loopback web server: extraction, caps and clear refusals."""

import ipaddress
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from fluxnote import netguard
from fluxnote.studio.models import Project

BODY = " ".join(
    [
        "Octopuses have three hearts. Two branchial hearts pump blood through the gills,",
        "while the systemic heart pumps it around the rest of the body. Their blood is blue",
        "because it carries oxygen with copper-based hemocyanin instead of iron-based",
        "hemoglobin. When an octopus swims, the systemic heart stops beating, which is one",
        "reason octopuses prefer crawling along the sea floor. Biologists think the extra",
        "hearts help them move enough oxygen through thin blue blood in cold, deep water.",
        "Hemocyanin is less efficient than hemoglobin, so the branchial hearts add pressure.",
    ]
)
ARTICLE = f"""<html><head><title>Three hearts | Sea Magazine</title>
<meta property="og:title" content="Why octopuses have three hearts"></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a> Subscribe now!</nav>
<article><h1>Why octopuses have three hearts</h1><p>{BODY}</p><p>{BODY}</p></article>
<aside>Sign up for our newsletter. Cookie settings.</aside></body></html>"""
PAYWALLED = """<html><head><title>Premium: octopus secrets</title>
<script type="application/ld+json">{"@type": "NewsArticle", "isAccessibleForFree": false}</script>
</head><body><article><h1>Octopus secrets</h1><p>Octopuses have three hearts, and the
reason is stranger than you think. Subscribe to keep reading this story and all our
premium science coverage for just one euro a month.</p></article></body></html>"""

PAGES = {
    "/article": (200, "text/html; charset=utf-8", ARTICLE.encode()),
    "/paywalled": (200, "text/html", PAYWALLED.encode()),
    "/empty": (200, "text/html", b"<html><body><div id='app'></div></body></html>"),
    "/report.pdf": (200, "application/pdf", b"%PDF-1.7 ..."),
    "/members": (403, "text/html", b"<h1>Forbidden</h1>"),
    "/huge": (200, "text/html", b"<p>" + b"x" * (6 << 20) + b"</p>"),
}


class Site(BaseHTTPRequestHandler):
    hits: list = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        Site.hits.append(self.path)
        if self.path.startswith("/moved"):
            self.send_response(301)
            self.send_header("Location", self.path[len("/moved") :] or "/article")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status, kind, body = PAGES.get(self.path, (404, "text/html", b"no"))
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def site(app):
    Site.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.config["ALLOW_PRIVATE_URLS"] = True
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _create(studio, url: str):
    return studio["client"].post(
        "/api/v1/projects",
        headers=studio["headers"],
        json={"source_url": url, "template": "news"},
    )


def test_an_article_becomes_a_project_about_it(app, studio, site):
    answer = _create(studio, f"{site}/moved/article")
    assert answer.status_code == 201, answer.get_json()
    project = answer.get_json()
    assert project["title"] == "Why octopuses have three hearts"
    script = " ".join(s["text"] for s in project["scenes"])
    assert "hearts" in script and "hemocyanin" in script
    assert "newsletter" not in script and "Subscribe" not in script
    row = Project.query.get(project["id"])
    assert row.source_url == f"{site}/moved/article" and "Subscribe" not in row.source_text


@pytest.mark.parametrize(
    "path, words",
    [
        ("/paywalled", "paywall"),
        ("/members", "HTTP 403"),
        ("/report.pdf", "application/pdf"),
        ("/empty", "no article text"),
        ("/huge", "larger than 5 MB"),
        ("/gone", "HTTP 404"),
    ],
)
def test_unusable_pages_are_refused_with_what_to_do(app, studio, site, path, words):
    answer = _create(studio, f"{site}{path}")
    assert answer.status_code == 422
    error = answer.get_json()["error"]
    assert error["field"] == "source_url" and words in error["message"]
    assert Project.query.count() == 0


def test_private_addresses_are_refused_by_name_too(app, studio, site):
    app.config["ALLOW_PRIVATE_URLS"] = False
    port = urlsplit(site).port
    for url in (f"{site}/article", f"http://localhost:{port}/article", "http://[::1]/x"):
        answer = _create(studio, url)
        assert answer.status_code == 422
        assert "private or loopback" in answer.get_json()["error"]["message"]
    assert Site.hits == []


def test_every_redirect_hop_is_checked(app, studio, site, monkeypatch):
    """A public page that redirects into this machine is refused at the hop."""
    app.config["ALLOW_PRIVATE_URLS"] = False
    real = netguard.check_url

    def check(url, allow_private):
        if urlsplit(url).hostname == "news.example.test":  # "public", served by the site
            return ipaddress.ip_address("127.0.0.1")
        return real(url, allow_private)

    monkeypatch.setattr(netguard, "check_url", check)
    port = urlsplit(site).port
    answer = _create(studio, f"http://news.example.test:{port}/moved{site}/article")
    assert answer.status_code == 422
    assert "private or loopback" in answer.get_json()["error"]["message"]
    assert Site.hits == [f"/moved{site}/article"]  # the article itself was never asked for


def test_bad_urls_are_refused_before_any_fetch(app, studio, site):
    for url in ("ftp://example.com/a", "example.com/article", "http://user:pw@example.com/"):
        answer = _create(studio, url)
        assert answer.status_code == 422 and answer.get_json()["error"]["field"] == "source_url"
