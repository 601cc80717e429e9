"""A Hypothesis state machine over reserve / capture / release / refresh / plan changes
with time moving across cycle ends, checked against a plain model after every step."""

from datetime import UTC, datetime, timedelta
from itertools import count
from unittest.mock import patch

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from fluxnote.accounts.models import User, Workspace
from fluxnote.billing.services import change_plan
from fluxnote.credits import services as credits
from fluxnote.credits.cycles import cycle_containing
from fluxnote.credits.models import CreditHold
from fluxnote.extensions import db
from fluxnote.plans import KINDS, all_plans, get_plan, rank
from tests.credits.conftest import balance, check_invariants, new_workspace

PLAN_IDS = [p.id for p in all_plans()]
EPOCH = datetime(2027, 12, 1, tzinfo=UTC)


class LedgerMachine(RuleBasedStateMachine):
    holds = Bundle("holds")

    @initialize(
        plan=st.sampled_from(PLAN_IDS),
        billing_day=st.sampled_from([1, 15, 28, 29, 30, 31]),
        hours=st.integers(0, 24 * 31),
    )
    def open(self, plan: str, billing_day: int, hours: int) -> None:
        self.now = EPOCH + timedelta(hours=hours)
        self.ws, self.owner = new_workspace(self.now, plan, billing_day)
        self.billing_day, self.plan, self.pending = billing_day, plan, None
        self.start, self.end = cycle_containing(self.now, billing_day)
        self.bal = {k: self._fresh(get_plan(plan).allowance(k)) for k in KINDS}
        self.hold_model: dict[int, list] = {}
        self.refs = count()

    @staticmethod
    def _fresh(allowance: int) -> dict:
        return {
            "allowance": allowance,
            "used": 0,
            "this_cycle": 0,
            "carried": 0,
            "remaining": allowance,
        }

    def _model_refresh(self) -> None:
        if self.now < self.end:
            return
        if self.pending:
            self.plan, self.pending = self.pending, None
        self.start, self.end = cycle_containing(self.now, self.billing_day)
        for kind, b in self.bal.items():
            self.bal[kind] = dict(
                self._fresh(get_plan(self.plan).allowance(kind)),
                carried=b["carried"] + b["this_cycle"],
            )

    @rule(target=holds, kind=st.sampled_from(KINDS), n=st.integers(1, 4))
    def reserve(self, kind: str, n: int):
        self._model_refresh()
        b = self.bal[kind]
        try:
            ids = [
                h.id
                for h in credits.reserve(
                    self.ws, kind, f"r{next(self.refs)}", self.owner, count=n, now=self.now
                )
            ]
            db.session.commit()
        except credits.InsufficientCredits as exc:
            # A refusal writes no credit, only the due refresh it applied: commit both.
            db.session.commit()
            assert b["remaining"] < n and exc.remaining == b["remaining"]
            return multiple()
        assert b["remaining"] >= n
        b["remaining"] -= n
        b["this_cycle"] += n
        for hold_id in ids:
            self.hold_model[hold_id] = [kind, self.start, "held"]
        return multiple(*ids)

    def _resolve(self, hold_id: int, state: str) -> None:
        kind, cycle_start, was = self.hold_model[hold_id]
        fn = credits.capture if state == "captured" else credits.release
        done = fn(hold_id, now=self.now)
        db.session.commit()
        assert done == (was == "held")
        if not done:
            return
        self.hold_model[hold_id][2] = state
        b = self.bal[kind]
        if cycle_start != self.start:
            b["carried"] -= 1
        elif state == "captured":
            b["this_cycle"], b["used"] = b["this_cycle"] - 1, b["used"] + 1
        else:
            b["this_cycle"], b["remaining"] = b["this_cycle"] - 1, b["remaining"] + 1

    @rule(hold_id=holds)
    def capture(self, hold_id: int) -> None:
        self._resolve(hold_id, "captured")

    @rule(hold_id=holds)
    def release(self, hold_id: int) -> None:
        self._resolve(hold_id, "released")

    @rule(hours=st.integers(1, 24 * 40))
    def advance(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @rule(periodic=st.booleans())
    def refresh(self, periodic: bool) -> None:
        self._model_refresh()
        if periodic:
            credits.refresh_due(self.now)
            return
        snap = credits.snapshot(self.ws, self.now)  # shows a due refresh before it is applied
        credits.refresh(self.ws, self.now)  # as a plan change or a reserve applies it
        db.session.commit()
        assert credits.snapshot(self.ws, self.now) == snap
        for kind, b in self.bal.items():
            assert snap[kind]["remaining"] == b["remaining"]
            assert snap[kind]["reserved"] == b["this_cycle"] + b["carried"]
            assert (snap[kind]["cycle_start"], snap[kind]["resets_at"]) == (self.start, self.end)

    @rule(plan=st.sampled_from(PLAN_IDS))
    def change_plan(self, plan: str) -> None:
        self._model_refresh()
        with (
            patch("fluxnote.credits.services.utcnow", return_value=self.now),
            patch("fluxnote.billing.services.utcnow", return_value=self.now),
        ):
            outcome = change_plan(
                db.session.get(Workspace, self.ws), plan, db.session.get(User, self.owner)
            )
            db.session.commit()
        if plan == self.plan:
            assert outcome == "unchanged"
            self.pending = None
        elif rank(plan) < rank(self.plan):
            assert outcome == "scheduled"
            self.pending = plan
        else:
            assert outcome == "upgraded"
            for kind, b in self.bal.items():
                delta = get_plan(plan).allowance(kind) - get_plan(self.plan).allowance(kind)
                b["allowance"] += delta
                b["remaining"] += delta
            self.plan, self.pending = plan, None

    @invariant()
    def matches_the_model(self) -> None:
        check_invariants(self.ws)
        for kind, b in self.bal.items():
            bal = balance(self.ws, kind)
            assert bal.cycle_start == self.start
            assert {k: getattr(bal, k) for k in b} == b
        workspace = db.session.get(Workspace, self.ws, populate_existing=True)
        assert (workspace.plan, workspace.pending_plan) == (self.plan, self.pending)
        for hold_id, (_, _, state) in self.hold_model.items():
            assert db.session.get(CreditHold, hold_id, populate_existing=True).state == state
        db.session.rollback()


def test_ledger_state_machine(any_db_app, request):
    examples = 40 if request.node.callspec.params["any_db_app"] == "sqlite" else 15
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=30,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
