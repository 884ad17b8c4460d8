"""The project's cache on a real Redis (config.cache): one client per server for
every call, the cache's operations as Django's, and a Redis restart survived."""

import uuid

import pytest
import redis
from django.core.cache import caches

from config.cache import RedisCache

pytestmark = pytest.mark.services


def _counting(cache: RedisCache) -> list:
    """Count the Redis clients the backend builds from now on."""
    made = []
    client_class = cache._cache.client_class

    def build(**kwargs):
        made.append(kwargs)
        return client_class(**kwargs)

    cache._cache.client_class = build  # type: ignore[assignment]
    return made


def test_the_project_cache_is_this_backend_on_the_real_redis(redis_url):
    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    key = f"test-cache-{uuid.uuid4().hex}"
    try:
        cache.set(key, {"days": [1, 2]}, 30)
        assert cache.get(key) == {"days": [1, 2]}
        assert redis.Redis.from_url(redis_url).exists(cache.make_key(key)) == 1
    finally:
        cache.delete(key)


def test_one_client_serves_every_operation(redis_url):
    cache = RedisCache(redis_url, {})
    made = _counting(cache)
    key = f"test-cache-{uuid.uuid4().hex}"
    try:
        assert cache.add(key, 1, 30) is True
        assert cache.add(key, 2, 30) is False
        assert cache.incr(key) == 2
        assert cache.get_many([key, key + "-none"]) == {key: 2}
        cache.set_many({key + "-b": "x"}, 30)
        assert cache.touch(key, 60) is True
        assert cache.get(key + "-b") == "x"
        assert cache.delete_many([key, key + "-b"]) is None
        assert cache.get(key) is None
    finally:
        cache.delete_many([key, key + "-b"])
    assert len(made) == 1, made


def test_the_kept_client_works_again_after_redis_restarts(redis_server):
    server = redis_server()
    cache = RedisCache(server.url, {"OPTIONS": {"socket_connect_timeout": 0.5}})
    cache.set("day", "saved", 60)
    client = cache._cache.get_client(write=True)
    server.stop()
    with pytest.raises(redis.ConnectionError):
        cache.set("day", "lost", 60)
    server.start()  # empty: this Redis keeps nothing on disk
    assert cache.get("day") is None
    cache.set("day", "again", 60)
    assert cache.get("day") == "again"
    assert cache._cache.get_client(write=True) is client
