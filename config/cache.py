"""Django's Redis cache backend, with one Redis client per server kept instead
of one made for every cache call.

``django.core.cache.backends.redis.RedisCacheClient.get_client`` builds a new
``redis.Redis`` around the server's connection pool on every ``get``, ``set``,
``incr``... (its pools are kept, its clients are not), and ``redis.Redis()``
copies its table of about 170 response callbacks into a new case-insensitive
dict each time: about 50 microseconds here. Every API request makes two such
calls (DRF's throttle reads and writes the patient's request times), a fresh
trends payload four. Keeping the client changes nothing else: it holds no
connection of its own (the pool lends one per command) and, as the pools, it
belongs to one ``RedisCache``, which Django makes per thread.
"""

from typing import Any

import redis
from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    client_class = redis.Redis

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # By pool: Django keeps one per server, for the process's lifetime.
        self._clients: dict[int, redis.Redis] = {}

    def get_client(self, key=None, *, write=False) -> redis.Redis:
        # Django's pool for this call: the first server for writes, a replica
        # (if any) for reads. Not in django-stubs, hence the ignore.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self.client_class(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
