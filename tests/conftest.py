"""Fixtures shared by every test layer.

`backend` is parametrised over SQLite and PostgreSQL for the tests that ask for it; each
backend gets one database per test session, built by the real migrations, and every
test starts from empty tables."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from werkzeug.serving import make_server

from bookingsite import create_app
from bookingsite.clock import FrozenClock
from bookingsite.extensions import db
from tests import postgres
from tests.redis_storage import storage  # noqa: F401  (a fixture: each rate-limit storage)
from tests.smtp import inbox  # noqa: F401  (a fixture: a real SMTP server on loopback)
from tests.webhook_receiver import receiver  # noqa: F401  (a fixture: a webhook receiver)

DEFAULT_NOW = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    try:
        with postgres.server() as url:
            yield url
    except Exception as error:  # noqa: BLE001 - reported as the reason for skipping/failing
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {error}")
        pytest.skip(f"no PostgreSQL available: {error}")


def _migrated(url: str) -> str:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _migrated(f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}")


@pytest.fixture(scope="session")
def postgresql_url(postgres_server: str) -> Iterator[str]:
    with postgres.throwaway_database(postgres_server) as url:
        yield _migrated(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def empty_database(backend: str, tmp_path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A database with no schema at all, for tests that run the migrations themselves."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
        return
    with postgres.throwaway_database(request.getfixturevalue("postgres_server")) as url:
        yield url


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str:
    """SQLite unless the test also asks for `backend`."""
    name = request.getfixturevalue("backend") if "backend" in request.fixturenames else "sqlite"
    return request.getfixturevalue(f"{name}_url")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(DEFAULT_NOW)


@pytest.fixture
def app_settings(database_url: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "TESTING": True,
        "SECRET_KEY": "test",
        "RATELIMIT_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # Jobs run at once, in the process that queues them; tests of the queues
        # themselves (tests/integration/test_jobs.py) set their own.
        "JOBS_URL": "immediate",
    }


def _empty_tables(app: Flask) -> None:
    with app.app_context():
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(sa.text(f"DELETE FROM {table}"))


@pytest.fixture
def app(app_settings: dict, clock: FrozenClock) -> Iterator[Flask]:
    app = create_app(app_settings, clock=clock)
    _empty_tables(app)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask):
    return app.test_client()


def _read_whole(file: Any, _buffer_size: int = 8192) -> list[bytes]:
    """A `wsgi.file_wrapper` that reads the file at once and closes it. Werkzeug's
    development server leaves a streamed file open when the browser drops the request
    (a navigation cancels a script still loading), and the warning fails the test."""
    try:
        return [file.read()]
    finally:
        file.close()


class LiveServer:
    """The app served over real HTTP in a background thread (threaded, like production)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

        def serve(environ: dict, start_response: Any) -> Any:
            environ["wsgi.file_wrapper"] = _read_whole
            return app(environ, start_response)

        self._server = make_server("127.0.0.1", 0, serve, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    server = LiveServer(app)
    yield server
    server.stop()
