"""One-call video helpers: a burst worker over the queues the build, generations and
renders use, and a recorder of outgoing webhook events."""

import pytest
from rq import SimpleWorker

from fluxnote.extensions import redis_store
from fluxnote.tasks import QUEUES, get_queue


def work(*queues: str) -> None:
    """Run every job of `queues` (default: all) in this process until they are empty."""
    names = queues or QUEUES
    SimpleWorker([get_queue(q) for q in names], connection=redis_store.conn).work(burst=True)


def queued(queue: str) -> int:
    return get_queue(queue).count


@pytest.fixture
def events_sent(monkeypatch):
    """The (event type, data) pairs handed to the webhooks, in order."""
    from fluxnote.webhooks import outbound

    sent: list[tuple[str, dict]] = []
    monkeypatch.setattr(outbound, "emit", lambda _ws, event, data: sent.append((event, data)))
    return sent
