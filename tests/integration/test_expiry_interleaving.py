"""Expiry can never unguard a booking: the interleavings that once could, stepped by hand.

PostgreSQL: one transaction confirms a hold just before its expiry and is stopped while
it holds the booking row's lock (a trigger on its UPDATE waits for an advisory lock the
test holds); meanwhile another places a hold on the same range just after the expiry.
Exactly one of them may win, and afterwards every occupancy is active exactly when its
booking is a hold or confirmed.

Both databases: the state guard itself refuses an occupancy that disagrees with its
booking, and a status change brings the occupancies along."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bookingsite.booking import service
from bookingsite.booking.service import HoldRequest
from bookingsite.errors import DomainError
from bookingsite.extensions import db
from bookingsite.models import Booking, BookingStatus, Occupancy
from tests.factories import make_service

T10 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
PAUSE_LOCK = 4_242_001
# Bounds every wait for the other thread to reach its step; never a timing assertion.
STEP_TIMEOUT = 20.0

PAUSE_CONFIRM = (
    "CREATE FUNCTION test_pause_confirm() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    f" PERFORM pg_advisory_lock({PAUSE_LOCK}); PERFORM pg_advisory_unlock({PAUSE_LOCK});"
    " RETURN NEW; END $$",
    "CREATE TRIGGER test_pause_confirm BEFORE UPDATE OF status ON bookings FOR EACH ROW"
    " WHEN (NEW.status = 'confirmed') EXECUTE FUNCTION test_pause_confirm()",
)
UNPAUSE_CONFIRM = (
    "DROP TRIGGER IF EXISTS test_pause_confirm ON bookings",
    "DROP FUNCTION IF EXISTS test_pause_confirm()",
)


def mismatched_occupancies() -> list[tuple[int, str, bool]]:
    """(booking id, status, active) of every occupancy that breaks the invariant."""
    live = Booking.status.in_([BookingStatus.HOLD, BookingStatus.CONFIRMED])
    return db.session.execute(
        sa.select(Booking.id, Booking.status, Occupancy.active)
        .join(Occupancy, Occupancy.booking_id == Booking.id)
        .where(Occupancy.active != live)
    ).all()


def overlapping_active_pairs() -> int:
    a, b = sa.orm.aliased(Occupancy), sa.orm.aliased(Occupancy)
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            a.id < b.id,
            a.resource_id == b.resource_id,
            a.active,
            b.active,
            a.start_at < b.end_at,
            a.end_at > b.start_at,
        )
    )


class Step(threading.Thread):
    """Runs one service call in its own app context and session; keeps the outcome."""

    def __init__(self, app, call: Callable[[], object]) -> None:
        super().__init__(daemon=True)
        self.app, self.call = app, call
        self.outcome: str | None = None

    def run(self) -> None:
        with self.app.app_context():
            try:
                self.call()
                self.outcome = "ok"
            except DomainError as error:
                self.outcome = error.code
            except Exception as error:  # noqa: BLE001 - any other error is a finding
                self.outcome = f"{type(error).__name__}: {error}"
            finally:
                db.session.remove()


def _backends_waiting(connection: sa.Connection, kind: str) -> int:
    return connection.execute(
        sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND wait_event = :kind"
        ),
        {"kind": kind},
    ).scalar_one()


def wait_until(condition: Callable[[], bool]) -> None:
    """Poll a database condition; the bound only stops a broken run from hanging."""
    stop = threading.Event()
    deadline = threading.Timer(STEP_TIMEOUT, stop.set)
    deadline.start()
    try:
        while not condition():
            if stop.wait(0.01):
                raise AssertionError("the other transaction never reached its step")
    finally:
        deadline.cancel()


@pytest.fixture
def postgres_pause(app, postgresql_url: str) -> Iterator[sa.Connection]:
    """A connection of the test's own holding the advisory lock that pauses confirms."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("stepping transactions by hand needs PostgreSQL's advisory locks")
    with db.engine.begin() as connection:
        for statement in PAUSE_CONFIRM:
            connection.execute(sa.text(statement))
    monitor = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        yield monitor
    finally:
        monitor.execute(sa.text("SELECT pg_advisory_unlock_all()"))
        monitor.close()
        db.session.remove()  # its read locks would keep DROP TRIGGER waiting
        with db.engine.begin() as connection:
            for statement in UNPAUSE_CONFIRM:
                connection.execute(sa.text(statement))


@pytest.mark.parametrize("backend", ["postgresql"])
def test_confirm_at_expiry_against_a_hold_just_after_it(app, clock, backend, postgres_pause):
    svc = make_service()
    first = service.hold(HoldRequest(service_id=svc.id, start=T10))
    first_id, expires = first.id, first.hold_expires_at
    db.session.commit()

    postgres_pause.execute(sa.text(f"SELECT pg_advisory_lock({PAUSE_LOCK})"))
    clock.set(expires - timedelta(milliseconds=200))
    confirm = Step(app, lambda: service.confirm(first_id))
    confirm.start()
    # The confirm has locked the booking, read its `now` and is paused in its UPDATE.
    wait_until(lambda: _backends_waiting(postgres_pause, "advisory") == 1)

    clock.set(expires + timedelta(milliseconds=150))
    second = Step(app, lambda: service.hold(HoldRequest(service_id=svc.id, start=T10)))
    second.start()
    # The second hold either finishes or queues behind the confirm's locks.
    wait_until(
        lambda: (
            not second.is_alive()
            or _backends_waiting(postgres_pause, "transactionid")
            + _backends_waiting(postgres_pause, "tuple")
            > 0
        )
    )
    postgres_pause.execute(sa.text(f"SELECT pg_advisory_unlock({PAUSE_LOCK})"))
    confirm.join(STEP_TIMEOUT)
    second.join(STEP_TIMEOUT)

    db.session.rollback()
    print(f"confirm: {confirm.outcome}, second hold: {second.outcome}")
    assert sorted([confirm.outcome, second.outcome]) == ["SLOT_TAKEN", "ok"]
    assert db.session.get(Booking, first_id).is_confirmed
    assert mismatched_occupancies() == []
    assert overlapping_active_pairs() == 0


@pytest.mark.usefixtures("backend")
def test_the_database_refuses_an_occupancy_that_disagrees_with_its_booking(app):
    booking = service.confirm(service.hold(HoldRequest(service_id=make_service().id, start=T10)).id)
    occupancy_id = booking.occupancies[0].id
    db.session.commit()
    with pytest.raises(sa.exc.DBAPIError, match="occupancy_state"):
        db.session.execute(
            sa.update(Occupancy).where(Occupancy.id == occupancy_id).values(active=False)
        )
    db.session.rollback()
    assert mismatched_occupancies() == []


@pytest.mark.usefixtures("backend")
def test_a_status_change_brings_the_occupancies_along(app):
    booking = service.hold(HoldRequest(service_id=make_service().id, start=T10))
    booking_id = booking.id
    db.session.execute(
        sa.update(Booking).where(Booking.id == booking_id).values(status=BookingStatus.CANCELLED)
    )
    db.session.commit()
    assert db.session.scalars(sa.select(Occupancy.active)).all() == [False]
    assert mismatched_occupancies() == []


@pytest.mark.usefixtures("backend")
def test_a_hold_marks_lapsed_holds_on_its_own_resources_only(app, clock):
    here, elsewhere = make_service(grid_step_minutes=60), make_service(grid_step_minutes=60)
    service.hold(HoldRequest(service_id=here.id, start=T10))
    service.hold(HoldRequest(service_id=elsewhere.id, start=T10))
    clock.advance(timedelta(minutes=11))
    service.hold(HoldRequest(service_id=here.id, start=T10))
    statuses = db.session.execute(
        sa.select(Booking.service_id, Booking.status).order_by(Booking.id)
    ).all()
    assert statuses == [
        (here.id, BookingStatus.EXPIRED),
        (elsewhere.id, BookingStatus.HOLD),  # lapsed, ignored by reads, left to the sweep
        (here.id, BookingStatus.HOLD),
    ]
    assert mismatched_occupancies() == []
