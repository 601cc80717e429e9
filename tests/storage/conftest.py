"""Storage fixtures: a real S3 protocol server (moto's server mode) on loopback for the
session, a fresh bucket per test, and tiny HTTP servers that answer 500 or never answer.
"""

import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
from moto.server import ThreadedMotoServer

from fluxnote.extensions import db
from tests.conftest import build_app
from tests.generation.conftest import fakes  # noqa: F401 (a fixture used here)
from tests.render.conftest import fake_builder  # noqa: F401 (a fixture used here)
from tests.test_migrations import empty_pg  # noqa: F401 (a fixture used here)

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="session")
def moto_url():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )


@pytest.fixture
def bucket(moto_url):
    name = f"fluxnote-{uuid.uuid4().hex[:12]}"
    s3_client(moto_url).create_bucket(Bucket=name)
    return name


def s3_settings(bucket: str, endpoint: str, **extra) -> dict:
    return {
        "STORAGE_URL": f"s3://{bucket}/media",
        "AWS": {**CREDENTIALS, "AWS_ENDPOINT_URL": endpoint},
        "STORAGE_TIMEOUT_S": 2.0,
        **extra,
    }


@pytest.fixture
def app(tmp_path, redis_url, bucket, moto_url):
    """The app on the S3 backend (replaces the root `app` for every test here)."""
    app = build_app(tmp_path, redis_url, **s3_settings(bucket, moto_url))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def objects(endpoint: str, bucket: str) -> list[str]:
    """Every key in the bucket."""
    listing = s3_client(endpoint).list_objects_v2(Bucket=bucket)
    return [o["Key"] for o in listing.get("Contents", [])]


class _Fail500(BaseHTTPRequestHandler):
    def _answer(self):
        self.server.hits += 1
        body = b"<Error><Code>InternalError</Code><Message>boom</Message></Error>"
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(500)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _answer

    def log_message(self, *_args):
        pass


@pytest.fixture
def failing_store():
    """An HTTP endpoint answering 500 InternalError to every S3 call; `.hits` counts."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Fail500)
    server.hits = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_store():
    """An endpoint that accepts connections and never answers (a hung store)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    held, stop = [], threading.Event()

    def accept():
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    sock.close()
