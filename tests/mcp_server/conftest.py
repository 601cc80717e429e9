"""A real HTTP server on loopback (a thread) and the MCP SDK's own client against it."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

import httpx2
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from werkzeug.serving import make_server


@pytest.fixture
def served(pg_app):
    """The whole app (Flask + /mcp) served over HTTP on 127.0.0.1; yields its base URL."""
    pg_app.config["RENDER_PRESET"] = "ultrafast"
    server = make_server("127.0.0.1", 0, pg_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@asynccontextmanager
async def mcp_session(base_url: str, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60) as http,
        streamable_http_client(f"{base_url}/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


def with_session(base_url: str, token: str | None, steps):
    """Run `await steps(session)` in a fresh event loop on its own thread (the browser
    tests' session-wide Playwright keeps a loop running on the main thread); returns
    what it returns."""

    async def main():
        async with mcp_session(base_url, token) as session:
            return await steps(session)

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result()
