"""config.cache: Django's Redis cache backend keeping one client per server.

Building the backend and its clients opens no connection, so these run without
Redis; tests/services/test_redis_cache.py uses a real one."""

import redis

from config.cache import RedisCache, RedisCacheClient
from tests.fresh_python import fresh_setting


def _cache(location: str) -> RedisCache:
    return RedisCache(location, {})


def test_every_call_gets_the_same_client_around_the_server_pool():
    cache = _cache("redis://127.0.0.1:6399/4")
    client = cache._cache
    assert isinstance(client, RedisCacheClient)
    first = client.get_client("a", write=True)
    assert isinstance(first, redis.Redis)
    assert client.get_client("b", write=True) is first
    assert client.get_client("c") is first  # one server reads where it writes
    assert first.connection_pool is client._get_connection_pool(True)
    assert first.connection_pool.connection_kwargs["port"] == 6399
    assert first.connection_pool.connection_kwargs["db"] == 4


def test_django_s_own_client_makes_a_new_one_each_time():
    # What config.cache is for: if Django keeps its clients one day, this fails
    # and the subclass can go.
    from django.core.cache.backends.redis import RedisCacheClient as Django

    client = Django(["redis://127.0.0.1:6399/4"])
    assert client.get_client(write=True) is not client.get_client(write=True)


def test_with_replicas_writes_go_to_the_first_server_and_reads_to_the_others():
    cache = _cache("redis://127.0.0.1:6391/0,redis://127.0.0.1:6392/0")
    client = cache._cache
    writer = client.get_client(write=True)
    reader = client.get_client()
    assert writer is not reader
    assert writer.connection_pool.connection_kwargs["port"] == 6391
    assert reader.connection_pool.connection_kwargs["port"] == 6392
    assert client.get_client(write=True) is writer
    assert client.get_client() is reader
    assert client._get_connection_pool(True) is writer.connection_pool
    assert client._get_connection_pool(False) is reader.connection_pool


def test_the_backend_s_options_reach_the_pool():
    cache = RedisCache(
        "redis://127.0.0.1:6399/0", {"OPTIONS": {"socket_connect_timeout": 0.25}}
    )
    pool = cache._cache.get_client(write=True).connection_pool
    assert pool.connection_kwargs["socket_connect_timeout"] == 0.25


def _backend(**env) -> dict:
    return fresh_setting("CACHES", drop=("REDIS_URL",), env=env)["default"]


def test_the_settings_use_it_when_redis_is_configured():
    assert _backend(REDIS_URL="redis://127.0.0.1:6399/2") == {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:6399/2",
    }
    assert _backend()["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
