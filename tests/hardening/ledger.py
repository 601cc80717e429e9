"""The ledger invariants every fault test ends with."""
from sqlalchemy import func, select

from fluxnote.credits.models import CreditBalance, CreditHold
from fluxnote.credits.services import ledger_sum
from fluxnote.extensions import db


def assert_ledger_balances(workspace_id: int, settled: bool = True) -> None:
    """remaining = sum of the ledger = allowance - used - reserved; reserved + carried =
    holds still held; with `settled`, no hold is left held."""
    db.session.rollback()
    for bal in db.session.scalars(select(CreditBalance).where(CreditBalance.workspace_id == workspace_id)):
        held = db.session.scalar(select(func.count()).select_from(CreditHold).where(
            CreditHold.workspace_id == workspace_id, CreditHold.kind == bal.kind,
            CreditHold.state == "held"))
        assert bal.remaining == ledger_sum(workspace_id, bal.kind), bal.kind
        assert bal.remaining == bal.allowance - bal.used - bal.reserved, bal.kind
        assert bal.reserved + bal.carried == held, bal.kind
        if settled:
            assert held == 0, f"{held} {bal.kind} holds still held"
    db.session.rollback()
