"""The four plans, read from plans.json: prices, monthly allowances and queue."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

KINDS = ("video", "image")


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    price_monthly: float
    video: int
    image: int
    queue: str

    def allowance(self, kind: str) -> int:
        return getattr(self, kind)

    def cost_per(self, kind: str) -> float | None:
        """Effective price of one asset of `kind` if the whole price bought only that kind."""
        return self.price_monthly / self.allowance(kind) if self.price_monthly else None


@cache
def all_plans() -> tuple[Plan, ...]:
    data = json.loads((Path(__file__).parent / "plans.json").read_text())
    return tuple(Plan(**p) for p in data)


def get_plan(plan_id: str) -> Plan:
    """The plan with this id; KeyError for an unknown id."""
    for plan in all_plans():
        if plan.id == plan_id:
            return plan
    raise KeyError(plan_id)


def cheapest_covering(kind: str, need: int, above: str) -> Plan | None:
    """The cheapest plan dearer than plan `above` with at least `need` credits of `kind` a
    month; None when no plan has that many."""
    floor = get_plan(above).price_monthly
    return min(
        (p for p in all_plans() if p.price_monthly > floor and p.allowance(kind) >= need),
        key=lambda p: p.price_monthly,
        default=None,
    )


def rank(plan_id: str) -> int:
    return [p.id for p in all_plans()].index(plan_id)
