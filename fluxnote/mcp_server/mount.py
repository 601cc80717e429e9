"""/mcp inside the Flask WSGI app.

The MCP SDK serves ASGI (Starlette); FluxNote serves WSGI (gunicorn, werkzeug). A small
WSGI dispatcher sends exactly the path /mcp to the SDK's Streamable HTTP app through
a2wsgi's ASGIMiddleware and everything else to Flask, so one process, one port and one
deployment serve both. The bridge (an asyncio loop in a daemon thread, running the SDK's
session manager) is started lazily per process: a thread does not survive a fork, so
gunicorn workers each start their own on their first /mcp request.

Stateless JSON mode: every POST is a whole exchange (no server-held session, no SSE
stream), so any worker of any host can answer any request. A request without a valid
API token is refused here, before the bridge, with the API's 401 body.
"""

import asyncio
import json
import os
import threading

from a2wsgi import ASGIMiddleware
from flask import Flask
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings

from fluxnote.accounts.services import token_use_due, touch_token
from fluxnote.api.auth import UNAUTHORIZED, token_from_header
from fluxnote.mcp_server import tools
from fluxnote.mcp_server.gateway import Caller, Gateway

PATH = "/mcp"
INSTRUCTIONS = (
    "FluxNote makes narrated, captioned short videos. create_video then poll get_video "
    "until it succeeds; generate makes single images or clips. Only generated visuals "
    "spend credits: check get_credits before spending."
)


class McpDispatcher:
    """WSGI: `PATH` to the MCP server, anything else to `flask_wsgi`."""

    def __init__(self, app: Flask, flask_wsgi):
        self.app, self.flask_wsgi = app, flask_wsgi
        self._lock, self._pid, self._bridge = threading.Lock(), None, None

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != PATH:
            return self.flask_wsgi(environ, start_response)
        if not self._authorized(environ.get("HTTP_AUTHORIZATION", "")):
            return _unauthorized(start_response)
        return self._started()(environ, start_response)

    def _authorized(self, header: str) -> bool:
        with self.app.app_context():
            row = token_from_header(header)
            if row is not None and token_use_due(row):
                touch_token(row.id)  # this check is a step of its own, before any tool runs
            return row is not None

    def _started(self) -> ASGIMiddleware:
        with self._lock:
            if self._pid != os.getpid():
                self._bridge, self._pid = start_bridge(self.app), os.getpid()
            return self._bridge


def build_server(app: Flask) -> MCPServer:
    # the SDK calls logging.basicConfig(level=log_level): WARNING leaves an unconfigured
    # root logger as Python's default would
    server = MCPServer("FluxNote", instructions=INSTRUCTIONS, version="1.0.0", log_level="WARNING")
    tools.register(server, Gateway(app), caller_of)
    return server


def caller_of(ctx) -> Caller:
    """The calling token and the server's own base URL, from the HTTP request."""
    request = ctx.request_context.request
    return Caller(
        request.headers.get("authorization", ""), f"{request.url.scheme}://{request.url.netloc}"
    )


def start_bridge(app: Flask) -> ASGIMiddleware:
    """Build the server, start its loop thread and session manager; the WSGI face of it."""
    server = build_server(app)
    asgi = server.streamable_http_app(
        streamable_http_path=PATH,
        stateless_http=True,
        json_response=True,
        # DNS-rebinding protection guards unauthenticated local servers; every request
        # here carries a bearer token a rebinding page cannot have, and the Host is the
        # deployment's own name, which the SDK's localhost default would refuse
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="mcp-loop", daemon=True).start()
    ready = threading.Event()
    asyncio.run_coroutine_threadsafe(_run_sessions(server, ready), loop)
    if not ready.wait(10):
        raise RuntimeError("the MCP session manager did not start")
    return ASGIMiddleware(asgi, loop=loop)


async def _run_sessions(server: MCPServer, ready: threading.Event) -> None:
    async with server.session_manager.run():
        ready.set()
        await asyncio.Event().wait()


def _unauthorized(start_response):
    body = json.dumps({"error": {"code": "unauthorized", "message": UNAUTHORIZED}}).encode()
    start_response(
        "401 UNAUTHORIZED",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
            ("WWW-Authenticate", 'Bearer realm="FluxNote"'),
        ],
    )
    return [body]


def init_app(app: Flask) -> None:
    app.wsgi_app = McpDispatcher(app, app.wsgi_app)
