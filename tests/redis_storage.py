"""Redis for the rate-limit tests: the production storage, shared by workers.

Tests skip when Redis does not answer, except in CI (`CI` set), where they fail. Each
test gets its own Redis key prefix (a storage option: Flask-Limiter's RATELIMIT_KEY_PREFIX
sticks to the first app that set it), and its keys are deleted afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
MEMORY = "threadsafe-memory://"


@dataclass(frozen=True)
class LimitStorage:
    uri: str
    key_prefix: str

    @property
    def is_shared(self) -> bool:
        return self.uri.startswith("redis")

    @property
    def settings(self) -> dict[str, object]:
        options = {"key_prefix": self.key_prefix} if self.is_shared else {}
        return {"RATELIMIT_STORAGE_URI": self.uri, "RATELIMIT_STORAGE_OPTIONS": options}

    def stored_keys(self) -> list[str]:
        """The limit keys this test left in Redis."""
        import redis

        client = redis.Redis.from_url(self.uri, decode_responses=True)
        return list(client.scan_iter(f"{self.key_prefix}:*"))


def _redis_or_skip() -> None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except Exception as error:  # reported as the reason for skipping/failing
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI ({REDIS_URL}): {error}")
        pytest.skip(f"no Redis at {REDIS_URL}: {error}")


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> Iterator[LimitStorage]:
    """Each limit storage the site supports, in turn (import the fixture to use it)."""
    with limit_storage(request.param) as storage:
        yield storage


@contextmanager
def limit_storage(kind: str) -> Iterator[LimitStorage]:
    """`kind` is "memory" (the default storage) or "redis"."""
    key_prefix = f"test-{uuid.uuid4().hex}"
    if kind == "memory":
        yield LimitStorage(MEMORY, key_prefix)
        return
    _redis_or_skip()
    storage = LimitStorage(REDIS_URL, key_prefix)
    try:
        yield storage
    finally:
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        for key in storage.stored_keys():
            client.delete(key)
