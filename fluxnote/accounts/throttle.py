"""Per-account login throttle: after FREE_FAILURES wrong passwords for one email, each
further attempt waits a delay that doubles with every failure (1 s, 2 s, 4 s ... up to
MAX_DELAY_S), whichever address it comes from. A success clears it.

Counted per email as typed (lower-cased, hashed), whether or not an account exists, so
the throttle itself tells nobody which emails are registered. State lives in Redis with
an expiry; if Redis is unreachable the throttle lets attempts through (the per-address
limit still applies) rather than locking everyone out.
"""

import hashlib
import logging

import redis

from fluxnote.extensions import redis_store

log = logging.getLogger(__name__)
FREE_FAILURES = 5
MAX_DELAY_S = 15 * 60
FORGET_AFTER_S = 24 * 3600


def _keys(email: str) -> tuple[str, str]:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return f"login-failures:{digest}", f"login-locked:{digest}"


def wait_seconds(email: str) -> int:
    """Seconds before the next attempt for `email` is taken (0: go ahead)."""
    try:
        return max(0, redis_store.conn.ttl(_keys(email)[1]))
    except redis.RedisError:
        log.warning("login throttle unavailable: Redis unreachable")
        return 0


def record_failure(email: str) -> int:
    """Count a wrong password; returns the delay now imposed (0 for the first few)."""
    failures, locked = _keys(email)
    try:
        pipe = redis_store.conn.pipeline()
        pipe.incr(failures).expire(failures, FORGET_AFTER_S)
        count = pipe.execute()[0]
        delay = 0 if count < FREE_FAILURES else min(2 ** (count - FREE_FAILURES), MAX_DELAY_S)
        if delay:
            redis_store.conn.set(locked, 1, ex=delay)
        return delay
    except redis.RedisError:
        log.warning("login throttle unavailable: Redis unreachable")
        return 0


def clear(email: str) -> None:
    """A successful login: forget the failures."""
    try:
        redis_store.conn.delete(*_keys(email))
    except redis.RedisError:
        log.warning("login throttle unavailable: Redis unreachable")
