"""Seed 002's staff shared between venues, on both databases: a therapist of one spa
with a shift at another of the organisation is never offered at one while busy at the
other, and the travel time between the two venues stays free at both ends of each
booking — exactly, across a daylight-saving change, under racing holds and under a
deterministic interleaving of two writers."""

from __future__ import annotations

import threading
import time as wall
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bookingsite import availability as engine
from bookingsite.booking import questions, service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.errors import DomainError
from bookingsite.extensions import db
from bookingsite.models import Occupancy, ResourceKind, ServiceVariant
from bookingsite.staff import set_shift, set_travel_time
from tests.factories import make_resource, make_service, make_venue
from tests.integration.test_races import race

pytestmark = pytest.mark.usefixtures("backend")

PARIS = ZoneInfo("Europe/Paris")
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAY = {day: [["00:00", "00:00"]] for day in EVERY_DAY}
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def paris(day: str, at: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{at}").replace(tzinfo=PARIS).astimezone(UTC)


class TwoSpas:
    """The hotel spa (travel time 30 minutes) and the Marais spa (20) of one group;
    Claire works at the hotel and has a shift at the Marais. Each spa has a cabin and a
    60-minute massage on a 15-minute grid."""

    def __init__(self) -> None:
        self.hotel = make_venue(name="Hotel spa", timezone="Europe/Paris", travel_buffer_minutes=30)
        self.marais = make_venue(name="Marais", timezone="Europe/Paris", travel_buffer_minutes=20)
        self.claire = make_resource(
            self.hotel, name="Claire", kind=ResourceKind.STAFF, skills=["massage"]
        )
        set_shift(self.claire, self.marais, ALL_DAY)
        db.session.commit()
        self.at_hotel = self._massage(self.hotel)
        self.at_marais = self._massage(self.marais)

    def _massage(self, venue):
        cabin = make_resource(venue, name=f"Cabin of {venue.name}", capacity=1)
        return make_service(
            [cabin, self.claire],
            required_skills=["massage"],
            grid_step_minutes=15,
            variants=[ServiceVariant(name="Massage", duration_minutes=60, guests=1)],
        )

    def request(self, where, start: datetime) -> HoldRequest:
        return HoldRequest(service_id=where.id, start=start)

    def book(self, where, start: datetime):
        held = service.hold(self.request(where, start))
        return service.confirm(held.id, Customer(name="Ada", email="ada@example.test"))

    def starts(self, where, day: str) -> list[datetime]:
        """The starts customers are offered that Paris day."""
        question = questions.ask(db.session.get(type(where), where.id))
        window = engine.Interval(paris(day, "00:00"), paris(day, "00:00") + 24 * HOUR)
        return [
            s.start for s in questions.slots(question, window, datetime(2026, 3, 1, tzinfo=UTC))
        ]


@pytest.fixture
def spas(app) -> TwoSpas:
    return TwoSpas()


def refused(spas: TwoSpas, where, start: datetime) -> str:
    with pytest.raises(DomainError) as caught:
        service.hold(spas.request(where, start))
    db.session.rollback()
    return caught.value.code


def test_a_therapist_busy_at_one_venue_is_never_offered_at_the_other(spas):
    spas.book(spas.at_hotel, paris("2026-03-05", "10:00"))  # 10:00-11:00 at the hotel
    offered = spas.starts(spas.at_marais, "2026-03-05")
    # 30 minutes to travel each way: the Marais ends by 09:30 and starts from 11:30.
    assert paris("2026-03-05", "08:30") in offered
    assert paris("2026-03-05", "11:30") in offered
    assert not [
        s for s in offered if paris("2026-03-05", "08:30") < s < paris("2026-03-05", "11:30")
    ]
    # At the hotel itself no travel is kept: right after the booking is free.
    assert paris("2026-03-05", "11:00") in spas.starts(spas.at_hotel, "2026-03-05")


def test_the_travel_time_is_kept_exactly_at_both_ends(spas):
    spas.book(spas.at_hotel, paris("2026-03-05", "10:00"))
    assert refused(spas, spas.at_marais, paris("2026-03-05", "08:45")) == "SLOT_TAKEN"
    assert refused(spas, spas.at_marais, paris("2026-03-05", "11:15")) == "SLOT_TAKEN"
    spas.book(spas.at_marais, paris("2026-03-05", "08:30"))  # ends 30 minutes before
    spas.book(spas.at_marais, paris("2026-03-05", "11:30"))  # starts 30 minutes after
    # And seen from the hotel: a booking there must leave the Marais' 30 minutes too.
    assert refused(spas, spas.at_hotel, paris("2026-03-05", "12:45")) == "SLOT_TAKEN"
    spas.book(spas.at_hotel, paris("2026-03-05", "13:00"))


def test_a_pair_of_venues_may_keep_its_own_travel_time(spas):
    set_travel_time(spas.hotel, spas.marais, 10)
    db.session.commit()
    spas.book(spas.at_hotel, paris("2026-03-05", "10:00"))
    assert refused(spas, spas.at_marais, paris("2026-03-05", "09:00")) == "SLOT_TAKEN"
    assert refused(spas, spas.at_marais, paris("2026-03-05", "11:00")) == "SLOT_TAKEN"
    # Starts fall every 15 minutes: these leave 15 minutes, more than the pair's 10.
    spas.book(spas.at_marais, paris("2026-03-05", "08:45"))
    spas.book(spas.at_marais, paris("2026-03-05", "11:15"))


def test_the_travel_time_is_elapsed_time_across_a_clock_change(spas):
    # Paris springs forward at 02:00 on 29 March 2026: 00:30-01:30 local is 23:30-00:30
    # UTC, and 30 minutes of travel end at 01:00 UTC, which the wall clock reads 03:00.
    spas.book(spas.at_hotel, paris("2026-03-29", "00:30"))
    offered = spas.starts(spas.at_marais, "2026-03-29")
    after = [s for s in offered if s > paris("2026-03-29", "00:30")]
    assert after[0] == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert after[0].astimezone(PARIS).strftime("%H:%M") == "03:00"
    assert refused(spas, spas.at_marais, datetime(2026, 3, 29, 0, 45, tzinfo=UTC)) == "SLOT_TAKEN"
    spas.book(spas.at_marais, datetime(2026, 3, 29, 1, 0, tzinfo=UTC))


def test_a_duo_at_the_other_venue_takes_the_visiting_therapist_or_nothing(spas):
    sophie = make_resource(spas.marais, name="Sophie", kind=ResourceKind.STAFF, skills=["massage"])
    suite = make_resource(spas.marais, name="Salon Duo", capacity=2)
    duo = make_service(
        [suite, sophie, spas.claire],
        required_skills=["massage"],
        grid_step_minutes=15,
        variants=[ServiceVariant(name="Duo", duration_minutes=60, guests=2, staff_count=2)],
    )
    spas.book(spas.at_hotel, paris("2026-03-05", "10:00"))
    request = HoldRequest(service_id=duo.id, start=paris("2026-03-05", "11:00"), guests=2)
    with pytest.raises(DomainError):
        service.hold(request)  # Claire is still travelling: no second therapist
    db.session.rollback()
    held = service.hold(
        HoldRequest(service_id=duo.id, start=paris("2026-03-05", "11:30"), guests=2)
    )
    taken = {o.resource_id for o in held.occupancies}
    assert taken == {suite.id, sophie.id, spas.claire.id}


def _claire_ranges(spas: TwoSpas) -> list[tuple[datetime, datetime]]:
    return sorted(
        db.session.execute(
            sa.select(Occupancy.start_at, Occupancy.end_at).where(
                Occupancy.resource_id == spas.claire.id, Occupancy.active
            )
        ).all()
    )


@pytest.mark.slow
def test_racing_holds_at_two_venues_never_break_the_travel_time(app, spas):
    """Each round, eight racers at each spa want Claire 15 minutes apart (less than the
    30 minutes of travel): one hold wins, whichever venue it is at."""
    for day in range(5, 10):
        date = f"2026-03-{day:02d}"
        requests = [spas.request(spas.at_hotel, paris(date, "10:00"))] * 8 + [
            spas.request(spas.at_marais, paris(date, "11:15"))
        ] * 8
        outcomes = race(app, requests)
        assert outcomes["ok"] == 1, outcomes
        assert set(outcomes) == {"ok", "SLOT_TAKEN"}, outcomes


class _Paused:
    """Pauses the first hold at the hotel after its plan, just before it writes."""

    def __init__(self, hotel_service_id: int) -> None:
        self.hotel_service_id = hotel_service_id
        self.paused, self.release = threading.Event(), threading.Event()
        self.original = service._write_hold

    def __call__(self, svc, request, plan, now):
        if svc.id == self.hotel_service_id and not self.paused.is_set():
            self.paused.set()
            assert self.release.wait(20)
        return self.original(svc, request, plan, now)


def _waits_on_an_advisory_lock() -> bool:
    """True once a transaction waits for a shared staff member's lock (bounded poll)."""
    deadline = wall.monotonic() + 20
    while wall.monotonic() < deadline:
        with db.engine.connect() as connection:
            waiting = connection.scalar(
                sa.text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            )
        if waiting:
            return True
        wall.sleep(0.01)
    return False


def _interleave(app, spas: TwoSpas, monkeypatch, *, locked: bool) -> Counter:
    """The hotel's hold plans and pauses; the Marais' hold for Claire 15 minutes after
    it runs meanwhile; then the hotel's writes. Outcomes by venue."""
    paused = _Paused(spas.at_hotel.id)
    monkeypatch.setattr(service, "_write_hold", paused)
    outcomes: Counter = Counter()

    def run(name: str, request: HoldRequest) -> None:
        with app.app_context():
            try:
                service.hold(request)
                outcomes[f"{name} ok"] += 1
            except DomainError as error:
                outcomes[f"{name} {error.code}"] += 1
            finally:
                db.session.remove()

    hotel = threading.Thread(
        target=run, args=("hotel", spas.request(spas.at_hotel, paris("2026-03-05", "10:00")))
    )
    marais = threading.Thread(
        target=run, args=("marais", spas.request(spas.at_marais, paris("2026-03-05", "11:15")))
    )
    hotel.start()
    assert paused.paused.wait(20)
    marais.start()
    if locked:
        assert _waits_on_an_advisory_lock()  # the Marais waits for the hotel's writer
    else:
        marais.join(20)  # nothing holds it back
    paused.release.set()
    hotel.join(20)
    marais.join(20)
    return outcomes


def test_the_second_writer_reads_the_first_ones_booking(app, spas, backend, monkeypatch):
    if backend != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the second waits for the first anyway")
    outcomes = _interleave(app, spas, monkeypatch, locked=True)
    assert outcomes == Counter({"hotel ok": 1, "marais SLOT_TAKEN": 1})
    assert len(_claire_ranges(spas)) == 1


def test_negative_control_without_the_lock_both_writers_get_through(
    app, spas, backend, monkeypatch
):
    """Proof that the interleaving above can fail: without the shared staff lock the
    Marais' hold reads no hotel booking, and Claire is left 15 minutes to travel."""
    if backend != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    monkeypatch.setattr(service, "_lock_shared_staff", lambda svc: None)
    outcomes = _interleave(app, spas, monkeypatch, locked=False)
    assert outcomes == Counter({"hotel ok": 1, "marais ok": 1})


def test_the_feed_of_each_venue_a_therapist_works_at_records_her_time(spas):
    """A partner following the Marais' feed hears of Claire's booking at the hotel (her
    time there changed too), and of her shift there changing."""
    from tests.integration.test_availability_changes import changes, head

    marais_before = head(spas.marais.id)
    booked = spas.book(spas.at_hotel, paris("2026-03-05", "10:00"))
    found, after = changes(spas.marais.id, marais_before)
    assert [(c.resource_id, c.start, c.end) for c in found] == [
        (spas.claire.id, booked.start_at, booked.end_at)
    ]
    assert spas.at_marais.id in found[0].service_ids
    set_shift(spas.claire, spas.marais, {"mon": [["10:00", "12:00"]]})
    db.session.commit()
    shifted, _ = changes(spas.marais.id, after)
    assert [(c.resource_id, c.end) for c in shifted] == [(spas.claire.id, None)]
