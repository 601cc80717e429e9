"""htmx in one place: is this an htmx request, a redirect it follows, an event for the
page, and the fragment-or-page answer (the partial for htmx, the whole page otherwise)."""

from flask import Response, make_response, redirect, render_template, request

CREDITS_CHANGED = "credits-changed"  # the credit counters listen for it (from:body)


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def redirect_to(url: str) -> Response:
    """htmx follows HX-Redirect (on an empty 204); a plain form post gets a 303."""
    if not is_htmx():
        return redirect(url, 303)
    response = make_response("", 204)
    response.headers["HX-Redirect"] = url
    return response


def trigger(response: Response, event: str = CREDITS_CHANGED) -> Response:
    """Tell the page `event` happened (HX-Trigger); returns the response."""
    response.headers["HX-Trigger"] = event
    return response


def fragment_or_page(fragment: str, page: str, status: int = 200, **context) -> Response:
    """The partial for an htmx request, else the whole page, from the same context."""
    return make_response(render_template(fragment if is_htmx() else page, **context), status)


def retarget(response: Response, target: str, swap: str = "outerHTML") -> Response:
    """For htmx, swap the answer into `target` instead of the element that asked."""
    if is_htmx():
        response.headers.update({"HX-Retarget": target, "HX-Reswap": swap})
    return response
