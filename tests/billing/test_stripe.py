"""The optional Stripe backend against a loopback server speaking Stripe's API."""

import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import stripe
from sqlalchemy import func, select

from fluxnote.accounts.models import Workspace
from fluxnote.billing.models import BillingAccount
from fluxnote.extensions import db
from tests.conftest import auth, login, make_token, make_user

SECRET = "whsec_test"


class FakeStripe(BaseHTTPRequestHandler):
    """Answers the four calls the backend makes; records every request."""

    calls: list = []
    decline = False

    def do_GET(self):
        self._record({})
        self._answer(
            200,
            {
                "id": "sub_1",
                "object": "subscription",
                "items": {
                    "object": "list",
                    "data": [{"id": "si_1", "object": "subscription_item"}],
                },
            },
        )

    def do_POST(self):
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"] or 0)).decode())
        self._record(form)
        if self.path == "/v1/checkout/sessions":
            return self._answer(
                200,
                {
                    "id": "cs_1",
                    "object": "checkout.session",
                    "url": "https://checkout.stripe.test/cs_1",
                },
            )
        if FakeStripe.decline:
            return self._answer(
                402,
                {
                    "error": {
                        "type": "card_error",
                        "code": "card_declined",
                        "message": "Your card was declined.",
                    }
                },
            )
        self._answer(200, {"id": "sub_1", "object": "subscription"})

    def _record(self, form):
        FakeStripe.calls.append((self.command, self.path, {k: v[0] for k, v in form.items()}))

    def _answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_stripe(app):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeStripe)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    FakeStripe.calls, FakeStripe.decline = [], False
    app.config.update(
        BILLING_BACKEND="stripe",
        STRIPE_SECRET_KEY="sk_test_x",
        STRIPE_WEBHOOK_SECRET=SECRET,
        STRIPE_PRICES="rise=price_r,pro=price_p,max=price_m",
        STRIPE_API_BASE=f"http://127.0.0.1:{server.server_port}",
    )
    yield FakeStripe
    server.shutdown()


def send_event(client, event: dict, secret: str = SECRET):
    payload = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, int(time.time()))
    return client.post(
        "/billing/stripe/webhook",
        data=payload,
        headers={"Stripe-Signature": header, "Content-Type": "application/json"},
    )


def checkout_completed(workspace_id: int, plan: str, event_id: str = "evt_1") -> dict:
    return {
        "id": event_id,
        "object": "event",
        "type": "checkout.session.completed",
        "data": {
            "object": {
                "id": "cs_1",
                "object": "checkout.session",
                "customer": "cus_1",
                "subscription": "sub_1",
                "metadata": {"workspace_id": str(workspace_id), "plan": plan},
            }
        },
    }


def subscribed(client, fake):
    """A logged-in owner whose workspace went through checkout to Pro."""
    user = make_user()
    login(client, user)
    r = client.post("/settings/plan", data={"plan": "pro"})
    assert r.status_code == 303 and r.headers["Location"] == "https://checkout.stripe.test/cs_1"
    assert (
        send_event(client, checkout_completed(user.current_workspace_id, "pro")).status_code == 200
    )
    return user, make_token(user)


def test_first_upgrade_goes_through_checkout_and_applies_on_the_webhook(client, fake_stripe):
    user = make_user()
    token = make_token(user)
    login(client, user)
    r = client.post("/settings/plan", data={"plan": "pro"}, headers={"HX-Request": "true"})
    assert r.headers["HX-Redirect"] == "https://checkout.stripe.test/cs_1"
    method, path, form = fake_stripe.calls[0]
    assert (method, path) == ("POST", "/v1/checkout/sessions")
    assert form["line_items[0][price]"] == "price_p" and form["metadata[plan]"] == "pro"
    resets_at = client.get("/api/v1/credits", headers=auth(token)).json["cycle"]["resets_at"]
    anchor = datetime.fromtimestamp(int(form["subscription_data[billing_cycle_anchor]"]), UTC)
    assert anchor == datetime.fromisoformat(resets_at)  # Stripe renews when the credits do
    assert form["subscription_data[proration_behavior]"] == "create_prorations"
    assert client.get("/api/v1/credits", headers=auth(token)).json["plan"] == "free"

    event = checkout_completed(user.current_workspace_id, "pro")
    assert send_event(client, event).status_code == 200
    assert send_event(client, event).status_code == 200
    body = client.get("/api/v1/credits", headers=auth(token)).json
    assert (body["plan"], body["video"]["allowance"]) == ("pro", 50)
    account = db.session.get(BillingAccount, user.current_workspace_id)
    assert (account.subscription_id, account.item_id) == ("sub_1", "si_1")


def test_forged_webhook_changes_nothing(client, fake_stripe):
    user = make_user()
    r = send_event(
        client, checkout_completed(user.current_workspace_id, "max"), secret="whsec_wrong"
    )
    assert r.status_code == 400 and r.json["error"]["code"] == "bad_request"
    assert db.session.get(Workspace, user.current_workspace_id).plan == "free"
    assert db.session.scalar(select(func.count()).select_from(BillingAccount)) == 0


def test_upgrade_with_a_subscription_is_invoiced_now(client, fake_stripe):
    user, token = subscribed(client, fake_stripe)
    client.post("/settings/plan", data={"plan": "max"})
    method, path, form = fake_stripe.calls[-1]
    assert (method, path) == ("POST", "/v1/subscriptions/sub_1")
    assert form["items[0][price]"] == "price_m" and form["proration_behavior"] == "always_invoice"
    assert client.get("/api/v1/credits", headers=auth(token)).json["video"]["allowance"] == 150


def test_declined_card_refuses_the_upgrade(client, fake_stripe):
    user, token = subscribed(client, fake_stripe)
    fake_stripe.decline = True
    client.post("/settings/plan", data={"plan": "max"})
    assert "Payment refused: Your card was declined." in client.get("/settings").data.decode()
    assert client.get("/api/v1/credits", headers=auth(token)).json["plan"] == "pro"


def test_downgrade_without_proration_and_cancellation_schedule_free(client, fake_stripe):
    user, token = subscribed(client, fake_stripe)
    client.post("/settings/plan", data={"plan": "rise"})
    form = fake_stripe.calls[-1][2]
    assert form["items[0][price]"] == "price_r" and form["proration_behavior"] == "none"
    workspace = db.session.get(Workspace, user.current_workspace_id)
    assert (workspace.plan, workspace.pending_plan) == ("pro", "rise")
    send_event(
        client,
        {
            "id": "evt_2",
            "object": "event",
            "type": "customer.subscription.deleted",
            "data": {"object": {"id": "sub_1", "object": "subscription"}},
        },
    )
    db.session.refresh(workspace)
    assert (workspace.plan, workspace.pending_plan) == ("pro", "free")
    assert db.session.get(BillingAccount, workspace.id) is None


def test_back_from_checkout_explains_what_happens(client, fake_stripe):
    login(client, make_user())
    assert (
        "changes as soon as the payment provider confirms"
        in client.get("/settings?checkout=done").data.decode()
    )
    assert "nothing was charged" in client.get("/settings?checkout=canceled").data.decode()
