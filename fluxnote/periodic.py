"""Periodic work: credit refreshes and every domain's sweeper, run by `fluxnote clock`."""

import logging
import time
from collections.abc import Callable

from fluxnote.extensions import db

log = logging.getLogger(__name__)

# Each entry is a zero-argument function doing one bounded pass; domains register theirs
# from their init_app.
PERIODIC: list[Callable[[], object]] = []


def register(task: Callable[[], object]) -> None:
    """Have the clock run `task` on every pass (once, however many apps are built)."""
    if task not in PERIODIC:
        PERIODIC.append(task)


def run_once() -> None:
    """Run every periodic task once; one failing task does not stop the others."""
    for task in PERIODIC:
        try:
            task()
        except Exception:
            log.exception("periodic task %s failed", task.__name__)
            db.session.rollback()
        finally:
            db.session.remove()


def run_forever(interval: float) -> None:
    while True:
        run_once()
        time.sleep(interval)
