"""The generate page in headless Chromium: cost up front, the counter drops at once, the
status card polls until the offline engine's image arrives, out-of-credits message."""

import re

from playwright.sync_api import expect

from fluxnote.tasks import run_worker
from tests.browser.conftest import signup


def test_generate_an_image_from_the_studio(page, live_app, console_errors):
    signup(page)
    page.click("nav >> text=Generate")
    page.wait_for_url(re.compile(r"/generate$"))
    expect(page.locator("#gen-cost")).to_have_text(re.compile(r"Uses 1 image credit — 100 left"))
    page.select_option("#gen-form select[name=model]", "offline-image")
    page.fill("#gen-form textarea[name=prompt]", "a lighthouse in a storm")
    page.select_option("#gen-form select[name=aspect]", "1:1")
    page.click("#gen-form button[type=submit]")
    card = page.locator("#gen-gallery .gen-card").first
    expect(card).to_have_attribute("data-status", "queued")
    expect(page.locator("#gen-cost [data-remaining]")).to_have_text("99")
    run_worker(live_app, ["priority", "default"], burst=True)
    expect(card).to_have_attribute("data-status", "succeeded", timeout=30_000)
    expect(card.locator("img")).to_be_visible()
    expect(card.locator("[data-engine]")).to_have_text("FluxNote Offline Image")
    assert card.get_attribute("hx-trigger") is None  # polling stopped
    assert page.evaluate("document.querySelector('#gen-gallery img').naturalWidth") == 1080
    assert console_errors == []


def test_out_of_video_credits_message(page, console_errors):
    signup(page)
    page.goto("/generate")
    page.select_option("#gen-form select[name=model]", "offline-video")
    expect(page.locator("#gen-cost")).to_have_text(re.compile(r"Uses 1 video credit — 1 left"))
    page.fill("#gen-form textarea[name=prompt]", "waves at dusk")
    page.click("#gen-form button[type=submit]")
    expect(page.locator("#gen-cost [data-remaining]")).to_have_text("0")
    page.fill("#gen-form textarea[name=prompt]", "one more")
    page.click("#gen-form button[type=submit]")
    message = page.locator("#gen-out-of-credits")
    expect(message).to_contain_text("out of video credits")
    expect(message).to_contain_text(re.compile(r"refresh on\s+\w+ \d\d"))
    expect(message).to_contain_text("Rise plan (21 video credits a month) would cover it")
    assert [e for e in console_errors if " 402 " not in f" {e} "] == []
