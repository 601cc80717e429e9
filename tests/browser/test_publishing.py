"""Publishing in headless Chromium: connect YouTube from /settings through the OAuth
round trip (a local server speaking Google's protocol), then publish a finished render
from the studio and watch the panel turn to "published". Screenshots go to tmp_path."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from fluxnote.accounts.models import User
from fluxnote.extensions import db
from fluxnote.studio import build, create
from tests.browser.conftest import signup
from tests.browser.test_studio import work
from tests.publishing.conftest import CHUNK, finished_render
from tests.publishing.fakes import FakeGoogle
from tests.render.media import make_video


def test_connect_youtube_and_publish_from_the_studio(
    page, live_app, live_server, console_errors, tmp_path
):
    google = FakeGoogle()
    live_app.config.update(
        PUBLIC_URL=live_server,
        YOUTUBE_CLIENT_ID=google.client_id,
        YOUTUBE_CLIENT_SECRET=google.client_secret,
        PUBLISH_BASE_URLS={
            "youtube": {"accounts": google.url, "oauth2": google.url, "api": google.url}
        },
        PUBLISH_CHUNK_BYTES=CHUNK,
    )
    email = signup(page)
    page.goto("/settings#settings-publishing")
    expect(page.locator("#settings-publishing")).to_contain_text("No accounts connected yet")
    page.click("#settings-publishing [data-connect=youtube]")
    page.wait_for_url(re.compile(r"/settings"))
    panel = page.locator("#settings-publishing")
    expect(panel).to_contain_text("Owl Facts")
    expect(page.locator(".flash")).to_contain_text("Connected YouTube: Owl Facts")
    panel.screenshot(path=tmp_path / "publishing-connect.png")

    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        req = create.parse_request({"topic": "Why owls hoot", "template": "quote"})
        project = create.quick_create(_workspace(user), user.id, req, enqueue=False)
        db.session.commit()
        build.build_project(project.id)
        mp4 = make_video(tmp_path / "owls.mp4", ["red", "blue"], 1.0, size="360x640")
        render, data = finished_render(user, data=mp4.read_bytes())
        render.project_id = project.id
        db.session.commit()
        project_id = project.id
    page.goto(f"/studio/{project_id}")
    form = page.locator(".publish-form")
    # the browser's zone (the page fixture's), not the server's UTC: "When (Europe/Berlin)"
    expect(form.locator("[data-time-zone-label]")).to_have_text("Europe/Berlin")
    expect(form.locator("input[name=time_zone]")).to_have_value("Europe/Berlin")
    form.locator("input[name=title]").fill("Why owls hoot")
    form.locator("textarea[name=description]").fill("Three facts about owls.")
    form.locator("select[name=privacy]").select_option("unlisted")
    form.locator("button[type=submit]").click()
    expect(page.locator(".publications li").first).to_have_attribute("data-status", "queued")
    assert work(live_app, "default") == 1
    expect(page.locator(".publications li").first).to_have_attribute(
        "data-status", "published", timeout=15_000
    )
    link = page.locator(".publications a:has-text('view post')")
    assert link.get_attribute("href") == f"https://www.youtube.com/shorts/{google.videos[0]['id']}"
    assert bytes(next(iter(google.sessions.values())).data) == data
    page.set_viewport_size(
        {"width": 1280, "height": 2600}
    )  # the whole panel, no sticky bar over it
    page.evaluate("window.scrollTo(0, 0)")
    box = page.locator("#render-status").bounding_box()
    page.screenshot(path=tmp_path / "publishing-publish.png", clip=box)
    assert console_errors == []
    google.close()


def _workspace(user):
    from fluxnote.accounts.models import Workspace

    return db.session.get(Workspace, user.current_workspace_id)
