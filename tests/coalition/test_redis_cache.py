"""The site's Redis cache (coalition/cache.py): Django's, with one redis-py client per pool."""

import multiprocessing
import uuid

import pytest
from django.core.cache import cache


@pytest.fixture
def redis_cache(settings):
    if not settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        pytest.skip("the embedded default caches in the process")


def test_one_client_serves_every_call_and_values_round_trip(redis_cache):
    key = f"reuse-{uuid.uuid4().hex}"
    client = cache._cache.get_client(key)
    cache.set(key, {"answer": 42}, 30)
    assert cache.get(key) == {"answer": 42}
    assert cache.get_many([key, key + "-absent"]) == {key: {"answer": 42}}
    cache.set(key + "-n", 1, 30)
    assert cache.incr(key + "-n") == 2
    cache.delete_many([key, key + "-n"])
    assert cache.get(key) is None
    assert cache._cache.get_client(key) is client and cache._cache.get_client(key, write=True) is client


def _read_in_child(key, queue):
    from django.core.cache import cache as child_cache

    queue.put(child_cache.get(key))
    child_cache.set(key + "-child", "from the child", 30)


def test_a_forked_worker_reads_and_writes_through_its_own_connections(redis_cache):
    """gunicorn forks its workers after the parent may have used the cache: the client kept in the
    parent must not share a socket with a child (redis-py's pool checks the process id)."""
    key = f"fork-{uuid.uuid4().hex}"
    cache.set(key, "from the parent", 30)
    queue = multiprocessing.get_context("fork").Queue()
    child = multiprocessing.get_context("fork").Process(target=_read_in_child, args=(key, queue))
    child.start()
    child.join(20)
    assert child.exitcode == 0 and queue.get(timeout=5) == "from the parent"
    assert cache.get(key + "-child") == "from the child"
    assert cache.get(key) == "from the parent"  # the parent's connection still answers in order
    cache.delete_many([key, key + "-child"])
