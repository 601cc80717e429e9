"""The ledger invariants every fault test ends with."""

from fluxnote.extensions import db
from fluxnote.plans import KINDS
from tests.credits.conftest import check_invariants, holds_in


def assert_ledger_balances(workspace_id: int, settled: bool = True) -> None:
    """Every ledger invariant (tests/credits/conftest.check_invariants); with `settled`,
    no hold is left held."""
    db.session.rollback()
    check_invariants(workspace_id)
    if settled:
        for kind in KINDS:
            held = holds_in(workspace_id, kind)
            assert not held, f"{len(held)} {kind} holds still held"
    db.session.rollback()
