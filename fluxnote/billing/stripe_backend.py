"""The optional Stripe backend: one subscription per workspace, changed with the plan.

Enable with ``FLUXNOTE_BILLING=stripe`` and set ``STRIPE_SECRET_KEY``,
``STRIPE_WEBHOOK_SECRET`` and ``STRIPE_PRICES`` (``rise=price_…,pro=price_…,max=price_…``);
``STRIPE_API_BASE`` points the client elsewhere (tests). Point a Stripe webhook at
``/billing/stripe/webhook`` for ``checkout.session.completed`` and
``customer.subscription.deleted``.

- A workspace without a subscription that upgrades goes through Stripe Checkout
  (CheckoutRequired carries the URL); the upgrade applies when Stripe reports the paid
  checkout by webhook.
- With a subscription, an upgrade is invoiced at once (a declined card refuses it); a
  downgrade changes the price without proration, so it is billed from the next renewal;
  a downgrade to Free cancels at the period end.
- Stripe renews on the workspace's billing day, the day its credits refresh: checkout
  anchors the subscription's billing cycle at the end of the current credit cycle, and
  the first invoice is prorated up to it.
"""

import stripe
from flask import current_app

from fluxnote.accounts.models import Workspace
from fluxnote.billing.backends import PaymentRefused
from fluxnote.billing.models import BillingAccount
from fluxnote.credits.cycles import cycle_containing
from fluxnote.extensions import db
from fluxnote.sqltypes import utcnow


class CheckoutRequired(PaymentRefused):
    """No payment method yet: send the owner to `url` (Stripe Checkout) instead."""

    def __init__(self, url: str):
        super().__init__("Complete the checkout to upgrade.")
        self.url = url


def setting(name: str) -> str:
    return current_app.config[name]


def client() -> stripe.StripeClient:
    base = setting("STRIPE_API_BASE")
    return stripe.StripeClient(
        setting("STRIPE_SECRET_KEY"),
        max_network_retries=1,
        base_addresses={"api": base} if base else None,
    )


def price_for(plan_id: str) -> str:
    """The Stripe price id of a paid plan. PaymentRefused if it is not configured."""
    prices = dict(pair.split("=", 1) for pair in setting("STRIPE_PRICES").split(",") if "=" in pair)
    if plan_id not in prices:
        raise PaymentRefused(f"The {plan_id} plan has no Stripe price configured.")
    return prices[plan_id].strip()


class StripeBackend:
    """Charges through Stripe subscriptions; see the module docstring for the rules."""

    def change_plan(self, workspace_id: int, old: str, new: str, effective: str) -> None:
        account = db.session.get(BillingAccount, workspace_id)
        if account is None:
            if new == "free":
                return
            raise CheckoutRequired(self._checkout_url(workspace_id, new))
        if new == "free":
            params = {"cancel_at_period_end": True}
        else:
            params = {
                "items": [{"id": account.item_id, "price": price_for(new)}],
                "cancel_at_period_end": False,
                "metadata": {"plan": new},
            }
            params.update(
                {"proration_behavior": "always_invoice", "payment_behavior": "error_if_incomplete"}
                if effective == "now"
                else {"proration_behavior": "none"}
            )
        _call(lambda: client().v1.subscriptions.update(account.subscription_id, params))

    def _checkout_url(self, workspace_id: int, plan_id: str) -> str:
        public = current_app.config["PUBLIC_URL"].rstrip("/")
        metadata = {"workspace_id": str(workspace_id), "plan": plan_id}
        workspace = db.session.get(Workspace, workspace_id)
        _, cycle_end = cycle_containing(utcnow(), workspace.billing_day)
        session = _call(
            lambda: client().v1.checkout.sessions.create(
                {
                    "mode": "subscription",
                    "client_reference_id": str(workspace_id),
                    "line_items": [{"price": price_for(plan_id), "quantity": 1}],
                    "metadata": metadata,
                    "subscription_data": {
                        "metadata": metadata,
                        "proration_behavior": "create_prorations",
                        "billing_cycle_anchor": int(cycle_end.timestamp()),
                    },
                    "success_url": f"{public}/settings?checkout=done",
                    "cancel_url": f"{public}/settings?checkout=canceled",
                }
            )
        )
        return session.url


def _call(request):
    """Run a Stripe request; PaymentRefused with a sentence a user can act on if it fails."""
    try:
        return request()
    except stripe.CardError as exc:
        raise PaymentRefused(exc.user_message or "your card was declined") from exc
    except stripe.StripeError:
        current_app.logger.exception("Stripe request failed")
        raise PaymentRefused(
            "the payment provider could not be reached; try again shortly"
        ) from None


def parse_event(payload: bytes, signature: str | None) -> dict:
    """The verified webhook event as a dict. stripe.SignatureVerificationError or ValueError
    if it is forged or malformed."""
    return client().construct_event(payload, signature, setting("STRIPE_WEBHOOK_SECRET")).to_dict()


def subscription_item(subscription_id: str) -> str:
    """The id of the subscription's single item (the plan's price)."""
    subscription = _call(lambda: client().v1.subscriptions.retrieve(subscription_id))
    return subscription.to_dict()["items"]["data"][0]["id"]
