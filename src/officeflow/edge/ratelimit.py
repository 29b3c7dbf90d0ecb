"""Rate limits per API key (or user) and per tenant: token buckets.

With SQLite (one machine) the buckets live in the process. With PostgreSQL they live in the
database (``of_rate_buckets``) so that every API process enforces one limit: each process
withdraws tokens in small batches and spends them locally, so the database sees a few updates
per second, not one per request. With ``OFFICEFLOW_REDIS_URL`` set, Redis holds the buckets (one
atomic script call per request).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from officeflow.settings import Settings, parse_rate
from officeflow.store.base import Store


@dataclass(frozen=True)
class Limit:
    rate: float
    """tokens per second"""
    burst: float
    """bucket capacity"""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: float = 0.0


class LocalBuckets:
    """In-process token buckets (one process, or SQLite deployments)."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._now = now

    def take(self, key: str, limit: Limit) -> Verdict:
        now = self._now()
        with self._lock:
            tokens, at = self._buckets.get(key, (limit.burst, now))
            tokens = min(limit.burst, tokens + (now - at) * limit.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return Verdict(True)
            self._buckets[key] = (tokens, now)
            return Verdict(False, (1 - tokens) / limit.rate)


class SharedBuckets:
    """Buckets in the database, spent locally in batches (see the module docstring)."""

    def __init__(self, store: Any, now: Callable[[], float] = time.time, batch: int = 20, hold: float = 1.0) -> None:
        self.store = store
        self._now = now
        self._batch = batch
        self._hold = hold
        self._local: dict[str, tuple[float, float]] = {}
        self._refills: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def take_local(self, key: str) -> bool:
        """Spend a token this process holds already (no I/O); False when it holds none."""
        now = self._now()
        with self._lock:
            tokens, expires = self._local.get(key, (0.0, 0.0))
            if tokens >= 1 and expires > now:
                self._local[key] = (tokens - 1, expires)
                return True
        return False

    def take(self, key: str, limit: Limit) -> Verdict:
        if self.take_local(key):
            return Verdict(True)
        # One withdrawal per key at a time: when the tokens run out, every request arriving
        # meanwhile would otherwise go to the database for the same row, and each would wait for
        # the others' locks (a stall of a tenth of a second at 1,000 requests/s). The others wait
        # here instead and spend what the first one brought.
        with self._lock:
            refill = self._refills.setdefault(key, threading.Lock())
        with refill:
            if self.take_local(key):
                return Verdict(True)
            return self._withdraw(key, limit)

    def _withdraw(self, key: str, limit: Limit) -> Verdict:
        now = self._now()
        # About 50 ms worth of tokens at the configured rate, at most a quarter of the bucket:
        # few database round trips at high rates, exact enforcement at small ones.
        want = float(max(1, min(int(limit.rate * 0.05), int(limit.burst // 4), 1000)))
        granted, left = self.store.run(lambda tx: tx.take_tokens(f"rate:{key}", want, limit.burst, limit.rate, now))
        if granted < 1:
            return Verdict(False, max(0.001, (1 - left) / limit.rate))
        with self._lock:
            self._local[key] = (granted - 1, now + self._hold)
        return Verdict(True)


class RedisBuckets:
    SCRIPT = """
local key, rate, burst, now = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', key, 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
redis.call('HSET', key, 'tokens', tokens, 'at', now)
redis.call('EXPIRE', key, math.ceil(burst / rate) + 60)
return {allowed, tostring(tokens)}
"""

    def __init__(self, url: str, now: Callable[[], float] = time.time) -> None:
        import redis

        self._client = redis.Redis.from_url(url)
        self._script = self._client.register_script(self.SCRIPT)
        self._now = now

    def take(self, key: str, limit: Limit) -> Verdict:
        allowed, tokens = self._script(keys=[f"officeflow:rate:{key}"], args=[limit.rate, limit.burst, self._now()])
        if int(allowed):
            return Verdict(True)
        return Verdict(False, max(0.001, (1 - float(tokens)) / limit.rate))


class RateLimiter:
    def __init__(
        self, buckets: LocalBuckets | SharedBuckets | RedisBuckets, per_key: Limit | None, per_tenant: Limit | None
    ) -> None:
        self.buckets = buckets
        self.per_key = per_key
        self.per_tenant = per_tenant

    def check_local(self, tenant: str, principal_id: str) -> bool:
        """True when the request is allowed without I/O (tokens already held by this process)."""
        if isinstance(self.buckets, LocalBuckets):
            return False
        if not isinstance(self.buckets, SharedBuckets):
            return False
        needed = [(f"key:{principal_id}", self.per_key), (f"tenant:{tenant}", self.per_tenant)]
        keys = [key for key, limit in needed if limit is not None]
        with self.buckets._lock:
            now = self.buckets._now()
            if not all(
                self.buckets._local.get(k, (0.0, 0.0))[0] >= 1 and self.buckets._local[k][1] > now for k in keys
            ):
                return False
            for k in keys:
                tokens, expires = self.buckets._local[k]
                self.buckets._local[k] = (tokens - 1, expires)
        return True

    def check(self, tenant: str, principal_id: str) -> Verdict:
        for key, limit in ((f"key:{principal_id}", self.per_key), (f"tenant:{tenant}", self.per_tenant)):
            if limit is None:
                continue
            verdict = self.buckets.take(key, limit)
            if not verdict.allowed:
                return verdict
        return Verdict(True)


class LoginThrottle:
    """Sign-in attempts per client address (the web form and ``POST /v1/auth/login``), in the same
    buckets as the other limits: password guessing slows to the configured rate from any one
    address, however many accounts it tries; the account lockout covers guessing from many."""

    def __init__(self, buckets: LocalBuckets | SharedBuckets | RedisBuckets, limit: Limit) -> None:
        self.buckets = buckets
        self.limit = limit

    def check(self, tenant: str, address: str) -> Verdict:
        return self.buckets.take(f"login:{tenant}:{address}", self.limit)


def login_verdict(throttle: LoginThrottle | None, tenant: str, address: str | None) -> Verdict:
    """May this client address try to sign in now? (Always, when the throttle is off.)"""
    if throttle is None:
        return Verdict(True)
    return throttle.check(tenant, address or "unknown")


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))


def from_settings(settings: Settings, store: Store) -> tuple[RateLimiter | None, LoginThrottle | None]:
    """The request limits (per key, per tenant) and the sign-in throttle, in one set of buckets:
    in the process (SQLite), in the database (PostgreSQL) or in Redis (when configured)."""
    per_key, per_tenant = parse_rate(settings.rate_limit_key), parse_rate(settings.rate_limit_tenant)
    per_address = parse_rate(settings.rate_limit_login)
    if per_key is None and per_tenant is None and per_address is None:
        return None, None
    buckets: LocalBuckets | SharedBuckets | RedisBuckets
    if settings.redis_url:
        buckets = RedisBuckets(settings.redis_url)
    elif store.dialect.name == "postgresql":
        buckets = SharedBuckets(store)
    else:
        buckets = LocalBuckets()
    limiter = None
    if per_key is not None or per_tenant is not None:
        limiter = RateLimiter(buckets, Limit(*per_key) if per_key else None, Limit(*per_tenant) if per_tenant else None)
    return limiter, LoginThrottle(buckets, Limit(*per_address)) if per_address else None
