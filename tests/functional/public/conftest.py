from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from bookingsite import demo
from bookingsite.extensions import db


@pytest.fixture
def demo_venues(app):
    """The four demo venues, seeded at the frozen clock's instant (2026-03-01T00:00Z)."""
    return {v.slug: v for v in demo.seed(datetime(2026, 3, 1, tzinfo=UTC))}


@pytest.fixture
def client(client):
    """Venues have their own default language; these tests read English."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def count_queries(app):
    """The statements sent meanwhile (not transaction control)."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.startswith(("BEGIN", "PRAGMA", "ROLLBACK", "COMMIT")):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    yield statements
    sa.event.remove(db.engine, "before_cursor_execute", record)
