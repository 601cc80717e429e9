"""A failed htmx request (rate limited, server error, unreachable) tells the user."""

from playwright.sync_api import expect


def _advise(page):
    page.fill(".advisor-form input[name=videos]", "37")


def test_rate_limited_htmx_request_shows_a_message(page):
    page.goto("/pricing")
    page.route(
        "**/pricing?*",
        lambda route: route.fulfill(
            status=429,
            headers={"Retry-After": "30", "Content-Type": "application/json"},
            body='{"error": {"code": "rate_limited", "message": "Too many requests."}}',
        ),
    )
    _advise(page)
    expect(page.locator("#toast")).to_have_text("Too many requests — try again in 30 s.")


def test_server_error_and_unreachable_server_show_a_message(page):
    page.goto("/pricing")
    page.route("**/pricing?*", lambda route: route.fulfill(status=500, body="boom"))
    _advise(page)
    expect(page.locator("#toast")).to_contain_text("Something went wrong")
    page.unroute("**/pricing?*")
    page.route("**/pricing?*", lambda route: route.abort())
    page.fill(".advisor-form input[name=videos]", "38")
    expect(page.locator("#toast")).to_contain_text("Can't reach FluxNote")
