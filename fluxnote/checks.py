"""The parts `fluxnote doctor` checks. Each domain lists its own in `<domain>/checks.py`
(a `checks()` function returning Check objects); the command runs them all in order.

A check is a name and a function that returns a one-line detail ("postgresql 16.4, schema
at head") or raises CheckFailed with what is wrong; any other exception counts as a
failure too, reported with its class name. A part that is not configured (a provider
without its key) has no function: it is listed as "off" with what to set, and never
fails the doctor.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


class CheckFailed(Exception):
    """A configured part that does not work; the message says what is wrong."""


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[], str] | None  # None: not configured
    hint: str = ""  # for a part that is off: what to set to turn it on


@dataclass(frozen=True)
class Outcome:
    name: str
    state: str  # "ok" | "fail" | "off"
    detail: str
    ms: int | None = None


def run(check: Check) -> Outcome:
    """Run one check; never raises."""
    if check.run is None:
        return Outcome(check.name, "off", check.hint or "not configured")
    started = time.monotonic()
    try:
        detail = check.run()
        state = "ok"
    except CheckFailed as exc:
        detail, state = str(exc), "fail"
    except Exception as exc:  # a check must report, not crash the doctor
        detail, state = f"{exc.__class__.__name__}: {exc}", "fail"
    return Outcome(check.name, state, " ".join(detail.split()), _ms(started))


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
