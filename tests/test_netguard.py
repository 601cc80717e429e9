"""The one private-address rule for fetches made on someone else's say-so."""

import ipaddress
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fluxnote import netguard
from fluxnote.providers.base import ProviderError
from fluxnote.providers.http import download

# 127.0.0.2 plays a public CDN (tests cannot open internet sockets); 127.0.0.1 stays
# what it is, the server's own loopback, and the real rule must refuse it.
CDN = ipaddress.ip_address("127.0.0.2")


class Server:
    """A loopback HTTP server: GET /redirect answers 302 to `self.location`, anything
    else 200 with `self.body`; every path asked for is recorded in `hits`."""

    def __init__(self, host: str):
        self.hits, self.location, self.body = [], "", b"payload"
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits.append(self.path)
                if self.path.startswith("/redirect"):
                    self.send_response(302)
                    self.send_header("Location", outer.location)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _get(url: str, max_bytes: int = 1 << 20):
    return netguard.get(url, allow_private=False, max_bytes=max_bytes, timeout_s=5)


@pytest.fixture
def servers(monkeypatch):
    """(cdn, internal): the CDN counts as public, the internal one is real loopback."""
    real = netguard.is_public
    monkeypatch.setattr(netguard, "is_public", lambda a: a == CDN or real(a))
    cdn, internal = Server(str(CDN)), Server("127.0.0.1")
    yield cdn, internal
    cdn.close()
    internal.close()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::127.0.0.1",
        "::8.8.8.8",  # IPv4-compatible: refused whatever it embeds
        "64:ff9b::7f00:1",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b:1::a00:1",
        "2002:7f00:1::",
        "2002:a00:1::1",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    ],
)
def test_private_and_ipv4_embedding_addresses_are_not_public(address):
    assert not netguard.is_public(ipaddress.ip_address(address))
    with pytest.raises(netguard.UnsafeUrl, match="private or loopback"):
        host = f"[{address}]" if ":" in address else address
        netguard.check_url(f"http://{host}/x", allow_private=False)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_public_addresses_pass(address):
    host = f"[{address}]" if ":" in address else address
    assert netguard.check_url(f"https://{host}/a.png", False) == ipaddress.ip_address(address)


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1/",
        "http://example.com:99999/",
        "ftp://93.184.216.34/x",
        "/relative",
        "http://user:pw@93.184.216.34/",
        "http://" + "a" * 2100,
        None,
    ],
)
def test_malformed_urls_are_refused_not_crashed_on(url):
    with pytest.raises(netguard.UnsafeUrl):
        netguard.check_url(url, allow_private=True)


def test_a_redirect_to_loopback_is_refused_at_that_hop(servers):
    cdn, internal = servers
    cdn.location = f"{internal.url}/admin"
    with pytest.raises(netguard.UnsafeUrl):
        _get(f"{cdn.url}/redirect")
    assert cdn.hits == ["/redirect"] and internal.hits == []


def test_public_redirects_are_followed_and_read(servers):
    cdn, _ = servers
    cdn.location = "/file.png"  # relative Location, resolved against the hop
    fetched = _get(f"{cdn.url}/redirect")
    assert fetched.body == b"payload" and fetched.url == f"{cdn.url}/file.png"
    assert cdn.hits == ["/redirect", "/file.png"]


def test_redirect_loops_end(servers):
    cdn, _ = servers
    cdn.location = "/redirect"
    with pytest.raises(netguard.FetchError, match="redirects"):
        _get(f"{cdn.url}/redirect")
    assert len(cdn.hits) == netguard.MAX_REDIRECTS + 1


def test_bodies_over_the_limit_are_refused(servers):
    cdn, _ = servers
    cdn.body = b"x" * 5000
    with pytest.raises(netguard.FetchError, match="larger"):
        _get(f"{cdn.url}/big", max_bytes=4096)


def test_provider_downloads_check_every_hop(servers, tmp_path):
    cdn, internal = servers
    cdn.location = f"{internal.url}/latest/meta-data"
    with pytest.raises(ProviderError, match="refused") as err:
        download(f"{cdn.url}/redirect", tmp_path, timeout=2)
    assert not err.value.retryable
    assert internal.hits == [] and list(tmp_path.iterdir()) == []
    cdn.location = "/out.png"
    assert download(f"{cdn.url}/redirect", tmp_path, timeout=2).read_bytes() == b"payload"


def test_allow_private_lifts_only_the_address_rule(servers, tmp_path):
    _, internal = servers
    path = download(f"{internal.url}/out.png", tmp_path, timeout=2, allow_private=True)
    assert path.read_bytes() == b"payload"
    with pytest.raises(netguard.UnsafeUrl):
        netguard.check_url("gopher://127.0.0.1/", allow_private=True)
