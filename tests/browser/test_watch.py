"""Watch it, then post it, in headless Chromium: the landing page, the first-run
dashboard, the studio's player (a render really plays), the 390 px navigation, and the
studio's busy states and live variants list."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from fluxnote.accounts.models import User
from fluxnote.extensions import db
from fluxnote.renders.models import Render
from tests.browser.conftest import signup
from tests.browser.test_studio import work
from tests.render.conftest import fake_builder, make_project  # noqa: F401

PHONE = {"width": 390, "height": 844}


def overflow(page) -> int:
    """How far the page scrolls sideways (0 when everything fits the viewport)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def project_for(live_app, email: str, title: str) -> int:
    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        project = make_project(user, title=title)
        project.status = "ready"
        db.session.commit()
        return project.id


def test_a_visitor_sees_what_fluxnote_is(page, console_errors):
    page.goto("/")
    expect(page.locator("#landing h1")).to_contain_text("publish-ready short")
    expect(page.locator("#landing .landing-cta a[href='/signup']")).to_be_visible()
    expect(page.locator("#auth-form")).to_have_count(0)
    page.set_viewport_size(PHONE)
    assert overflow(page) == 0
    expect(page.locator("nav a[href='/signup']")).to_be_visible()
    page.click("#landing .landing-cta a[href='/signup']")
    page.wait_for_url(re.compile(r"/signup$"))
    assert console_errors == []


def test_first_run_dashboard_creates_a_video(page, live_app, console_errors):
    signup(page)
    expect(page.locator("#studio-new h2")).to_have_text("Create a video")
    expect(page.locator("#recent-videos")).to_contain_text("No videos yet.")
    checks = page.locator("#setup-checklist [data-check]")
    expect(checks).to_have_count(4)
    expect(page.locator("[data-check=writer] .connect-list")).to_contain_text("OPENAI_API_KEY")
    expect(page.locator("[data-check=stock] .connect-list")).to_contain_text("PEXELS_API_KEY")
    # the refresh time is shown in the viewer's zone (the page's Europe/Berlin), not UTC
    expect(page.locator("[data-kind=video] time[data-local-time]")).not_to_contain_text("UTC")
    page.fill("#dash-topic", "Why cats purr")
    page.click("#studio-new label.chip:has-text('Quote')")
    page.click("#studio-new button[type=submit]")
    page.wait_for_url(re.compile(r"/studio/\d+$"))
    expect(page.locator("#studio-status")).to_be_visible()
    page.goto("/")
    expect(page.locator("#recent-videos .video-card")).to_have_count(1)
    expect(page.locator("#recent-videos .video-title")).to_have_text("Why cats purr")
    assert console_errors == []


def test_the_studio_plays_the_render(page, live_app, fake_builder, console_errors):  # noqa: F811
    email = signup(page)
    project_id = project_for(live_app, email, "Cats: a purr story")
    page.goto(f"/studio/{project_id}")
    page.click("#render-status button[type=submit]")
    expect(page.locator("#render-progress progress")).to_be_visible()
    assert work(live_app, "render") == 1
    video = page.locator("#render-player")
    expect(video).to_be_visible(timeout=15_000)
    for _ in range(100):  # metadata arrives through a range request
        if page.evaluate("document.querySelector('#render-player').readyState") >= 1:
            break
        page.wait_for_timeout(100)
    facts = page.evaluate(
        "(() => { const v = document.querySelector('#render-player');"
        " return {ready: v.readyState, duration: v.duration, w: v.videoWidth, h: v.videoHeight}; })()"
    )
    assert facts["ready"] >= 1 and facts["duration"] == pytest.approx(1.5, abs=0.1)
    assert (facts["w"], facts["h"]) == (180, 320)
    page.evaluate(
        "(() => { const v = document.querySelector('#render-player'); v.muted = true; v.play(); })()"
    )
    for _ in range(50):
        if page.evaluate("document.querySelector('#render-player').currentTime") > 0.2:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("document.querySelector('#render-player').currentTime") > 0.2
    poster = page.request.get(video.get_attribute("poster"))
    assert poster.ok and poster.headers["content-type"] == "image/jpeg"

    with page.expect_download() as download:
        page.click("#render-status a:has-text('Download MP4')")
    assert download.value.suggested_filename == "Cats a purr story.mp4"

    page.select_option("#render-status select[name=aspect]", "1:1")
    page.click("#render-status button[type=submit]")  # a new render: the player stays
    expect(page.locator("#render-progress")).to_be_visible()
    expect(video).to_be_visible()
    assert work(live_app, "render") == 1
    with live_app.app_context():
        newest = db.session.scalars(select(Render).order_by(Render.id.desc())).first().id
    expect(video).to_have_attribute("src", f"/renders/{newest}/video", timeout=10_000)
    expect(page.locator("#render-progress")).to_have_count(0)
    page.goto("/")
    expect(page.locator(f"#recent-videos img[src='/renders/{newest}/poster.jpg']")).to_be_visible()
    assert console_errors == []


def test_the_navigation_fits_a_390px_phone(browser, live_server, console_errors):
    context = browser.new_context(base_url=live_server, viewport=PHONE)
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    signup(page)
    links = page.locator("#topnav a")
    expect(links.first).to_be_hidden()
    assert overflow(page) == 0
    page.click("[data-nav-toggle]")
    expect(page.locator("[data-nav-toggle]")).to_have_attribute("aria-expanded", "true")
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    expect(page.locator(".who button:has-text('Log out')")).to_be_visible()
    assert overflow(page) == 0
    page.click("#topnav a:has-text('Projects')")
    page.wait_for_url(re.compile(r"/studio$"))
    assert overflow(page) == 0
    expect(links.first).to_be_hidden()  # a new page starts with the menu closed
    context.close()
    assert console_errors == []


def media_duration(page, selector: str) -> float:
    for _ in range(100):
        duration = page.evaluate(f"document.querySelector({selector!r}).duration")
        if duration and duration == duration:  # NaN until the metadata has arrived
            return duration
        page.wait_for_timeout(100)
    return 0.0


def test_studio_busy_states_variants_and_audio_lengths(page, live_app, console_errors):
    signup(page)
    page.fill("#dash-topic", "Why cats purr")
    page.click("#studio-new label.chip:has-text('Quote')")
    page.click("#studio-new button[type=submit]")
    page.wait_for_url(re.compile(r"/studio/\d+$"))
    assert work(live_app, "default") == 1
    page.wait_for_selector("#studio-scenes .scene", timeout=15_000)

    # audio players know their length before anyone presses play
    assert media_duration(page, "#studio-voice audio") > 0.5
    assert media_duration(page, "#studio-music audio") > 5  # the build rendered the track
    expect(page.locator("#studio-music option:checked")).to_have_text(re.compile(r" · \d+:\d\d$"))
    positions = page.locator("#caption-form select[name=position] option").all_inner_texts()
    assert positions == ["top", "center", "lower third", "bottom"]

    # re-voicing a scene: its button is disabled and says so until the answer arrives
    held = []
    page.route(re.compile(r"/edit/text$"), lambda route: held.append(route))
    scene = page.locator("#studio-scenes .scene").first
    scene.locator("textarea").fill("Cats purr when they are happy, and when they heal.")
    button = scene.locator("form.scene-text button")
    button.click()
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    expect(button).to_be_disabled()
    expect(button.locator(".when-busy")).to_be_visible()
    expect(button.locator(".when-busy")).to_contain_text("Re-voicing scene 1")
    with page.expect_response(re.compile(r"/edit/text$"), timeout=60_000) as answer:
        held[0].continue_()
    assert answer.value.ok
    page.unroute(re.compile(r"/edit/text$"))
    scene = page.locator("#studio-scenes .scene").first
    expect(scene.locator("textarea")).to_have_value(
        "Cats purr when they are happy, and when they heal."
    )
    expect(scene.locator("form.scene-text button")).to_be_enabled()
    expect(scene.locator("form.scene-text .when-busy")).to_be_hidden()

    # a restyle refreshes the variants list (it names each variant's caption style)
    original = page.url
    page.click("#studio-settings button:has-text('Duplicate as variant')")
    page.wait_for_url(lambda url: url != original and re.search(r"/studio/\d+$", url))
    variant_id = page.url.rsplit("/", 1)[1]
    current = page.locator(f"#studio-variants li[data-variant='{variant_id}']")
    expect(page.locator("#studio-variants li")).to_have_count(2)
    page.select_option("#caption-form select[name=caption_style]", "typewriter")
    expect(current).to_contain_text("typewriter")
    expect(page.locator("#studio-variants li").first).not_to_contain_text("typewriter")
    assert console_errors == []
