"""The site's Redis cache: Django's own, with one redis-py client per connection pool.

Django's ``RedisCacheClient`` makes a new ``redis.Redis`` for every cache call (``get_client``),
and redis-py builds its table of some 200 response callbacks in each one: six cache calls of a
page cost about half a millisecond before a byte went to Redis. A client is thread-safe and takes
its connections from the pool, which Django keeps per process (and redis-py checks the process id
of, so a forked worker never shares a socket); keeping one client per pool changes nothing else.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedRedisCacheClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        clients = self.__dict__.setdefault("_clients", {})
        if index not in clients:
            clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return clients[index]


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedRedisCacheClient
