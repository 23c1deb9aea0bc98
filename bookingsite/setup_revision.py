"""The set-up revision: one number the database raises on every change to what a
request reads before its busy time — venues, services, their options, resources and
which resources serve which service; partner keys and the venues they reach; which
venues have a webhook endpoint.

Triggers raise it, not the code, so that every writer (admin, API, CLI, another
process, a hand-written UPDATE) is seen. A process that read something under revision N
may answer from that copy while the database still says N.

SQLite triggers are per row; PostgreSQL's are per statement, after the write, and take
the revision row's lock until commit, so two set-up edits commit one after the other.
The first value is random: a database rebuilt from scratch does not count again from the
numbers a running process may have seen."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session, scoped_session

from bookingsite.models import SetupRevision

T = TypeVar("T")
M = TypeVar("M")

# Each watched table, with the columns whose update raises the revision (None: any).
# A migration names the tables of its own time: FIRST_SETUP_TABLES until shared staff.
FIRST_SETUP_TABLES: dict[str, tuple[str, ...] | None] = dict.fromkeys(
    ("venues", "services", "service_variants", "resources", "service_resources")
)
SHARED_STAFF_TABLES: dict[str, tuple[str, ...] | None] = dict.fromkeys(
    ("staff_shifts", "travel_times")
)
SETUP_TABLES = FIRST_SETUP_TABLES | SHARED_STAFF_TABLES
ACCESS_TABLES: dict[str, tuple[str, ...] | None] = {
    # Not the key's last use, which is written as keys are used.
    "partners": ("key_prefix", "key_hash", "scopes", "rate_limit", "active"),
    "partner_venues": None,
    # Which venues have an endpoint to tell; not each delivery's bookkeeping.
    "webhook_endpoints": ("venue_id", "enabled"),
}
WATCHED_TABLES = SETUP_TABLES | ACCESS_TABLES

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


def _update_of(columns: tuple[str, ...] | None) -> str:
    return "UPDATE" if columns is None else f"UPDATE OF {', '.join(columns)}"


def install(
    connection: Connection, tables: dict[str, tuple[str, ...] | None] = WATCHED_TABLES
) -> None:
    """The triggers on `tables`; a migration names the tables of its own time."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(_POSTGRESQL_FUNCTION)
        for table, columns in tables.items():
            connection.exec_driver_sql(
                f"CREATE TRIGGER setup_revision_bump AFTER INSERT OR {_update_of(columns)}"
                f" OR DELETE OR TRUNCATE ON {table}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION bump_setup_revision()"
            )
    else:
        for table, columns in tables.items():
            for event in _SQLITE_EVENTS:
                when = _update_of(columns) if event == "update" else event.upper()
                connection.exec_driver_sql(
                    f"CREATE TRIGGER setup_revision_{table}_{event} AFTER {when}"
                    f" ON {table} BEGIN {_SQLITE_BUMP}; END"
                )


def uninstall(
    connection: Connection, tables: dict[str, tuple[str, ...] | None] = WATCHED_TABLES
) -> None:
    if connection.dialect.name == "postgresql":
        for table in tables:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS setup_revision_bump ON {table}")
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS bump_setup_revision()")
    else:
        for table in tables:
            for event in _SQLITE_EVENTS:
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS setup_revision_{table}_{event}")


_READ = "setup_revision"


def current(session: Session | scoped_session) -> int | None:
    """The revision as this transaction sees it; None before any set-up exists. Read
    once per transaction (a request's key, service and endpoints all ask), and again
    after the transaction writes: its own set-up write raises the revision."""
    if isinstance(session, scoped_session):
        session = session()
    transaction = session.get_transaction()
    read = session.info.get(_READ)
    if read is not None and transaction is not None and read[0] is transaction:
        return read[1]
    value = session.scalar(sa.select(SetupRevision.value).where(SetupRevision.id == 1))
    session.info[_READ] = (session.get_transaction(), value)
    return value


# Copies kept per store: enough for every service and key of a large group of venues,
# bounded in case ids are walked.
KEPT_PER_STORE = 1024


_MISSING = object()
Store = dict[Hashable, tuple[int, Any]]


def _found(session: Session, store: Store, key: Hashable) -> tuple[int | None, Any]:
    """The revision, and what `store` keeps for `key` if it was read under it."""
    revision = current(session)
    found = store.get(key)
    if found is not None and revision is not None and found[0] == revision:
        return revision, found[1]
    return revision, _MISSING


def _keep(store: Store, key: Hashable, revision: int | None, value: Any) -> None:
    if revision is None:
        return
    if len(store) >= KEPT_PER_STORE:
        store.clear()
    store[key] = (revision, value)


def kept_value(session: Session, store: Store, key: Hashable, load: Callable[[], T]) -> T:
    """`load()`'s answer, from `store` while the revision it was read under is current."""
    revision, value = _found(session, store, key)
    if value is _MISSING:
        value = load()
        _keep(store, key, revision, value)
    return value


def kept_object(
    session: Session, store: Store, key: Hashable, load: Callable[[], M | None]
) -> M | None:
    """`load()`'s object and what it loaded with it, copied into the session from
    `store` while the revision says the copy is current: a quarter of the cost of
    loading (no rows, no JSON to parse). The session's object is its own to change;
    the copy stays outside every session."""
    revision, copy = _found(session, store, key)
    if copy is not _MISSING:
        return session.merge(copy, load=False)
    loaded = load()
    if loaded is not None:
        holder = Session()
        _keep(store, key, revision, holder.merge(loaded, load=False))
        holder.expunge_all()
    return loaded


def forget_read(session: Session) -> None:
    """The next `current` reads the revision again."""
    session.info.pop(_READ, None)


@sa.event.listens_for(Session, "after_flush")
def _forget_after_flush(session: Session, _flush_context: object) -> None:
    forget_read(session)


@sa.event.listens_for(Session, "do_orm_execute")
def _forget_after_write(state: ORMExecuteState) -> None:
    if not state.is_select:
        forget_read(state.session)
