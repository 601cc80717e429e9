"""The ops page in headless Chromium: no CSP violations, live numbers refresh by htmx
polling without a reload, and a credit adjustment submitted through the form (CSRF on)."""

import re

from playwright.sync_api import expect

from fluxnote.tasks import get_queue
from tests.browser.conftest import log_in
from tests.conftest import make_user


def test_ops_page_polls_and_adjusts_credits(live_app, page, console_errors):
    with live_app.app_context():
        admin = make_user(admin=True)
        customer = make_user(email="customer@example.com")
        admin_email, ws = admin.email, customer.current_workspace_id
    log_in(page, admin_email)
    page.click("nav >> text=Ops")
    page.wait_for_url(re.compile(r"/ops/$"))
    waiting = page.locator('tr[data-queue="default"] td[data-waiting]')
    assert waiting.inner_text() == "0"
    with live_app.app_context():
        get_queue("default").enqueue("fluxnote.ops.services.table", "x", job_id="poll-me")
    expect(waiting).to_have_text("1", timeout=12_000)  # no reload: the 5 s htmx poll
    page.goto(f"/ops/workspaces/{ws}")
    before = int(page.locator('tr[data-kind="image"] td[data-remaining]').inner_text())
    page.select_option("#ops-adjust select[name=kind]", "image")
    page.fill("#ops-adjust input[name=amount]", "25")
    page.fill("#ops-adjust input[name=reason]", "support ticket 42")
    page.click("#ops-adjust button")
    page.wait_for_selector("text=Adjustment recorded")
    assert int(page.locator('tr[data-kind="image"] td[data-remaining]').inner_text()) == before + 25
    assert "support ticket 42" in page.locator("#ops-ledger").inner_text()
    assert console_errors == []
