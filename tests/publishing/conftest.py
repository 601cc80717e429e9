"""Publishing fixtures: the fake platforms wired in through the test-only base URLs, a
logged-in creator with a finished render, and the OAuth round trip as a browser does it."""

import os
from urllib.parse import urlsplit

import httpx
import pytest

from fluxnote.extensions import db
from fluxnote.renders.models import Render
from fluxnote.storage.services import put_bytes
from fluxnote.studio.models import Project
from tests.conftest import auth, login, make_token, make_user
from tests.publishing.fakes import FakeGoogle, FakeTikTok
from tests.videos.conftest import events_sent  # noqa: F401 - a fixture used here too

CHUNK = 256 * 1024


@pytest.fixture
def google():
    fake = FakeGoogle()
    yield fake
    fake.close()


@pytest.fixture
def tiktok():
    fake = FakeTikTok()
    yield fake
    fake.close()


@pytest.fixture
def creator(app, client, google, tiktok):
    app.config.update(
        YOUTUBE_CLIENT_ID=google.client_id,
        YOUTUBE_CLIENT_SECRET=google.client_secret,
        TIKTOK_CLIENT_KEY=tiktok.client_id,
        TIKTOK_CLIENT_SECRET=tiktok.client_secret,
        PUBLISH_BASE_URLS={
            "youtube": {"accounts": google.url, "oauth2": google.url, "api": google.url},
            "tiktok": {"www": tiktok.url, "api": tiktok.url},
        },
        PUBLISH_CHUNK_BYTES=CHUNK,
        PUBLISH_POLL_S=0.01,
    )
    user = make_user()
    login(client, user)
    return {"user": user, "client": client, "headers": auth(make_token(user))}


def finished_render(
    user, size: int = 5 * CHUNK + 1234, data: bytes | None = None
) -> tuple[Render, bytes]:
    """A succeeded render of a project of the user's, storing `data` (default: `size`
    random bytes: the platforms do not look inside)."""
    data = os.urandom(size) if data is None else data
    size = len(data)
    project = Project(
        workspace_id=user.current_workspace_id,
        created_by_id=user.id,
        title="Owls",
        template="quote",
        voice="joe",
        caption_style="karaoke",
        status="ready",
    )
    db.session.add(project)
    db.session.flush()
    render = Render(
        workspace_id=user.current_workspace_id,
        project_id=project.id,
        aspect="9:16",
        width=1080,
        height=1920,
        status="succeeded",
        progress=1.0,
        storage_key=put_bytes(data, ".mp4"),
        size_bytes=size,
        duration_s=12.0,
        job_id=f"render-test-{project.id}",
    )
    db.session.add(render)
    db.session.commit()
    return render, data


def connect(client, platform: str) -> httpx.Response:
    """Start the connect flow, let the fake platform consent, and follow it back."""
    started = client.get(f"/settings/publishing/{platform}/connect")
    assert started.status_code == 302, started.data
    consent = httpx.get(started.location, follow_redirects=False)
    assert consent.status_code == 302
    back = urlsplit(consent.headers["location"])
    return client.get(f"{back.path}?{back.query}")


def publish(client, headers, render_id: int, target_id: int, **extra):
    body = {"target_id": target_id, "title": "Why owls hoot", **extra}
    return client.post(f"/api/v1/renders/{render_id}/publish", headers=headers, json=body)
