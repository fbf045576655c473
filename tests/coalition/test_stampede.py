"""A missing cache entry is computed once, not by every worker at once: the others serve the
previous value, or wait for the one computing (members.cache.single_flight and the page cache),
against the real Redis that production uses."""

import threading
import time
import uuid

import pytest
from django.db import connection
from django.test import Client

from members.cache import NAMESPACES, bump, cached_fragment

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

    first = at_once(get)
    assert sorted(state for state, _ in first) == ["hit"] * (WORKERS - 1) + ["miss"]
    assert len({body for _, body in first}) == 1
    bump(*NAMESPACES)  # every cached page is out of date
    second = at_once(get)
    assert [state for state, _ in second].count("miss") == 1
    assert {state for state, _ in second} <= {"miss", "stale", "hit"}
    assert {body for _, body in second} == {first[0][1]}  # nothing changed, so the same page
