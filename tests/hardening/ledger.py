"""The ledger invariants every fault test ends with."""
from sqlalchemy import func, select

from fluxnote.credits.models import CreditHold
from fluxnote.credits.services import balances, ledger_sum
from fluxnote.extensions import db


def assert_ledger_balances(workspace_id: int, settled: bool = True) -> None:
    """remaining = sum of the ledger; allowance - remaining = holds of the cycle held or
    captured; reserved = holds still held; with `settled`, no hold is left held."""
    db.session.rollback()
    for kind, bal in balances(workspace_id).items():
        held = db.session.scalar(select(func.count()).select_from(CreditHold).where(
            CreditHold.workspace_id == workspace_id, CreditHold.kind == kind,
            CreditHold.state == "held"))
        consumed = db.session.scalar(select(func.count()).select_from(CreditHold).where(
            CreditHold.workspace_id == workspace_id, CreditHold.kind == kind,
            CreditHold.cycle_start == bal["cycle_start"], CreditHold.state != "released"))
        assert bal["remaining"] == ledger_sum(workspace_id, kind), kind
        assert bal["allowance"] - bal["remaining"] == consumed, kind
        assert bal["reserved"] == held, kind
        if settled:
            assert held == 0, f"{held} {kind} holds still held"
    db.session.rollback()
