"""Billing cycles: a cycle starts on the workspace's billing day, clamped to month end."""

import calendar
from datetime import UTC, datetime


def _anchor(year: int, month: int, billing_day: int) -> datetime:
    day = min(billing_day, calendar.monthrange(year, month)[1])
    return datetime(year, month, day, tzinfo=UTC)


def _shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + by
    return index // 12, index % 12 + 1


def cycle_containing(moment: datetime, billing_day: int) -> tuple[datetime, datetime]:
    """(start, end) of the cycle that contains `moment`; end is the next refresh."""
    moment = moment.astimezone(UTC)
    start = _anchor(moment.year, moment.month, billing_day)
    if start > moment:
        start = _anchor(*_shift(moment.year, moment.month, -1), billing_day)
    return start, next_cycle_start(start, billing_day)


def next_cycle_start(start: datetime, billing_day: int) -> datetime:
    """The refresh after the cycle starting at `start` (billing day clamped to month end)."""
    return _anchor(*_shift(start.year, start.month, 1), billing_day)
