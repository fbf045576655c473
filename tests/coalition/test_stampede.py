"""A missing cache entry is computed once, not by every worker at once: the others serve the
previous value, or wait for the one computing (members.cache.single_flight and the page cache),
against the real Redis that production uses."""

import threading
import time
import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from coalition import middleware
from members import cache as cache_module
from members.cache import NAMESPACES, WAIT_SECONDS, bump, cached_fragment, lock_acquire, lock_release, single_flight

pytestmark = [pytest.mark.django_db, pytest.mark.redis]
WORKERS = 6


def at_once(call, n=WORKERS) -> list:
    """``call()`` in ``n`` threads released together; their results in order of finishing."""
    barrier, results, lock = threading.Barrier(n), [], threading.Lock()

    def run():
        try:
            barrier.wait()
            result = call()
            with lock:
                results.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == n
    return results


@pytest.fixture
def redis_cache(settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")


def test_a_missing_fragment_is_computed_once_while_the_others_wait(redis_cache):
    name, computed = f"stampede-{uuid.uuid4().hex}", []

    def compute():
        computed.append(1)
        time.sleep(0.4)  # the half-second facet count of the large scale
        return {"answer": len(computed)}

    results = at_once(lambda: cached_fragment(name, ("initiatives",), ("q",), compute))
    assert (len(computed), results) == (1, [{"answer": 1}] * WORKERS)


def test_an_outdated_fragment_is_recomputed_once_while_the_others_serve_the_old_value(redis_cache):
    name, computed = f"stampede-{uuid.uuid4().hex}", []

    def compute():
        computed.append(1)
        time.sleep(0.4)
        return {"answer": len(computed)}

    assert cached_fragment(name, ("initiatives",), ("q",), compute) == {"answer": 1}
    bump("initiatives")  # an initiative was published: the entry is out of date

    def timed():
        started = time.monotonic()
        value = cached_fragment(name, ("initiatives",), ("q",), compute)
        return value, time.monotonic() - started

    results = at_once(timed)
    assert len(computed) == 2  # one recomputation, not six
    fresh = [took for value, took in results if value == {"answer": 2}]
    stale = [took for value, took in results if value == {"answer": 1}]
    assert (len(fresh), len(stale)) == (1, WORKERS - 1)
    assert max(stale) < 0.3  # served at once, without waiting for the count
    assert cached_fragment(name, ("initiatives",), ("q",), compute) == {"answer": 2}


def test_a_missing_page_is_computed_by_one_request_while_the_others_wait_or_get_the_last_one(settings, redis_cache):
    settings.PAGE_CACHE_SECONDS = 60
    path = f"/ja/initiatives/?q={uuid.uuid4().hex[:8]}"  # a page no other test computed

    def get():
        response = Client().get(path)
        assert response.status_code == 200
        return response["X-Page-Cache"], response.content

    Client().get("/ja/initiatives/?q=warm")  # templates loaded: the first page takes well under WAIT_SECONDS
    first = at_once(get)
    assert sorted(state for state, _ in first) == ["hit"] * (WORKERS - 1) + ["miss"]
    assert len({body for _, body in first}) == 1
    bump(*NAMESPACES)  # every cached page is out of date
    second = at_once(get)
    assert [state for state, _ in second].count("miss") == 1
    assert {state for state, _ in second} <= {"miss", "stale", "hit"}
    assert {body for _, body in second} == {first[0][1]}  # nothing changed, so the same page


def holder(name):
    """The token that holds the lock ``name`` in Redis now (None when it is free)."""
    client, _ = cache_module._redis()
    token = client.get(cache.make_key(name))
    return token.decode() if token else None


def test_a_lock_is_freed_only_with_the_token_that_took_it(redis_cache):
    name = f"lock:test-{uuid.uuid4().hex}"
    token = lock_acquire(name)
    assert token and lock_acquire(name) is None  # held: nobody else takes it
    assert lock_release(name, "not-the-token") is False
    assert holder(name) == token
    assert lock_release(name, token) is True
    assert holder(name) is None and lock_release(name, token) is False


def test_a_computation_that_outlived_its_lock_does_not_free_the_next_ones(redis_cache):
    key, taken = f"slow-{uuid.uuid4().hex}", {}

    def compute():
        # the lock expired while this computed (LOCK_SECONDS passed) and another process took it
        cache.delete(f"lock:{key}")
        taken["other"] = lock_acquire(f"lock:{key}")
        return "value"

    assert single_flight(key, compute, timeout=60) == "value"
    assert taken["other"] and holder(f"lock:{key}") == taken["other"]  # still the other one's


def test_a_request_waits_briefly_for_a_stuck_computation_then_computes_without_taking_its_lock(redis_cache):
    key = f"stuck-{uuid.uuid4().hex}"
    other = lock_acquire(f"lock:{key}")  # a worker that took the lock and hangs (no previous value to serve)
    started = time.monotonic()
    assert single_flight(key, lambda: "computed", timeout=60) == "computed"
    took = time.monotonic() - started
    assert WAIT_SECONDS <= took < 4  # a short wait, not a worker held for ten seconds
    assert holder(f"lock:{key}") == other


def test_the_page_cache_frees_only_its_own_lock(settings, redis_cache, monkeypatch):
    settings.PAGE_CACHE_SECONDS = 60
    taken = []

    def expiring(name):
        # ours, then lost to another worker while the page was computed (its lock expired)
        mine = cache_module.lock_acquire(name)
        cache.delete(name)
        taken.append((name, mine, cache_module.lock_acquire(name)))
        return mine

    monkeypatch.setattr(middleware, "lock_acquire", expiring)
    response = Client().get(f"/ja/initiatives/?q={uuid.uuid4().hex[:8]}")
    assert response["X-Page-Cache"] == "miss"
    [(name, mine, other)] = taken
    assert mine != other and holder(name) == other  # the other worker's lock survived our release



def test_a_page_request_waits_briefly_for_a_stuck_computation_then_computes(settings, redis_cache, monkeypatch):
    settings.PAGE_CACHE_SECONDS = 60
    stuck = []

    def held_by_a_stuck_worker(name):
        if not stuck:  # another worker took this page's lock just before us, and hangs
            stuck.append((name, cache_module.lock_acquire(name)))
        return cache_module.lock_acquire(name)

    monkeypatch.setattr(middleware, "lock_acquire", held_by_a_stuck_worker)
    started = time.monotonic()
    response = Client().get(f"/ja/initiatives/?q={uuid.uuid4().hex[:8]}")
    took = time.monotonic() - started
    assert response.status_code == 200 and response["X-Page-Cache"] == "miss"
    assert WAIT_SECONDS <= took < 5  # a short wait, not a worker held for ten seconds
    [(name, token)] = stuck
    assert holder(name) == token


def test_a_value_stored_between_the_read_and_the_lock_beats_the_stale_one(redis_cache, monkeypatch):
    """The one computing stores the value (and the stale copy) just after our first read, and still
    holds its lock when we try it: we get the value it stored, not what the stale key held before."""
    key, stale = f"frag:test-{uuid.uuid4().hex}", f"frag-stale:test-{uuid.uuid4().hex}"
    cache.set(stale, {"answer": "old"})
    real_acquire = cache_module.lock_acquire

    def busy(name):
        real_acquire(name)  # the other process holds it...
        cache.set(key, {"answer": "new"})  # ...and has just stored its value
        return None

    monkeypatch.setattr(cache_module, "lock_acquire", busy)
    assert single_flight(key, lambda: {"answer": "computed"}, timeout=60, stale_key=stale) == {"answer": "new"}
