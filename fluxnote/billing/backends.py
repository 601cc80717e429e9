"""Billing backends: who collects money when a plan changes. Chosen by FLUXNOTE_BILLING."""
import logging
from typing import Protocol

log = logging.getLogger(__name__)


class BillingBackend(Protocol):
    def change_plan(self, workspace_id: int, old: str, new: str, effective: str) -> None:
        """Charge or schedule the change; raise to refuse it (nothing is then changed)."""


class SelfHostedBackend:
    """Records plan changes and charges nothing: the self-hosted default."""

    def change_plan(self, workspace_id: int, old: str, new: str, effective: str) -> None:
        log.info("workspace %s plan %s -> %s (%s), no charge", workspace_id, old, new, effective)


def get_backend(name: str = "selfhosted") -> BillingBackend:
    backends = {"selfhosted": SelfHostedBackend}
    if name not in backends:
        raise ValueError(f"Unknown billing backend {name!r}")
    return backends[name]()
