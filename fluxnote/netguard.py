"""Outgoing requests made on someone else's say-so: one private-address rule for all.

Outgoing webhooks (a URL a user typed), provider result downloads (a URL a provider
answered), a user's `source_url` and stock media all go through here, so none of them
can reach this machine or its network:

- `check_url(url, allow_private)`: refuse anything but an absolute http(s) URL without
  credentials whose host resolves only to public addresses; returns the checked address
  to connect to (no second DNS lookup that could be rebound).
- `open_get` (streamed) / `get` (into memory) / `download` (into a file): GETs that follow
  redirects themselves, every hop checked and pinned, within a size and a time cap.
- `pinned_request`: any other request (webhook POSTs) to a checked address.

Public means `is_global`, not multicast, and not an IPv6 form that embeds an IPv4
address (mapped ::ffff:0:0/96, compatible ::/96, NAT64 64:ff9b::/96 and 64:ff9b:1::/48,
6to4 2002::/16, Teredo 2001::/32): a gateway forwards those to the embedded address,
which may be internal. `allow_private` (config ALLOW_PRIVATE_URLS, env
FLUXNOTE_ALLOW_PRIVATE_URLS=1; webhooks: ALLOW_PRIVATE_WEBHOOK_URLS) lifts the address
rule for self-hosted setups and tests; the URL's shape is still checked.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
REDIRECTS = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 5
EMBEDS_IPV4 = tuple(
    ipaddress.ip_network(net)
    for net in (
        "::ffff:0:0/96",
        "::/96",
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "2002::/16",
        "2001::/32",
    )
)


class UnsafeUrl(ValueError):
    """A refused URL (scheme, credentials, private address, unresolvable host); the
    message is safe to show."""


class FetchError(Exception):
    """The fetch failed: network error, HTTP error status, too large or too slow.
    `status` is the HTTP status when there was one."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclass
class Fetched:
    url: str  # after redirects
    content_type: str
    body: bytes


def is_public(address: IPAddress) -> bool:
    """True for an address anyone on the internet reaches the same way."""
    if address.version == 6 and any(address in net for net in EMBEDS_IPV4):
        return False
    return address.is_global and not address.is_multicast


def check_url(url: str, allow_private: bool) -> IPAddress:
    """Refuse anything but an http(s) URL whose host resolves only to public addresses.

    Returns the address to connect to. Raises UnsafeUrl (also for malformed URLs such
    as "http://[::1/" or a port out of range).
    """
    if not isinstance(url, str) or len(url) > 2000:
        raise UnsafeUrl("URL must be a string of at most 2000 characters.")
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        raise UnsafeUrl("URL is malformed (brackets, port or characters).") from None
    if parts.scheme not in ("http", "https") or not host:
        raise UnsafeUrl("URL must be an absolute http:// or https:// URL.")
    if parts.username or parts.password:
        raise UnsafeUrl("URL must not contain credentials.")
    addresses = _resolve(host, port or (443 if parts.scheme == "https" else 80))
    if not allow_private and not all(is_public(address) for address in addresses):
        raise UnsafeUrl("URL resolves to a private or loopback address.")
    return addresses[0]


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
        return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    except (OSError, UnicodeError, ValueError):
        raise UnsafeUrl(f"Host {host[:100]} cannot be resolved.") from None


def pinned_request(
    client: httpx.Client, method: str, url: str, address: IPAddress, **kwargs
) -> httpx.Request:
    """A request to `address` itself, with the URL's Host header and TLS server name."""
    parts = urlsplit(url)
    host = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{host}:{parts.port}" if parts.port else host
    headers = {**kwargs.pop("headers", {}), "host": parts.netloc}
    return client.build_request(
        method,
        urlunsplit(parts._replace(netloc=netloc)),
        headers=headers,
        extensions={"sni_hostname": parts.hostname},
        **kwargs,
    )


@contextmanager
def open_get(
    url: str, *, allow_private: bool, timeout_s: float, headers: dict | None = None
) -> Iterator[httpx.Response]:
    """A streamed GET of `url`, redirects followed with every hop checked. The response
    has status < 300. `timeout_s` bounds each connect and each read. Raises UnsafeUrl or
    FetchError."""
    with httpx.Client(timeout=httpx.Timeout(timeout_s), follow_redirects=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            address = check_url(url, allow_private)
            request = pinned_request(client, "GET", url, address, headers=dict(headers or {}))
            try:
                response = client.send(request, stream=True)
            except httpx.HTTPError as exc:
                raise FetchError(f"{exc.__class__.__name__}: {exc}") from exc
            if response.status_code in REDIRECTS and "location" in response.headers:
                response.close()
                url = urljoin(url, response.headers["location"])
                continue
            try:
                if response.status_code >= 300:
                    raise FetchError(f"HTTP {response.status_code}", response.status_code)
                response.extensions["final_url"] = url
                yield response
            finally:
                response.close()
            return
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


def chunks(response: httpx.Response, max_bytes: int, deadline: float) -> Iterator[bytes]:
    """The body in chunks; FetchError past `max_bytes` or the monotonic `deadline`."""
    size = 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(f"larger than {max_bytes // (1 << 20)} MB")
            if time.monotonic() > deadline:
                raise FetchError("took too long")
            yield chunk
    except httpx.HTTPError as exc:
        raise FetchError(f"{exc.__class__.__name__}: {exc}") from exc


def get(
    url: str,
    *,
    allow_private: bool,
    max_bytes: int,
    timeout_s: float,
    headers: dict | None = None,
) -> Fetched:
    """GET `url` into memory within `max_bytes` and `timeout_s` in all. Raises UnsafeUrl
    or FetchError."""
    deadline = time.monotonic() + timeout_s
    with open_get(url, allow_private=allow_private, timeout_s=timeout_s, headers=headers) as r:
        body = b"".join(chunks(r, max_bytes, deadline))
        return Fetched(r.extensions["final_url"], r.headers.get("content-type", ""), body)


def download(
    url: str,
    dest: Path,
    *,
    allow_private: bool,
    max_bytes: int,
    timeout_s: float,
    io_timeout_s: float | None = None,
) -> str:
    """Stream `url` into `dest` (no partial file is left on failure); returns the
    Content-Type. `timeout_s` bounds the whole transfer, `io_timeout_s` (default the
    same) each connect and read. Raises UnsafeUrl or FetchError."""
    deadline = time.monotonic() + timeout_s
    io_timeout = io_timeout_s or timeout_s
    try:
        with (
            open_get(url, allow_private=allow_private, timeout_s=io_timeout) as response,
            dest.open("wb") as out,
        ):
            for chunk in chunks(response, max_bytes, deadline):
                out.write(chunk)
            return response.headers.get("content-type", "")
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
