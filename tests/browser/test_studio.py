"""The studio in headless Chromium: quick create → restyle (the preview changes) →
render → progress → download."""

import re

from playwright.sync_api import expect
from rq import SimpleWorker

from fluxnote.extensions import redis_store
from fluxnote.tasks import get_queue
from tests.browser.conftest import signup
from tests.render.media import probe


def work(app, queue: str) -> int:
    """Run the queue's jobs in this process (no worker runs beside the live server)."""
    with app.app_context():
        q = get_queue(queue)
        count = q.count
        SimpleWorker([q], connection=redis_store.conn).work(burst=True)
        return count


def test_quick_create_restyle_render_and_download(page, live_app, console_errors, tmp_path):
    live_app.config["RENDER_PRESET"] = "ultrafast"
    signup(page)
    page.click("nav >> text=Projects")
    page.fill("#studio-new input[name=topic]", "Why cats purr")
    page.select_option("#studio-new select[name=template]", "quote")
    page.click("#studio-new button[type=submit]")
    page.wait_for_url(re.compile(r"/studio/\d+$"))
    page.wait_for_selector("#studio-status progress")
    assert work(live_app, "default") == 1  # the build job: voice, visuals, music
    page.wait_for_selector("#studio-scenes .scene", timeout=15_000)
    assert page.locator("#studio-scenes .scene").count() == 5

    scenes = page.locator("#studio-scenes .scene")
    for left in (4, 3, 2):  # a shorter video: delete scenes from the timeline
        scenes.last.locator("button:has-text('Delete')").click()
        expect(scenes).to_have_count(left)
    assert page.locator("#studio-undo button").inner_text().startswith("↶ Undo: Delete scene")

    before = page.get_attribute("#studio-preview", "src")
    old_png = page.request.get(before).body()
    page.select_option("#caption-form select[name=caption_style]", "boxed_highlight")
    expect(page.locator("#studio-preview")).not_to_have_attribute("src", before)
    after = page.get_attribute("#studio-preview", "src")
    new_png = page.request.get(after)
    assert new_png.headers["content-type"] == "image/png" and new_png.body() != old_png
    assert (
        page.locator("#caption-form select[name=caption_style]").input_value() == "boxed_highlight"
    )

    page.click("#render-status button[type=submit]")
    page.wait_for_selector("#render-status progress")
    assert page.locator("#render-status .render-state").inner_text() == "queued"
    assert work(live_app, "render") == 1
    link = page.wait_for_selector("#render-status a:has-text('Download MP4')", timeout=20_000)
    with page.expect_download() as download:
        link.click()
    path = tmp_path / "video.mp4"
    download.value.save_as(path)
    facts = probe(path)
    assert (
        facts["size"] == (1080, 1920)
        and facts["video_codec"] == "h264"
        and facts["audio_codec"] == "aac"
    )
    assert 2 < facts["duration"] < 20
    assert console_errors == []
