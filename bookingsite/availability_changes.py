"""The availability-change feed: which resource's time changed, over which range, in an
order a partner can follow without missing a row.

What is recorded. Triggers write the rows, not the code, so that every writer (API,
admin, CLI, sweeps, another process, a hand-written UPDATE) is seen:
- `occupancies`: a row inserted active, deleted while active, turning active or
  inactive, or an active row whose resource or range changes: its range, old and new.
  Occupancies follow their booking's status in the same statement (integrity.py), so a
  hold, cancellation, expiry (sweep or not), move or reschedule is recorded through
  them. Confirming a hold changes nothing (its occupancy stays active over the same
  range), so it records nothing.
- `allocations` (blocks): inserted, updated (old and new) or deleted: the block's range;
  a recurring block (weekdays set) repeats from its first start with no end the
  trigger could compute cheaply (its `repeat_until` is a local date), so it is recorded
  open-ended (`end_at` NULL, "from its start on").
- set-up that changes availability without touching those tables: an update of a
  resource's hours, exceptions, capacity, zone, kind, skills or active flag; an update
  of a service or an insert/update/delete of its options (one row per resource it
  uses); a resource linked to or unlinked from a service (`service_id` says which); an
  update of a venue's zone or active flag (one row per resource of the venue). These
  are recorded open-ended from a day before the database's now (a day of margin for
  any clock skew between the database and the web servers: no slot starts before now).

A lapsed hold blocks nothing from its expiry on, but is recorded only when it is marked
expired (by the sweep, or by a hold on its resource): until then a partner's copy is
stale on the safe side (it shows the range as taken).

Order. Each row stores the writing transaction's id in `txid`; the feed is read in
(txid, id) order, and a cursor is the last (txid, id) served.
- PostgreSQL: ids are handed out when a row is inserted, not when it commits: a
  transaction may insert id 50 and commit after id 60 was read. So rows carry
  `pg_current_xact_id()` and a read serves only rows whose transaction id is below the
  xmin of its own snapshot (every transaction below it has finished, so no row can
  later appear before the last one served); rows of transactions still running, and
  any after them, wait for the next poll.
- SQLite: one writer at a time (the project opens write transactions with BEGIN
  IMMEDIATE), so a transaction that commits later also inserts later: id order is
  commit order. `txid` is 0 there and the order is the id's.

The rows stay: the feed keeps the whole history (a venue's deletion removes its rows)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bookingsite.models import AvailabilityChange, SetupRevision, service_resources

# Tables whose triggers record changes, and the SQLite triggers each has.
SQLITE_TRIGGERS = {
    "occupancies": ("insert", "update", "delete"),
    "allocations": ("insert", "update", "delete"),
    "resources": ("update",),
    "services": ("update",),
    "service_variants": ("insert", "update", "delete"),
    "service_resources": ("insert", "delete"),
    "venues": ("update",),
}
WATCHED_TABLES = tuple(SQLITE_TRIGGERS)
# What the migration that made the feed installed; venues came with their active flag.
FIRST_TABLES = WATCHED_TABLES[:-1]
TRIGGER_PREFIX = "availability_changes_"
# Columns of a resource that its availability depends on (its name does not count).
_RESOURCE_COLUMNS = "weekly_hours, hour_exceptions, capacity, active, timezone, kind, skills"
# Columns of a venue that its resources' availability depends on: the zone that hours
# without a zone of their own follow, and whether it is open for business at all.
_VENUE_COLUMNS = "timezone, active"
_RECURRING = "{row}.weekdays IS NOT NULL AND CAST({row}.weekdays AS TEXT) <> 'null'"

# --- SQLite -----------------------------------------------------------------------------

# UTC text in SQLAlchemy's format for the UTCDateTime columns (text order is time order).
_SQLITE_NOW = "strftime('%Y-%m-%d %H:%M:%f', 'now') || '000'"
_SQLITE_FROM_NOW = "strftime('%Y-%m-%d %H:%M:%S.000000', 'now', '-1 day')"


def _sqlite_record(
    resource: str, start: str, end: str, *, service: str = "NULL", where: str = "1"
) -> str:
    return (
        "INSERT INTO availability_changes"
        " (txid, venue_id, resource_id, service_id, start_at, end_at, created_at)"
        f" SELECT 0, r.venue_id, r.id, {service}, {start}, {end}, {_SQLITE_NOW}"
        f" FROM resources r WHERE r.id = {resource} AND ({where});"
    )


def _sqlite_record_service(service: str) -> str:
    """One open-ended row per resource the service uses."""
    return (
        "INSERT INTO availability_changes"
        " (txid, venue_id, resource_id, service_id, start_at, end_at, created_at)"
        f" SELECT 0, r.venue_id, r.id, {service}, {_SQLITE_FROM_NOW}, NULL, {_SQLITE_NOW}"
        " FROM service_resources sr JOIN resources r ON r.id = sr.resource_id"
        f" WHERE sr.service_id = {service};"
    )


def _sqlite_record_venue(venue: str) -> str:
    """One open-ended row per resource of the venue."""
    return (
        "INSERT INTO availability_changes"
        " (txid, venue_id, resource_id, service_id, start_at, end_at, created_at)"
        f" SELECT 0, r.venue_id, r.id, NULL, {_SQLITE_FROM_NOW}, NULL, {_SQLITE_NOW}"
        f" FROM resources r WHERE r.venue_id = {venue};"
    )


def _allocation_end(row: str) -> str:
    return f"CASE WHEN {_RECURRING.format(row=row)} THEN NULL ELSE {row}.end_at END"


_OCCUPANCY_MOVED = (
    "OLD.active IS NOT NEW.active OR OLD.resource_id IS NOT NEW.resource_id"
    " OR OLD.start_at IS NOT NEW.start_at OR OLD.end_at IS NOT NEW.end_at"
)

SQLITE_INSTALL: dict[str, tuple[str, ...]] = {
    "occupancies": (
        f"CREATE TRIGGER {TRIGGER_PREFIX}occupancies_insert AFTER INSERT ON occupancies"
        " WHEN NEW.active BEGIN "
        + _sqlite_record("NEW.resource_id", "NEW.start_at", "NEW.end_at")
        + " END",
        f"CREATE TRIGGER {TRIGGER_PREFIX}occupancies_delete AFTER DELETE ON occupancies"
        " WHEN OLD.active BEGIN "
        + _sqlite_record("OLD.resource_id", "OLD.start_at", "OLD.end_at")
        + " END",
        f"CREATE TRIGGER {TRIGGER_PREFIX}occupancies_update"
        " AFTER UPDATE OF active, resource_id, start_at, end_at ON occupancies"
        f" WHEN (OLD.active OR NEW.active) AND ({_OCCUPANCY_MOVED}) BEGIN "
        + _sqlite_record("OLD.resource_id", "OLD.start_at", "OLD.end_at", where="OLD.active")
        + " "
        + _sqlite_record("NEW.resource_id", "NEW.start_at", "NEW.end_at", where="NEW.active")
        + " END",
    ),
    "allocations": (
        f"CREATE TRIGGER {TRIGGER_PREFIX}allocations_insert AFTER INSERT ON allocations BEGIN "
        + _sqlite_record("NEW.resource_id", "NEW.start_at", _allocation_end("NEW"))
        + " END",
        f"CREATE TRIGGER {TRIGGER_PREFIX}allocations_delete AFTER DELETE ON allocations BEGIN "
        + _sqlite_record("OLD.resource_id", "OLD.start_at", _allocation_end("OLD"))
        + " END",
        f"CREATE TRIGGER {TRIGGER_PREFIX}allocations_update AFTER UPDATE ON allocations BEGIN "
        + _sqlite_record("OLD.resource_id", "OLD.start_at", _allocation_end("OLD"))
        + " "
        + _sqlite_record("NEW.resource_id", "NEW.start_at", _allocation_end("NEW"))
        + " END",
    ),
    "resources": (
        f"CREATE TRIGGER {TRIGGER_PREFIX}resources_update"
        f" AFTER UPDATE OF {_RESOURCE_COLUMNS} ON resources BEGIN "
        + _sqlite_record("NEW.id", _SQLITE_FROM_NOW, "NULL")
        + " END",
    ),
    "services": (
        f"CREATE TRIGGER {TRIGGER_PREFIX}services_update AFTER UPDATE ON services BEGIN "
        + _sqlite_record_service("NEW.id")
        + " END",
    ),
    "service_variants": tuple(
        f"CREATE TRIGGER {TRIGGER_PREFIX}service_variants_{event} AFTER {event.upper()}"
        f" ON service_variants BEGIN {_sqlite_record_service(f'{row}.service_id')} END"
        for event, row in (("insert", "NEW"), ("update", "NEW"), ("delete", "OLD"))
    ),
    "service_resources": tuple(
        f"CREATE TRIGGER {TRIGGER_PREFIX}service_resources_{event} AFTER {event.upper()}"
        " ON service_resources BEGIN "
        + _sqlite_record(
            f"{row}.resource_id", _SQLITE_FROM_NOW, "NULL", service=f"{row}.service_id"
        )
        + " END"
        for event, row in (("insert", "NEW"), ("delete", "OLD"))
    ),
    "venues": (
        f"CREATE TRIGGER {TRIGGER_PREFIX}venues_update AFTER UPDATE OF {_VENUE_COLUMNS}"
        f" ON venues BEGIN {_sqlite_record_venue('NEW.id')} END",
    ),
}

# --- PostgreSQL -------------------------------------------------------------------------

_PG_TXID = "pg_current_xact_id()::text::bigint"
_PG_FROM_NOW = "now() - interval '1 day'"


def _pg_record(resource: str, start: str, end: str, *, service: str = "NULL") -> str:
    return (
        "INSERT INTO availability_changes"
        " (txid, venue_id, resource_id, service_id, start_at, end_at, created_at)"
        f" SELECT {_PG_TXID}, r.venue_id, r.id, {service}, {start}, {end}, now()"
        f" FROM resources r WHERE r.id = {resource};"
    )


def _pg_record_service(service: str) -> str:
    return (
        "INSERT INTO availability_changes"
        " (txid, venue_id, resource_id, service_id, start_at, end_at, created_at)"
        f" SELECT {_PG_TXID}, r.venue_id, r.id, {service}, {_PG_FROM_NOW}, NULL, now()"
        " FROM service_resources sr JOIN resources r ON r.id = sr.resource_id"
        f" WHERE sr.service_id = {service};"
    )


def _pg_record_venue(venue: str) -> str:
    return (
        "INSERT INTO availability_changes"
        " (txid, venue_id, resource_id, service_id, start_at, end_at, created_at)"
        f" SELECT {_PG_TXID}, r.venue_id, r.id, NULL, {_PG_FROM_NOW}, NULL, now()"
        f" FROM resources r WHERE r.venue_id = {venue};"
    )


def _pg_function(name: str, body: str) -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN {body} RETURN NULL; END $$"
    )


def _pg_allocation_end(row: str) -> str:
    return f"CASE WHEN {_RECURRING.format(row=row)} THEN NULL ELSE {row}.end_at END"


def _pg_occupancy_body(record: Callable[[str, str, str], str]) -> str:
    """`record` an occupancy's range as it blocked and as it blocks now, if either."""
    old = record("OLD.resource_id", "OLD.start_at", "OLD.end_at")
    new = record("NEW.resource_id", "NEW.start_at", "NEW.end_at")
    # Nested IFs: OLD is null on INSERT and NEW on DELETE, and OR does not short-circuit.
    return (
        f"IF TG_OP = 'DELETE' THEN  IF OLD.active THEN {old}  END IF;"
        f" ELSIF TG_OP = 'INSERT' THEN  IF NEW.active THEN {new}  END IF;"
        " ELSIF (OLD.active, OLD.resource_id, OLD.start_at, OLD.end_at)"
        "  IS DISTINCT FROM (NEW.active, NEW.resource_id, NEW.start_at, NEW.end_at) THEN"
        f"  IF OLD.active THEN {old}  END IF;"
        f"  IF NEW.active THEN {new}  END IF;"
        " END IF;"
    )


def _pg_allocation_body(record: Callable[[str, str, str], str]) -> str:
    old = record("OLD.resource_id", "OLD.start_at", _pg_allocation_end("OLD"))
    new = record("NEW.resource_id", "NEW.start_at", _pg_allocation_end("NEW"))
    return f"IF TG_OP <> 'INSERT' THEN {old} END IF; IF TG_OP <> 'DELETE' THEN {new} END IF;"


_PG_FUNCTIONS = {
    "occupancies": _pg_occupancy_body(_pg_record),
    "allocations": _pg_allocation_body(_pg_record),
    "resources": _pg_record("NEW.id", _PG_FROM_NOW, "NULL"),
    "services": _pg_record_service("NEW.id"),
    "service_variants": (
        "IF TG_OP = 'DELETE' THEN "
        + _pg_record_service("OLD.service_id")
        + " ELSE "
        + _pg_record_service("NEW.service_id")
        + " END IF;"
    ),
    "service_resources": (
        "IF TG_OP = 'DELETE' THEN "
        + _pg_record("OLD.resource_id", _PG_FROM_NOW, "NULL", service="OLD.service_id")
        + " ELSE "
        + _pg_record("NEW.resource_id", _PG_FROM_NOW, "NULL", service="NEW.service_id")
        + " END IF;"
    ),
    "venues": _pg_record_venue("NEW.id"),
}
_PG_EVENTS = {
    "occupancies": "INSERT OR DELETE OR UPDATE OF active, resource_id, start_at, end_at",
    "allocations": "INSERT OR UPDATE OR DELETE",
    "resources": f"UPDATE OF {_RESOURCE_COLUMNS}",
    "services": "UPDATE",
    "service_variants": "INSERT OR UPDATE OR DELETE",
    "service_resources": "INSERT OR DELETE",
    "venues": f"UPDATE OF {_VENUE_COLUMNS}",
}
PG_TRIGGER = "availability_changes_record"


def _postgresql_install(table: str) -> tuple[str, ...]:
    return (
        _pg_function(f"{TRIGGER_PREFIX}{table}", _PG_FUNCTIONS[table]),
        f"CREATE TRIGGER {PG_TRIGGER} AFTER {_PG_EVENTS[table]} ON {table}"
        f" FOR EACH ROW EXECUTE FUNCTION {TRIGGER_PREFIX}{table}()",
    )


def _uninstall(postgresql: bool, table: str) -> tuple[str, ...]:
    if postgresql:
        return (
            f"DROP TRIGGER IF EXISTS {PG_TRIGGER} ON {table}",
            f"DROP FUNCTION IF EXISTS {TRIGGER_PREFIX}{table}()",
        )
    return tuple(
        f"DROP TRIGGER IF EXISTS {TRIGGER_PREFIX}{table}_{event}"
        for event in SQLITE_TRIGGERS[table]
    )


def install(connection: Connection, tables: Collection[str] = WATCHED_TABLES) -> None:
    """The triggers on `tables`; a migration names the tables of its own time."""
    postgresql = connection.dialect.name == "postgresql"
    for table in tables:
        statements = _postgresql_install(table) if postgresql else SQLITE_INSTALL[table]
        for statement in statements:
            connection.exec_driver_sql(statement)


def uninstall(connection: Connection, tables: Collection[str] = WATCHED_TABLES) -> None:
    postgresql = connection.dialect.name == "postgresql"
    for table in tables:
        for statement in _uninstall(postgresql, table):
            connection.exec_driver_sql(statement)


# --- staff shared between venues --------------------------------------------------------

# A staff member with shifts at other venues (seed 002) is busy at all of them: each row
# the triggers above write for it (at its own venue) is written again for every venue
# where it has a shift, and a shift's own change is recorded at its venue, open-ended.
# Triggers of their own, with a prefix of their own, installed with the shifts table.
SHIFTS_PREFIX = "availability_shifts_"
SHIFTS_SQLITE_TRIGGERS = {
    "occupancies": ("insert", "update", "delete"),
    "allocations": ("insert", "update", "delete"),
    "resources": ("update",),
    "staff_shifts": ("insert", "update", "delete"),
}
SHIFTS_PG_TRIGGER = "availability_shifts_record"


def _shift_rows(txid: str, now: str, resource: str, start: str, end: str, where: str) -> str:
    return (
        "INSERT INTO availability_changes"
        " (txid, venue_id, resource_id, service_id, start_at, end_at, created_at)"
        f" SELECT {txid}, s.venue_id, s.resource_id, NULL, {start}, {end}, {now}"
        f" FROM staff_shifts s WHERE s.resource_id = {resource} AND ({where});"
    )


def _shift_row(txid: str, now: str, from_now: str, row: str, where: str = "1 = 1") -> str:
    return (
        "INSERT INTO availability_changes"
        " (txid, venue_id, resource_id, service_id, start_at, end_at, created_at)"
        f" SELECT {txid}, {row}.venue_id, {row}.resource_id, NULL, {from_now}, NULL, {now}"
        f" WHERE {where};"
    )


# A shift changed at its venue: one row there (and one at the venue it left, if it moved).
_SHIFT_MOVED = "OLD.venue_id <> NEW.venue_id"


def _sqlite_shifts(resource: str, start: str, end: str, where: str = "1") -> str:
    return _shift_rows("0", _SQLITE_NOW, resource, start, end, where)


SHIFTS_SQLITE_INSTALL: dict[str, tuple[str, ...]] = {
    "occupancies": (
        f"CREATE TRIGGER {SHIFTS_PREFIX}occupancies_insert AFTER INSERT ON occupancies"
        f" WHEN NEW.active BEGIN {_sqlite_shifts('NEW.resource_id', 'NEW.start_at', 'NEW.end_at')}"
        " END",
        f"CREATE TRIGGER {SHIFTS_PREFIX}occupancies_delete AFTER DELETE ON occupancies"
        f" WHEN OLD.active BEGIN {_sqlite_shifts('OLD.resource_id', 'OLD.start_at', 'OLD.end_at')}"
        " END",
        f"CREATE TRIGGER {SHIFTS_PREFIX}occupancies_update"
        " AFTER UPDATE OF active, resource_id, start_at, end_at ON occupancies"
        f" WHEN (OLD.active OR NEW.active) AND ({_OCCUPANCY_MOVED}) BEGIN "
        + _sqlite_shifts("OLD.resource_id", "OLD.start_at", "OLD.end_at", where="OLD.active")
        + " "
        + _sqlite_shifts("NEW.resource_id", "NEW.start_at", "NEW.end_at", where="NEW.active")
        + " END",
    ),
    "allocations": tuple(
        f"CREATE TRIGGER {SHIFTS_PREFIX}allocations_{event} AFTER {event.upper()} ON allocations"
        " BEGIN "
        + " ".join(
            _sqlite_shifts(f"{row}.resource_id", f"{row}.start_at", _allocation_end(row))
            for row in rows
        )
        + " END"
        for event, rows in (("insert", ("NEW",)), ("update", ("OLD", "NEW")), ("delete", ("OLD",)))
    ),
    "resources": (
        f"CREATE TRIGGER {SHIFTS_PREFIX}resources_update"
        f" AFTER UPDATE OF {_RESOURCE_COLUMNS} ON resources BEGIN "
        + _sqlite_shifts("NEW.id", _SQLITE_FROM_NOW, "NULL")
        + " END",
    ),
    "staff_shifts": tuple(
        f"CREATE TRIGGER {SHIFTS_PREFIX}staff_shifts_{event} AFTER {event.upper()} ON staff_shifts"
        " BEGIN "
        + " ".join(
            _shift_row("0", _SQLITE_NOW, _SQLITE_FROM_NOW, row, where) for row, where in rows
        )
        + " END"
        for event, rows in (
            ("insert", (("NEW", "1 = 1"),)),
            ("update", (("OLD", _SHIFT_MOVED), ("NEW", "1 = 1"))),
            ("delete", (("OLD", "1 = 1"),)),
        )
    ),
}


def _pg_shifts(resource: str, start: str, end: str) -> str:
    return _shift_rows(_PG_TXID, "now()", resource, start, end, "true")


_PG_SHIFT_FUNCTIONS = {
    "occupancies": _pg_occupancy_body(_pg_shifts),
    "allocations": _pg_allocation_body(_pg_shifts),
    "resources": _pg_shifts("NEW.id", _PG_FROM_NOW, "NULL"),
    "staff_shifts": (
        "IF TG_OP = 'DELETE' THEN "
        + _shift_row(_PG_TXID, "now()", _PG_FROM_NOW, "OLD")
        + " ELSIF TG_OP = 'UPDATE' THEN "
        + _shift_row(_PG_TXID, "now()", _PG_FROM_NOW, "OLD", _SHIFT_MOVED)
        + " END IF;"
        " IF TG_OP <> 'DELETE' THEN "
        + _shift_row(_PG_TXID, "now()", _PG_FROM_NOW, "NEW")
        + " END IF;"
    ),
}
_PG_SHIFT_EVENTS = _PG_EVENTS | {"staff_shifts": "INSERT OR UPDATE OR DELETE"}


def install_shifts(connection: Connection) -> None:
    """The shared staff triggers (the migration that added shifts)."""
    for table in SHIFTS_SQLITE_TRIGGERS:
        if connection.dialect.name == "postgresql":
            statements = (
                _pg_function(f"{SHIFTS_PREFIX}{table}", _PG_SHIFT_FUNCTIONS[table]),
                f"CREATE TRIGGER {SHIFTS_PG_TRIGGER} AFTER {_PG_SHIFT_EVENTS[table]} ON {table}"
                f" FOR EACH ROW EXECUTE FUNCTION {SHIFTS_PREFIX}{table}()",
            )
        else:
            statements = SHIFTS_SQLITE_INSTALL[table]
        for statement in statements:
            connection.exec_driver_sql(statement)


def uninstall_shifts(connection: Connection) -> None:
    for table, events in SHIFTS_SQLITE_TRIGGERS.items():
        if connection.dialect.name == "postgresql":
            statements = (
                f"DROP TRIGGER IF EXISTS {SHIFTS_PG_TRIGGER} ON {table}",
                f"DROP FUNCTION IF EXISTS {SHIFTS_PREFIX}{table}()",
            )
        else:
            statements = tuple(
                f"DROP TRIGGER IF EXISTS {SHIFTS_PREFIX}{table}_{event}" for event in events
            )
        for statement in statements:
            connection.exec_driver_sql(statement)


# --- reading ----------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Position:
    """Where a reader is in a venue's feed: the last (txid, id) it was given. (0, 0) is
    before every row."""

    txid: int
    id: int


START = Position(0, 0)


@dataclass(frozen=True)
class Change:
    resource_id: int
    # The services the resource serves now, and the one whose link changed, if any.
    service_ids: tuple[int, ...]
    start: datetime
    end: datetime | None  # None: open-ended


@dataclass(frozen=True)
class FeedPage:
    changes: list[Change]
    # After the last change given; the position asked from when there is none.
    position: Position


_POSTGRESQL_SETTLED = AvailabilityChange.txid < sa.literal_column(
    "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
)


def _settled(session: Session) -> sa.ColumnElement[bool]:
    """Rows that no later commit can come before (see the module's docstring). Read in
    the same statement as the rows, so that both come from one snapshot."""
    if session.get_bind().dialect.name != "postgresql":
        return sa.true()
    return _POSTGRESQL_SETTLED


def _after(position: Position) -> sa.ColumnElement[bool]:
    return sa.or_(
        AvailabilityChange.txid > position.txid,
        sa.and_(AvailabilityChange.txid == position.txid, AvailabilityChange.id > position.id),
    )


def read(
    session: Session, venue_ids: int | Collection[int], after: Position, limit: int
) -> FeedPage:
    """The next `limit` changes after `after` at the venue (or venues), oldest first.
    Positions are one order over every venue, so a cursor serves any set of them."""
    if isinstance(venue_ids, int):
        at_venues = AvailabilityChange.venue_id == venue_ids  # the index's own order
    else:
        at_venues = AvailabilityChange.venue_id.in_(sorted(venue_ids))
    rows = list(
        session.scalars(
            sa.select(AvailabilityChange)
            .where(
                at_venues,
                _after(after),
                _settled(session),
            )
            .order_by(AvailabilityChange.txid, AvailabilityChange.id)
            .limit(limit)
        )
    )
    if not rows:
        return FeedPage([], after)
    resource_ids = {row.resource_id for row in rows}
    serves: dict[int, set[int]] = {}
    for service_id, resource_id in session.execute(
        sa.select(service_resources.c.service_id, service_resources.c.resource_id).where(
            service_resources.c.resource_id.in_(resource_ids)
        )
    ):
        serves.setdefault(resource_id, set()).add(service_id)
    changes = [
        Change(
            resource_id=row.resource_id,
            service_ids=tuple(
                sorted(serves.get(row.resource_id, set()) | ({row.service_id} - {None}))
            ),
            start=row.start_at,
            end=row.end_at,
        )
        for row in rows
    ]
    return FeedPage(changes, Position(rows[-1].txid, rows[-1].id))


@dataclass(frozen=True)
class Version:
    """What a venue's availability answers depend on besides the question and the
    clock: equal versions, equal answers."""

    setup_revision: int | None
    # The last settled change (its id), and how many changes are visible past it:
    # the visible rows only grow, the settled ones are a prefix in feed order, so the
    # pair names the visible set exactly (a late commit with a lower id changes it).
    settled_id: int | None
    unsettled: int


def version(session: Session, venue_id: int) -> Version:
    """One statement: the set-up revision and the venue's feed position."""
    statement = _version_statement(session.get_bind().dialect.name)
    row = session.execute(statement, {"venue_id": venue_id}).one()
    return Version(row[0], row[1], row[2])


@lru_cache(maxsize=4)
def _version_statement(dialect: str) -> sa.Select:
    """Built once per dialect, the venue a parameter: every picker part and every
    search asks it, and building it costs more than running it."""
    changes = AvailabilityChange
    venue = changes.venue_id == sa.bindparam("venue_id")
    settled = sa.true() if dialect != "postgresql" else _POSTGRESQL_SETTLED
    revision = sa.select(SetupRevision.value).where(SetupRevision.id == 1).scalar_subquery()
    last_settled = (
        sa.select(changes.id)
        .where(venue, settled)
        .order_by(changes.txid.desc(), changes.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    if dialect == "postgresql":
        unsettled = (
            sa.select(sa.func.count())
            .select_from(changes)
            .where(venue, sa.not_(settled))
            .scalar_subquery()
        )
    else:
        unsettled = sa.literal(0)
    return sa.select(revision, last_settled, unsettled)
