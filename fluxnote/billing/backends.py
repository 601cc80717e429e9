"""Billing backends: who collects money when a plan changes (config BILLING_BACKEND)."""

import logging
from typing import Protocol

log = logging.getLogger(__name__)


class PaymentRefused(Exception):
    """The backend would not collect the payment; the message is safe to show."""


class BillingBackend(Protocol):
    def change_plan(self, workspace_id: int, old: str, new: str, effective: str) -> None:
        """Charge or schedule the change (`effective` is "now" or "next_cycle").

        Raise PaymentRefused to refuse it: the plan and credits are then left unchanged.
        """


class SelfHostedBackend:
    """Records plan changes and charges nothing: the self-hosted default."""

    def change_plan(self, workspace_id: int, old: str, new: str, effective: str) -> None:
        log.info("workspace %s plan %s -> %s (%s), no charge", workspace_id, old, new, effective)


def get_backend(name: str = "selfhosted") -> BillingBackend:
    """The backend called `name`; ValueError for an unknown one."""
    if name == "stripe":
        from fluxnote.billing.stripe_backend import StripeBackend

        return StripeBackend()
    if name != "selfhosted":
        raise ValueError(f"Unknown billing backend {name!r}")
    return SelfHostedBackend()
