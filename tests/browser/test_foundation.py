"""Sign up, see the counters, upgrade: the counters change without a page reload."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from fluxnote.accounts.models import User
from fluxnote.credits import services as credits
from fluxnote.extensions import db
from tests.browser.conftest import signup


def counter(page, root: str, kind: str, name: str):
    return page.locator(f"{root} [data-kind={kind}] [data-{name}]").first


def test_signup_dashboard_upgrade_without_reload(page, live_app, console_errors):
    live_app.config["SELF_SERVICE_PLANS"] = True  # the operator lets owners pick plans
    email = signup(page)
    expect(counter(page, "#credit-counters", "video", "remaining")).to_have_text("1")
    expect(counter(page, "#credit-counters", "image", "allowance")).to_have_text("100")
    expect(page.locator("[data-countdown]").first).to_have_text(re.compile(r"\d+h \d\dm \d\ds"))

    page.click("nav >> text=Settings")
    page.wait_for_url(re.compile(r"/settings$"))
    expect(counter(page, "#credit-summary", "video", "remaining")).to_have_text("1")
    page.evaluate("window.__sameDocument = 'yes'")
    page.click("#settings-plan button[data-plan=pro]")
    expect(counter(page, "#credit-summary", "video", "remaining")).to_have_text("50")
    expect(counter(page, "#credit-summary", "image", "allowance")).to_have_text("2,100")
    expect(page.locator("#settings-plan [data-current-plan]")).to_have_text("Pro")
    assert page.evaluate("window.__sameDocument") == "yes"

    page.click("nav >> text=Dashboard")
    expect(counter(page, "#credit-counters", "video", "allowance")).to_have_text("50")
    page.evaluate("window.__sameDocument = 'yes'")
    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        credits.reserve(user.current_workspace_id, "video", "from-the-test", user.id)
        db.session.commit()
    page.evaluate("htmx.trigger(document.body, 'credits-changed')")
    expect(counter(page, "#credit-counters", "video", "reserved")).to_have_text("1")
    expect(counter(page, "#credit-counters", "video", "remaining")).to_have_text("49")
    assert page.evaluate("window.__sameDocument") == "yes"
    assert console_errors == []


def test_plan_advisor_updates_in_place(page, console_errors):
    page.goto("/pricing")
    expect(page.locator("[data-plan=rise] [data-cost-video]")).to_have_text("$0.38 per video")
    expect(page.locator("[data-advice-plan]")).to_have_text("Max")
    page.evaluate("window.__sameDocument = 'yes'")
    page.fill("input[name=videos]", "2")
    expect(page.locator("[data-advice-plan]")).to_have_text("Rise")
    expect(page.locator("#advisor-result")).to_contain_text(
        "2 videos × 4 variations × 1 member = 8"
    )
    assert page.evaluate("window.__sameDocument") == "yes"
    assert console_errors == []
