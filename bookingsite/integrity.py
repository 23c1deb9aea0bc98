"""Database objects that make double booking impossible, and the SQLite session setup
that lets racing writers end in a clean conflict.

- PostgreSQL: an exclusion constraint over (resource, occupied range) for active rows.
- SQLite: BEFORE INSERT/UPDATE triggers with the same meaning.
- Both: an occupancy is active exactly while its booking is a hold or confirmed (the
  state guard). A change of a booking's status moves its occupancies in the same
  statement, under the booking row's lock; any other way to (de)activate an occupancy
  is refused. So a confirmed booking can never lose its guard to a concurrent expiry. Times are stored as UTC
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
STATE_MARKER = "occupancy_state"
WRITER_OPTION = "bookingsite_writer"
_HOLDS_WRITER_LOCK = "bookingsite_holds_writer_lock"
EXCLUSION_VIOLATION = "23P01"
DEADLOCK_DETECTED = "40P01"
SERIALIZATION_FAILURE = "40001"

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


# The state guard (second migration). LIVE is the one definition of "blocks its range".
_LIVE = "status IN ('hold', 'confirmed')"

SQLITE_STATE_GUARD_INSTALL = (
    "CREATE TRIGGER IF NOT EXISTS bookings_status_moves_occupancies"
    " AFTER UPDATE OF status ON bookings"
    f" WHEN (OLD.{_LIVE}) <> (NEW.{_LIVE}) BEGIN"
    f" UPDATE occupancies SET active = (NEW.{_LIVE}) WHERE booking_id = NEW.id; END",
    *(
        f"CREATE TRIGGER IF NOT EXISTS occupancies_follow_booking_{event.split()[0].lower()}"
        f" BEFORE {event} ON occupancies"
        f" WHEN NEW.active <> (SELECT {_LIVE} FROM bookings WHERE id = NEW.booking_id) BEGIN"
        f" SELECT RAISE(ABORT, '{STATE_MARKER}'); END"
        for event in ("INSERT", "UPDATE OF active, booking_id")
    ),
)
SQLITE_STATE_GUARD_UNINSTALL = (
    "DROP TRIGGER IF EXISTS bookings_status_moves_occupancies",
    "DROP TRIGGER IF EXISTS occupancies_follow_booking_insert",
    "DROP TRIGGER IF EXISTS occupancies_follow_booking_update",
)

POSTGRESQL_STATE_GUARD_INSTALL = (
    "CREATE OR REPLACE FUNCTION bookings_status_moves_occupancies() RETURNS trigger"
    " LANGUAGE plpgsql AS $$ BEGIN"
    f" UPDATE occupancies SET active = (NEW.{_LIVE}) WHERE booking_id = NEW.id;"
    " RETURN NULL; END $$",
    "CREATE TRIGGER bookings_status_moves_occupancies AFTER UPDATE OF status ON bookings"
    f" FOR EACH ROW WHEN ((OLD.{_LIVE}) IS DISTINCT FROM (NEW.{_LIVE}))"
    " EXECUTE FUNCTION bookings_status_moves_occupancies()",
    "CREATE OR REPLACE FUNCTION occupancies_follow_booking() RETURNS trigger"
    " LANGUAGE plpgsql AS $$ BEGIN"
    f" IF NEW.active IS DISTINCT FROM (SELECT {_LIVE} FROM bookings WHERE id = NEW.booking_id)"
    f" THEN RAISE EXCEPTION '{STATE_MARKER}: occupancy of booking % must be active exactly"
    " while the booking is a hold or confirmed', NEW.booking_id"
    " USING ERRCODE = 'check_violation'; END IF;"
    " RETURN NEW; END $$",
    "CREATE TRIGGER occupancies_follow_booking"
    " BEFORE INSERT OR UPDATE OF active, booking_id ON occupancies"
    " FOR EACH ROW EXECUTE FUNCTION occupancies_follow_booking()",
)
POSTGRESQL_STATE_GUARD_UNINSTALL = (
    "DROP TRIGGER IF EXISTS occupancies_follow_booking ON occupancies",
    "DROP TRIGGER IF EXISTS bookings_status_moves_occupancies ON bookings",
    "DROP FUNCTION IF EXISTS occupancies_follow_booking()",
    "DROP FUNCTION IF EXISTS bookings_status_moves_occupancies()",
)


def _run(connection: Connection, sqlite: tuple[str, ...], postgresql: tuple[str, ...]) -> None:
    for statement in postgresql if connection.dialect.name == "postgresql" else sqlite:
        connection.execute(sa.text(statement))


def install_state_guard(connection: Connection) -> None:
    _run(connection, SQLITE_STATE_GUARD_INSTALL, POSTGRESQL_STATE_GUARD_INSTALL)


def uninstall_state_guard(connection: Connection) -> None:
    _run(connection, SQLITE_STATE_GUARD_UNINSTALL, POSTGRESQL_STATE_GUARD_UNINSTALL)


def install(connection: Connection) -> None:
    _run(connection, SQLITE_INSTALL, POSTGRESQL_INSTALL)


def uninstall(connection: Connection) -> None:
    """Only for the negative-control test that proves the race test can fail."""
    _run(connection, SQLITE_UNINSTALL, POSTGRESQL_UNINSTALL)


def attach_to_metadata(metadata: sa.MetaData) -> None:
    def install_all(_table: sa.Table, connection: Connection, **_: Any) -> None:
        install(connection)
        install_state_guard(connection)

    sa.event.listen(metadata.tables["occupancies"], "after_create", install_all)


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
    """Open the session's transaction as a writer.

    SQLite: ends a read transaction left open (its changes, if any, are committed) so
    that the write lock is taken up front; a transaction that holds it already goes on.
    PostgreSQL has no such lock to take: a read transaction simply goes on as the
    writer, and the rows it loaded stay loaded (a commit would expire them all, and the
    write would read them again)."""
    if session.in_transaction():
        if session.get_bind().dialect.name != "sqlite":
            return
        if session.connection().info.get(_HOLDS_WRITER_LOCK):
            return
        session.commit()
    session.connection(execution_options={WRITER_OPTION: True})


def is_slot_conflict(error: sa.exc.DBAPIError) -> bool:
    """True when the database refused a write because the range is taken."""
    original = error.orig
    if getattr(original, "sqlstate", None) == EXCLUSION_VIOLATION:
        return True
    return SLOT_TAKEN_MARKER in str(original)


def is_transient(error: sa.exc.DBAPIError) -> bool:
    """True when PostgreSQL gave up on the transaction only because of its timing with
    another one (deadlock, serialisation): running it again is the answer."""
    return getattr(error.orig, "sqlstate", None) in (DEADLOCK_DETECTED, SERIALIZATION_FAILURE)
