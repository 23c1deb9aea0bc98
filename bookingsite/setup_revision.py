"""The set-up revision: one number the database raises on every change to what a
question about a service reads before its busy time — venues, services, their options,
resources and which resources serve which service.

Triggers raise it, not the code, so that every writer (admin, API, CLI, another
process, a hand-written UPDATE) is seen. A process that read a service's set-up under
revision N may answer from that copy while the database still says N.

SQLite triggers are per row; PostgreSQL's are per statement, after the write, and take
the revision row's lock until commit, so two set-up edits commit one after the other.
The first value is random: a database rebuilt from scratch does not count again from the
numbers a running process may have seen."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bookingsite.models import SetupRevision

WATCHED_TABLES = ("venues", "services", "service_variants", "resources", "service_resources")

_SQLITE_BUMP = (
    "INSERT OR REPLACE INTO setup_revision (id, value) VALUES (1, coalesce("
    "(SELECT value FROM setup_revision WHERE id = 1), abs(random() % 1000000000)) + 1)"
)
_SQLITE_EVENTS = ("insert", "update", "delete")

_POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION bump_setup_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO setup_revision (id, value) VALUES (1, floor(random() * 1000000000)::bigint)
    ON CONFLICT (id) DO UPDATE SET value = setup_revision.value + 1;
    RETURN NULL;
END $$
"""


def install(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(_POSTGRESQL_FUNCTION)
        for table in WATCHED_TABLES:
            connection.exec_driver_sql(
                f"CREATE TRIGGER setup_revision_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
                f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_setup_revision()"
            )
    else:
        for table in WATCHED_TABLES:
            for event in _SQLITE_EVENTS:
                connection.exec_driver_sql(
                    f"CREATE TRIGGER setup_revision_{table}_{event} AFTER {event.upper()}"
                    f" ON {table} BEGIN {_SQLITE_BUMP}; END"
                )


def uninstall(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        for table in WATCHED_TABLES:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS setup_revision_bump ON {table}")
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS bump_setup_revision()")
    else:
        for table in WATCHED_TABLES:
            for event in _SQLITE_EVENTS:
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS setup_revision_{table}_{event}")


def current(session: Session) -> int | None:
    """The revision as this transaction sees it; None before any set-up exists."""
    return session.scalar(sa.select(SetupRevision.value).where(SetupRevision.id == 1))
