"""Database objects that make double booking impossible, and the SQLite session setup
that lets racing writers end in a clean conflict.

- PostgreSQL: an exclusion constraint over (resource, occupied range) for active rows.
- SQLite: BEFORE INSERT/UPDATE triggers with the same meaning. Times are stored as UTC
  text in one format, so text comparison is time comparison. A transaction opened with
  `begin_write` starts with BEGIN IMMEDIATE: writers queue on the write lock
  (busy_timeout) instead of failing with "database is locked" when they upgrade a read
  transaction. Plain reads use a deferred BEGIN, so they never hold the write lock.

The same statements serve `create_all` (tests) and the first migration.
"""

import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

SLOT_TAKEN_MARKER = "slot_taken"
WRITER_OPTION = "bookingsite_writer"
_HOLDS_WRITER_LOCK = "bookingsite_holds_writer_lock"
EXCLUSION_VIOLATION = "23P01"
DEADLOCK_DETECTED = "40P01"

_OVERLAP = (
    "SELECT RAISE(ABORT, '{marker}') WHERE EXISTS ("
    " SELECT 1 FROM occupancies o WHERE o.resource_id = NEW.resource_id AND o.active"
    " AND o.start_at < NEW.end_at AND o.end_at > NEW.start_at{extra});"
)

SQLITE_INSTALL = (
    "CREATE TRIGGER IF NOT EXISTS occupancies_no_overlap_insert"
    " BEFORE INSERT ON occupancies WHEN NEW.active BEGIN "
    + _OVERLAP.format(marker=SLOT_TAKEN_MARKER, extra="")
    + " END",
    "CREATE TRIGGER IF NOT EXISTS occupancies_no_overlap_update"
    " BEFORE UPDATE OF resource_id, start_at, end_at, active ON occupancies"
    " WHEN NEW.active BEGIN "
    + _OVERLAP.format(marker=SLOT_TAKEN_MARKER, extra=" AND o.id <> NEW.id")
    + " END",
)
SQLITE_UNINSTALL = (
    "DROP TRIGGER IF EXISTS occupancies_no_overlap_insert",
    "DROP TRIGGER IF EXISTS occupancies_no_overlap_update",
)

POSTGRESQL_INSTALL = (
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "ALTER TABLE occupancies ADD CONSTRAINT ex_occupancies_no_overlap"
    " EXCLUDE USING gist (resource_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&)"
    " WHERE (active)",
)
POSTGRESQL_UNINSTALL = (
    "ALTER TABLE occupancies DROP CONSTRAINT IF EXISTS ex_occupancies_no_overlap",
)


def install(connection: Connection) -> None:
    statements = POSTGRESQL_INSTALL if connection.dialect.name == "postgresql" else SQLITE_INSTALL
    for statement in statements:
        connection.execute(sa.text(statement))


def uninstall(connection: Connection) -> None:
    """Only for the negative-control test that proves the race test can fail."""
    statements = (
        POSTGRESQL_UNINSTALL if connection.dialect.name == "postgresql" else SQLITE_UNINSTALL
    )
    for statement in statements:
        connection.execute(sa.text(statement))


def attach_to_metadata(metadata: sa.MetaData) -> None:
    table = metadata.tables["occupancies"]
    sa.event.listen(table, "after_create", lambda _t, connection, **_: install(connection))


def configure_sqlite(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    # Writers of this process queue on a lock first: SQLite's own busy handler polls with
    # sleeps of up to 100 ms, which makes a queue of threads needlessly slow. Other
    # processes still meet at BEGIN IMMEDIATE and busy_timeout.
    writer_lock = threading.Lock()

    def release(info: dict) -> None:
        if info.pop(_HOLDS_WRITER_LOCK, False):
            writer_lock.release()

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so that BEGIN below is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if not connection.get_execution_options().get(WRITER_OPTION):
            connection.exec_driver_sql("BEGIN")
            return
        writer_lock.acquire()
        connection.info[_HOLDS_WRITER_LOCK] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception:
            release(connection.info)
            raise

    @sa.event.listens_for(engine, "commit")
    def _on_commit(connection: Connection) -> None:
        release(connection.info)

    @sa.event.listens_for(engine, "rollback")
    def _on_rollback(connection: Connection) -> None:
        release(connection.info)

    @sa.event.listens_for(engine.pool, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        # A connection returned without commit or rollback must not keep the lock.
        if record is not None:
            release(record.info)


def begin_write(session: Session) -> None:
    """Open the session's transaction as a writer. Ends a read transaction left open
    (its changes, if any, are committed) so that the write lock is taken up front."""
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={WRITER_OPTION: True})


def is_slot_conflict(error: sa.exc.DBAPIError) -> bool:
    """True when the database refused a write because the range is taken."""
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate in (EXCLUSION_VIOLATION, DEADLOCK_DETECTED):
        return True
    return SLOT_TAKEN_MARKER in str(original)
