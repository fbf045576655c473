"""Rate limits of the API: per address for visitors, per token for token holders (counts in the
default cache, so every web node shares them). Rates are read from settings at each request."""

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import ngettext
from rest_framework import exceptions
from rest_framework.throttling import BaseThrottle

from members.cache import window_counts


def throttled(wait) -> exceptions.Throttled:
    """A 429 saying in the caller's language when to try again (DRF's own message mixes languages
    in Japanese); the wait is also in Retry-After."""
    seconds = max(1, round(wait or 1))
    exc = exceptions.Throttled(detail=ngettext(
        "Too many requests: try again in %(n)d second.", "Too many requests: try again in %(n)d seconds.",
        seconds) % {"n": seconds})
    exc.wait = seconds
    return exc


FAILED_WINDOW = 60  # seconds


def _failed_key(address: str) -> str:
    return f"api-failed-token:{address}"


def refuse_if_guessing(request) -> None:
    """429 for an address whose tokens failed API_RATE_FAILED_TOKEN times this minute, before its
    next token is even looked up: guessing tokens costs a minute per few tries (the address as the
    proxy middleware left it in REMOTE_ADDR, as VisitorThrottle counts it)."""
    started = cache.get(_failed_key(request.META.get("REMOTE_ADDR", "")))
    if started and started[1] >= settings.API_RATE_FAILED_TOKEN:
        raise throttled(started[0] + FAILED_WINDOW - time.time())


def note_failed_token(request) -> None:
    """Count a refused token against its address for the rest of the minute that began with the
    first refusal (a fixed window: [start, count] in the shared cache)."""
    key = _failed_key(request.META.get("REMOTE_ADDR", ""))
    now = time.time()
    started = cache.get(key)
    if not started or now - started[0] >= FAILED_WINDOW:
        cache.set(key, [now, 1], FAILED_WINDOW)
    else:
        cache.set(key, [started[0], started[1] + 1], max(1, round(started[0] + FAILED_WINDOW - now)))


class _WindowThrottle(BaseThrottle):
    """At most ``rate()`` requests a minute per ``key`` (None: not this throttle's caller), counted
    as a sliding window estimated from two fixed one-minute windows: this minute's count plus the
    previous minute's, weighted by how much of it the last 60 seconds still cover (the estimate
    Cloudflare and nginx-style limiters use). One Redis round trip a request, atomic across web
    workers and nodes (members.cache.window_counts). A refused request counts too: a client that
    keeps hammering stays refused until it slows down."""

    scope = ""

    def rate(self) -> int:
        raise NotImplementedError

    def key(self, request) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view):
        key = self.key(request)
        if key is None:
            return True
        now = time.time()
        count, before = window_counts(f"throttle:{self.scope}:{key}", WINDOW, now)
        into = now % WINDOW
        estimate = count + before * (WINDOW - into) / WINDOW
        if estimate <= self.rate():
            return True
        # when this window ends the previous one's weight is gone; a busier window waits for its end
        self._wait = max(1.0, WINDOW - into)
        return False

    def wait(self):
        return getattr(self, "_wait", None)


WINDOW = 60  # seconds: the rates are per minute


class VisitorThrottle(_WindowThrottle):
    scope = "api-visitor"

    def rate(self):
        return settings.API_RATE_VISITOR

    def key(self, request):
        # The client's address as the proxy middleware left it in REMOTE_ADDR (the deployment's trusted
        # proxies only). DRF's own get_ident takes a client-written X-Forwarded-For as it is, so a
        # visitor sending another one on each request would never be counted twice.
        return None if request.auth is not None else request.META.get("REMOTE_ADDR", "")


class TokenThrottle(_WindowThrottle):
    scope = "api-token"

    def rate(self):
        return settings.API_RATE_TOKEN

    def key(self, request):
        return None if request.auth is None else str(request.auth.pk)
