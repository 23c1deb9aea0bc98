"""A duo option on both databases: one room for two and two therapists, held, moved and
raced for as one — every occupancy written in one transaction, so the database's guard
takes them all or none."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bookingsite import availability as engine
from bookingsite.booking import service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.errors import DomainError
from bookingsite.extensions import db
from bookingsite.models import Booking, Occupancy, ResourceKind, ServiceVariant
from tests.factories import make_allocation, make_resource, make_service, make_venue
from tests.integration.test_races import race

pytestmark = pytest.mark.usefixtures("backend")

T10 = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


class Spa:
    """Two duo suites, three massage therapists, a single and a duo option."""

    def __init__(self) -> None:
        venue = make_venue(timezone="UTC")
        self.suite_a = make_resource(venue, name="Suite A", capacity=2)
        self.suite_b = make_resource(venue, name="Suite B", capacity=2)
        self.staff = [
            make_resource(venue, name=name, kind=ResourceKind.STAFF, skills=["massage"])
            for name in ("Claire", "Marc", "Lina")
        ]
        self.service = make_service(
            [self.suite_a, self.suite_b, *self.staff],
            required_skills=["massage"],
            grid_step_minutes=30,
            variants=[
                ServiceVariant(name="Single", duration_minutes=60, guests=1),
                ServiceVariant(name="Duo", duration_minutes=60, guests=2, staff_count=2),
            ],
        )
        self.single, self.duo = self.service.variants
        self.staff_ids = [m.id for m in self.staff]

    def hold(self, start: datetime = T10, *, duo: bool = True, **kw) -> Booking:
        variant = self.duo if duo else self.single
        return service.hold(
            HoldRequest(
                service_id=self.service.id,
                start=start,
                variant_id=variant.id,
                guests=variant.guests,
                **kw,
            )
        )

    def book(self, start: datetime = T10, **kw) -> Booking:
        held = self.hold(start, **kw)
        return service.confirm(held.id, Customer(name="Ada", email="ada@example.test"))


@pytest.fixture
def spa(app) -> Spa:
    return Spa()


def active_rows() -> list[tuple[int, int]]:
    """(booking id, resource id) of every active occupancy."""
    rows = db.session.execute(
        sa.select(Occupancy.booking_id, Occupancy.resource_id).where(Occupancy.active)
    )
    return sorted(tuple(row) for row in rows)


def resources_of(booking_id: int) -> tuple[int, ...]:
    db.session.expire_all()
    return tuple(sorted(o.resource_id for o in db.session.get(Booking, booking_id).occupancies))


def refused(fn) -> DomainError:
    with pytest.raises(DomainError) as caught:
        fn()
    return caught.value


def test_a_duo_hold_holds_a_room_and_two_therapists(spa):
    booking = spa.hold()
    claire, marc, _lina = spa.staff_ids
    assert resources_of(booking.id) == (spa.suite_a.id, claire, marc)
    occupied = {(o.start_at, o.end_at) for o in booking.occupancies}
    assert occupied == {(T10, T10 + HOUR)}
    # Another duo at the same time finds a suite but only one therapist: taken.
    assert refused(spa.hold).code == "SLOT_TAKEN"
    # A single massage still fits: the other suite and Lina.
    single = spa.hold(duo=False)
    assert resources_of(single.id) == (spa.suite_b.id, spa.staff_ids[2])


def test_a_duo_takes_the_two_therapists_who_are_free(spa):
    single = spa.hold(duo=False)  # Suite A and Claire
    duo = spa.hold()
    _claire, marc, lina = spa.staff_ids
    assert resources_of(duo.id) == (spa.suite_b.id, marc, lina)
    assert resources_of(single.id) == (spa.suite_a.id, spa.staff_ids[0])


def test_with_one_therapist_free_a_duo_fails_whole_and_writes_nothing(spa):
    spa.hold(duo=False)  # Claire
    spa.hold(duo=False)  # Marc, in the other suite: no suite and one therapist are left
    before = active_rows()
    bookings = db.session.scalar(sa.select(sa.func.count(Booking.id)))
    error = refused(spa.hold)
    assert error.code == "SLOT_TAKEN"
    assert active_rows() == before
    assert db.session.scalar(sa.select(sa.func.count(Booking.id))) == bookings


def test_a_free_room_with_one_therapist_free_is_still_taken(spa):
    claire, marc, lina = spa.staff
    make_allocation(lina, T10 - HOUR, T10 + 2 * HOUR, reason="Training")
    spa.hold(duo=False, resource_id=spa.suite_a.id)  # Suite A and Claire
    before = active_rows()
    error = refused(lambda: spa.hold(resource_id=spa.suite_b.id))
    # Marc is free, Claire is booked: the time is taken, and other times are offered.
    assert error.code == "SLOT_TAKEN" and error.extra["alternatives"]
    assert active_rows() == before


def test_too_few_therapists_on_shift_is_no_staff(spa):
    for member in spa.staff[1:]:
        make_allocation(member, T10 - HOUR, T10 + 2 * HOUR, reason="Day off")
    error = refused(spa.hold)
    assert error.code == "SLOT_UNAVAILABLE" and error.extra["reason"] == "no_staff"
    assert active_rows() == []


def test_the_database_refuses_a_duo_whole(spa, monkeypatch):
    """Let the engine wrongly offer Suite A with Marc, who is held, and Lina: the
    database refuses Marc's row, so neither Suite A nor Lina is held."""
    first = spa.hold(duo=False)  # Suite A and Claire
    spa.hold(duo=False)  # Suite B and Marc
    service.cancel(first.id)  # Suite A and Claire are free again
    _claire, marc, lina = spa.staff_ids
    before = active_rows()
    monkeypatch.setattr(engine, "why_not", lambda *a, **k: None)
    monkeypatch.setattr(
        engine,
        "pick",
        lambda req, s, e, **_: engine.Slot(s, e, spa.suite_a.id, marc, more_staff_ids=(lina,)),
    )
    assert refused(spa.hold).code == "SLOT_TAKEN"
    assert active_rows() == before


def test_a_customer_reschedules_a_duo_and_keeps_whoever_is_free(spa):
    booking = spa.book()
    claire, marc, lina = spa.staff_ids
    # Claire is busy from 11:00: at 10:30 the duo keeps Marc and takes Lina.
    make_allocation(spa.staff[0], T10 + HOUR, T10 + 3 * HOUR, reason="Lunch")
    later = T10 + timedelta(minutes=30)
    service.reschedule(booking.id, start=later)
    db.session.rollback()
    moved = db.session.get(Booking, booking.id)
    assert moved.start_at == later
    assert resources_of(booking.id) == (spa.suite_a.id, marc, lina)
    assert {(o.start_at, o.end_at) for o in moved.occupancies} == {(later, later + HOUR)}


def test_a_customer_cannot_reschedule_a_duo_onto_one_free_therapist(spa):
    booking = spa.book()
    spa.hold(T10 + 3 * HOUR, duo=False)  # Claire at 13:00
    spa.hold(T10 + 3 * HOUR, duo=False)  # Marc at 13:00
    error = refused(lambda: service.reschedule(booking.id, start=T10 + 3 * HOUR))
    assert error.code == "SLOT_TAKEN"
    db.session.rollback()
    assert db.session.get(Booking, booking.id).start_at == T10
    assert resources_of(booking.id) == (spa.suite_a.id, *spa.staff_ids[:2])


def test_a_manager_moves_a_duo_to_another_suite_and_time(spa):
    booking = spa.book()
    claire, marc, lina = spa.staff_ids
    make_allocation(spa.staff[1], T10 + HOUR, T10 + 3 * HOUR, reason="Lunch")  # Marc
    later = T10 + timedelta(minutes=30)
    service.move(
        booking.id, start=later, end=later + HOUR, resource_id=spa.suite_b.id, manager_id=None
    )
    db.session.rollback()
    assert resources_of(booking.id) == (spa.suite_b.id, claire, lina)
    # Back again: Claire and Lina are free at 10:00, so they stay.
    service.move(booking.id, start=T10, end=T10 + HOUR, resource_id=spa.suite_a.id, manager_id=None)
    db.session.rollback()
    assert resources_of(booking.id) == (spa.suite_a.id, claire, lina)


# --- real concurrent duo holds --------------------------------------------------------

ROUNDS = 8


@pytest.fixture
def app_settings(app_settings: dict) -> dict:
    return app_settings | {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 6}}


def _racers(spa: Spa, start: datetime) -> list[HoldRequest]:
    """Two duos at one time, one per suite: the rooms never collide, the last two
    therapists (Lina is away) are what both want."""
    return [
        HoldRequest(
            service_id=spa.service.id,
            start=start,
            variant_id=spa.duo.id,
            guests=2,
            resource_id=suite.id,
        )
        for suite in (spa.suite_a, spa.suite_b)
    ]


def _no_one_twice(spa: Spa) -> None:
    """No two active occupancies of one resource overlap, and each round held exactly
    one suite and the two therapists."""
    db.session.rollback()  # a fresh read: the racers wrote through sessions of their own
    rows = db.session.execute(
        sa.select(Occupancy.resource_id, Occupancy.start_at, Occupancy.end_at)
        .where(Occupancy.active)
        .order_by(Occupancy.resource_id, Occupancy.start_at)
    ).all()
    for a, b in zip(rows, rows[1:], strict=False):
        assert a.resource_id != b.resource_id or a.end_at <= b.start_at
    per_resource = Counter(r.resource_id for r in rows)
    claire, marc, _lina = spa.staff_ids
    assert per_resource[claire] == per_resource[marc] == ROUNDS
    assert per_resource[spa.suite_a.id] + per_resource[spa.suite_b.id] == ROUNDS


@pytest.mark.slow
def test_two_duos_racing_for_the_last_two_therapists(app, spa):
    make_allocation(spa.staff[2], T10 - HOUR, T10 + timedelta(days=ROUNDS), reason="Away")
    for day in range(ROUNDS):
        outcomes = race(app, _racers(spa, T10 + timedelta(days=day)))
        assert outcomes == Counter({"ok": 1, "SLOT_TAKEN": 1}), f"round {day}: {outcomes}"
    _no_one_twice(spa)


@pytest.mark.slow
def test_the_database_alone_lets_one_duo_win(app, spa, monkeypatch):
    """The engine says yes to both racers (each its own suite, both Claire and Marc):
    only the guard stands in the way, and the loser's suite is not held either."""
    claire, marc, _lina = spa.staff_ids
    monkeypatch.setattr(engine, "why_not", lambda *a, **k: None)
    monkeypatch.setattr(
        engine,
        "pick",
        lambda req, s, e, **_: engine.Slot(s, e, req.places[0].id, claire, more_staff_ids=(marc,)),
    )
    for day in range(ROUNDS):
        outcomes = race(app, _racers(spa, T10 + timedelta(days=day)))
        assert outcomes == Counter({"ok": 1, "SLOT_TAKEN": 1}), f"round {day}: {outcomes}"
    _no_one_twice(spa)
