"""The API's rate limits (coalition/api/throttling.py) against the real Redis: counted atomically
across workers, and per minute as a sliding window estimated from two fixed ones."""

import threading
import time
import uuid
from types import SimpleNamespace

import pytest

from coalition.api.throttling import WINDOW, VisitorThrottle
from members.cache import window_counts

pytestmark = pytest.mark.redis


def visitor(address):
    return SimpleNamespace(auth=None, META={"REMOTE_ADDR": address})


def test_workers_at_once_are_each_counted_so_exactly_the_rate_gets_through(settings):
    """DRF's throttle read and wrote a list of the minute's requests: two workers at once both read
    it and one write was lost. Twenty requests at once, a rate of ten: ten pass."""
    settings.API_RATE_VISITOR = 10
    address = f"198.51.100.{uuid.uuid4().int % 250}-{uuid.uuid4().hex[:6]}"
    barrier, allowed, lock = threading.Barrier(20), [], threading.Lock()

    def ask():
        barrier.wait()
        answer = VisitorThrottle().allow_request(visitor(address), None)
        with lock:
            allowed.append(answer)

    threads = [threading.Thread(target=ask) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(allowed) == [False] * 10 + [True] * 10


def test_the_previous_minute_still_counts_for_the_part_of_it_the_last_60_seconds_cover(settings, monkeypatch):
    settings.API_RATE_VISITOR = 10
    address = f"address-{uuid.uuid4().hex}"
    start = (int(time.time() // WINDOW) + 1) * WINDOW  # the start of a minute, known in advance
    for _ in range(10):  # the previous minute used the whole rate
        window_counts(f"throttle:api-visitor:{address}", WINDOW, start - 1)
    monkeypatch.setattr(time, "time", lambda: start + 6)  # 10 % into the new minute: 9 still count
    throttle = VisitorThrottle()
    assert throttle.allow_request(visitor(address), None) is True  # 9 + 1
    assert throttle.allow_request(visitor(address), None) is False  # 9 + 2
    assert throttle.wait() == WINDOW - 6
    monkeypatch.setattr(time, "time", lambda: start + WINDOW + 1)  # a minute later: only the new one
    assert throttle.allow_request(visitor(address), None) is True
