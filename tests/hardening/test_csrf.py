"""CSRF on every state-changing browser route, generated from the URL map: without the
token a signed-in member gets 400 and nothing runs. Signed callbacks and the bearer-token
API are exempt by design (no browser sends those credentials on its own)."""

import pytest

from fluxnote.extensions import db
from tests.conftest import build_app
from tests.hardening.factory import build_owned, url_values

EXEMPT = {"webhooks_in.provider_callback", "billing.stripe_webhook"}


@pytest.fixture
def csrf_app(tmp_path, redis_url):
    app = build_app(tmp_path, redis_url)
    with app.app_context():
        owned = build_owned(app, app.test_client())  # made through the API: no CSRF there
        app.config["WTF_CSRF_ENABLED"] = True
        yield app, owned
        db.session.remove()
        db.engine.dispose()


def test_every_browser_form_needs_the_csrf_token(csrf_app):
    app, owned = csrf_app
    checked, wrong = 0, []
    for rule in app.url_map.iter_rules():
        methods = rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
        if not methods or rule.rule.startswith("/api/") or rule.endpoint in EXEMPT:
            continue
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = owned.user.get_id(), True
        for method in methods:
            response = client.open(
                rule.build(url_values(rule, owned), append_unknown=False)[1], method=method, data={}
            )
            checked += 1
            if response.status_code != 400 or "CSRF" not in response.get_data(as_text=True):
                wrong.append(f"{method} {rule.rule}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert checked >= 10
