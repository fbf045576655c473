"""What the benchmark scripts share (bench/common.py)."""

import uuid

import pytest
import redis
from django.core.cache import cache

from bench import common

pytestmark = [pytest.mark.redis]


def test_clear_cache_deletes_the_cache_keys_and_leaves_the_broker_queue(settings):
    """A benchmark empties the portal's cache between measurements; the Celery queue in the same
    Redis database (and another prefix's keys) must survive it, as FLUSHDB would not let them."""
    run = uuid.uuid4().hex[:8]
    # a prefix with Redis' glob characters: read literally, it would match the other run's key
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"bench-t[{run}]*"}}
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    queue, other = f"test-queue-{run}", f"bench-t{run[0]}-{run}:1:page"
    try:
        cache.set_many({"page": "html", "fragment": "html"}, 60)
        client.lpush(queue, "a task")
        client.set(other, "another run's page")

        deleted = common.clear_cache()

        assert deleted == 2
        assert cache.get_many(["page", "fragment"]) == {}
        assert client.lrange(queue, 0, -1) == [b"a task"]
        assert client.get(other) == b"another run's page"
    finally:
        client.delete(queue, other)
        client.close()
