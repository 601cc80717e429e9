"""Authorization matrix generated from the URL map: every route x {anonymous, another
workspace's member, an admin of no workspace involved, the owning member}.

Default-deny: a route is protected unless it is on the PUBLIC allow-list, and every
URL parameter must be known to tests/hardening/factory.py, so a new route cannot slip by.
"""

from tests.conftest import auth, make_token, make_user
from tests.hardening.factory import ID_PARAMS, build_owned, params, url_values

PUBLIC = {
    "static",
    "public_api.healthz",
    "public_api.openapi_json",
    "dashboard.index",  # the landing page for visitors
    "accounts.login",
    "accounts.signup",
    "accounts.logout",
    "billing.pricing",
    "webhooks_in.provider_callback",
    "billing.stripe_webhook",
}  # signed callbacks: authenticated by signature, not session
# The owner may get 404 here only because the file does not exist yet (no render output,
# no music track chosen).
NOT_READY = {
    "render_api.render_file",
    "render.download",
    "render.video",
    "render.poster",
    "studio.music",
}
LAST = ("billing.revoke_token", "accounts.logout", "webhooks_api.delete_endpoint")


def _routes(app) -> list[tuple]:
    routes = [
        (rule, method)
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]
    order = {"GET": 0, "POST": 1, "PATCH": 1, "PUT": 1, "DELETE": 2}
    return sorted(routes, key=lambda rm: (rm[0].endpoint in LAST, order.get(rm[1], 1), rm[0].rule))


def _call(app, rule, method, values, user=None, token=None):
    client = app.test_client()
    path = rule.build(values, append_unknown=False)[1]
    is_api = rule.rule.startswith("/api/")
    if user is not None and not is_api:
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = user.get_id(), True
    headers = auth(token) if token and is_api else {}
    body = ({"json": {}} if is_api else {"data": {}}) if method in ("POST", "PATCH", "PUT") else {}
    return client.open(path, method=method, headers=headers, **body)


def _expect(rule, role: str, code: int, location: str) -> str | None:
    """None if `code` is right for `role` on `rule`, else what was expected."""
    if code >= 500:
        return "no server error"
    if rule.endpoint in PUBLIC:
        return None
    is_api, is_ops = rule.rule.startswith("/api/"), rule.endpoint.startswith("ops.")
    scoped = any(p in ID_PARAMS for p in params(rule))
    if role == "anonymous":
        if is_api:
            return None if code == 401 else "401"
        return None if code == 302 and "/login" in location else "redirect to /login"
    if is_ops:
        wanted_ok = role == "admin"
        ok = code not in (401, 403) and "/login" not in location
        return None if ok == wanted_ok else ("allowed" if wanted_ok else "403")
    if role in ("other", "admin") and scoped:
        return None if code == 404 else "404"
    strict = (
        role == "member"
        and rule.endpoint not in NOT_READY
        and all(p in ID_PARAMS for p in params(rule))
    )
    if code in (401, 403) or (strict and code == 404):
        return "allowed"
    return None


def test_every_route_answers_each_role_correctly(app, client):
    owned = build_owned(app, client)
    other, admin = make_user(), make_user(admin=True)
    roles = {
        "anonymous": {},
        "other": {"user": other, "token": make_token(other)},
        "admin": {"user": admin, "token": make_token(admin)},
        "member": {"user": owned.user, "token": owned.token},
    }
    wrong, checked = [], 0
    for rule, method in _routes(app):
        values = url_values(rule, owned)
        for role, who in roles.items():
            response = _call(app, rule, method, values, **who)
            expected = _expect(rule, role, response.status_code, response.location or "")
            checked += 1
            if expected:
                wrong.append(
                    f"{method} {rule.rule} as {role}: {response.status_code}, expected {expected}"
                )
    assert not wrong, "\n".join(wrong)
    assert checked >= 4 * 20


def test_matrix_knows_the_resources_it_needs(app, client):
    owned = build_owned(app, client)
    for rule in app.url_map.iter_rules():
        url_values(rule, owned)
