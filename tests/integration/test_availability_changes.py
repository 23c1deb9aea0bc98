"""The availability-change feed on both databases: every kind of write records the right
resource and range, whoever writes; a late commit is never skipped (PostgreSQL); and a
partner that follows the feed and refreshes only the changed ranges ends with the same
slots as one that asks again for everything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookingsite import availability as engine
from bookingsite import availability_changes
from bookingsite.availability_changes import START, Change, Position
from bookingsite.booking import questions, service
from bookingsite.booking.inputs import load_service
from bookingsite.booking.service import HoldRequest
from bookingsite.errors import DomainError
from bookingsite.extensions import db
from bookingsite.models import Allocation
from tests.factories import make_allocation, make_resource, make_service

pytestmark = pytest.mark.usefixtures("backend")

T10 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def settle(venue_id: int) -> None:
    """PostgreSQL serves a change once every transaction that began before it has ended,
    in the whole cluster: on a shared server another database's work may hold it back
    for a moment. Ask again (no sleep; bounded) until every visible change is served."""
    if db.engine.dialect.name != "postgresql":
        return
    for _ in range(100_000):
        db.session.rollback()
        if availability_changes.version(db.session, venue_id).unsettled == 0:
            return
    raise AssertionError("a transaction elsewhere on the server keeps the feed waiting")


def changes(venue_id: int, after: Position = START) -> tuple[list[Change], Position]:
    """Every change after `after`, as a new request would read them."""
    settle(venue_id)
    db.session.rollback()
    found: list[Change] = []
    while True:
        page = availability_changes.read(db.session, venue_id, after, limit=3)
        found += page.changes
        if not page.changes:
            return found, after
        after = page.position


def ranges(found: list[Change]) -> list[tuple[int, datetime, datetime | None]]:
    return [(c.resource_id, c.start, c.end) for c in found]


def head(venue_id: int) -> Position:
    return changes(venue_id)[1]


def written_elsewhere(statement: str, **values: object) -> None:
    """A write through another connection, as the CLI, another process or psql would."""
    with db.engine.begin() as connection:
        connection.execute(sa.text(statement), values)


def hold_at(svc, start, **kw):
    return service.hold(HoldRequest(service_id=svc.id, start=start, **kw))


def test_every_watched_table_has_its_triggers_at_head(app):
    """SQLite's batch migrations rebuild a table without its triggers: a later migration
    that alters a watched table must install them again, and this notices if one does not."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            found = connection.execute(
                sa.text(
                    "SELECT DISTINCT event_object_table FROM information_schema.triggers"
                    " WHERE trigger_name = :name"
                ),
                {"name": availability_changes.PG_TRIGGER},
            ).scalars()
            assert set(found) == set(availability_changes.WATCHED_TABLES)
        else:
            found = connection.execute(
                sa.text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE :prefix"
                ),
                {"prefix": availability_changes.TRIGGER_PREFIX + "%"},
            ).scalars()
            expected = {
                f"{availability_changes.TRIGGER_PREFIX}{table}_{event}"
                for table, events in availability_changes.SQLITE_TRIGGERS.items()
                for event in events
            }
            assert set(found) == expected


def test_hold_confirm_cancel(app):
    room = make_resource()
    svc = make_service([room])
    venue_id = room.venue_id
    at = head(venue_id)  # after the set-up's own changes
    booking = hold_at(svc, T10)
    found, at = changes(venue_id, at)
    assert ranges(found) == [(room.id, T10, T10 + HOUR)]
    assert found[0].service_ids == (svc.id,)

    # Confirming keeps the same range taken: nothing to refresh.
    service.confirm(booking.id)
    assert changes(venue_id, at)[0] == []

    service.cancel(booking.id)
    found, _ = changes(venue_id, at)
    assert ranges(found) == [(room.id, T10, T10 + HOUR)]


def test_a_cancelled_hold_was_never_confirmed(app):
    room = make_resource()
    svc = make_service([room], buffer_after_minutes=15, grid_step_minutes=15)
    booking = hold_at(svc, T10)
    at = head(room.venue_id)
    service.cancel(booking.id)
    found, _ = changes(room.venue_id, at)
    # The occupied range, buffers included: that is what the slots around it depend on.
    assert ranges(found) == [(room.id, T10, T10 + HOUR + timedelta(minutes=15))]


def test_the_expiry_sweep(app, clock):
    room = make_resource()
    svc = make_service([room])
    hold_at(svc, T10)
    at = head(room.venue_id)
    clock.advance(timedelta(minutes=11))
    assert service.sweep_lapsed_holds() == 1
    found, _ = changes(room.venue_id, at)
    assert ranges(found) == [(room.id, T10, T10 + HOUR)]


def test_a_live_range_deleted_by_hand(app):
    room = make_resource()
    svc = make_service([room])
    booking = hold_at(svc, T10)
    at = head(room.venue_id)
    written_elsewhere("DELETE FROM bookings WHERE id = :id", id=booking.id)  # cascades
    assert ranges(changes(room.venue_id, at)[0]) == [(room.id, T10, T10 + HOUR)]


def test_a_move_records_the_old_and_the_new_range(app):
    room = make_resource()
    other = make_resource(room.venue)
    svc = make_service([room, other])
    booking = hold_at(svc, T10, resource_id=room.id)
    service.confirm(booking.id)
    at = head(room.venue_id)
    service.move(
        booking.id, start=T10 + 2 * HOUR, end=T10 + 3 * HOUR, resource_id=other.id, manager_id=None
    )
    found, _ = changes(room.venue_id, at)
    assert sorted(ranges(found)) == sorted(
        [(room.id, T10, T10 + HOUR), (other.id, T10 + 2 * HOUR, T10 + 3 * HOUR)]
    )


def test_a_reschedule_records_the_old_and_the_new_range(app):
    room = make_resource()
    svc = make_service([room])
    booking = hold_at(svc, T10)
    service.confirm(booking.id)
    at = head(room.venue_id)
    service.reschedule(booking.id, start=T10 + 4 * HOUR)
    found, _ = changes(room.venue_id, at)
    assert sorted(ranges(found)) == [
        (room.id, T10, T10 + HOUR),
        (room.id, T10 + 4 * HOUR, T10 + 5 * HOUR),
    ]


def test_blocks_made_and_removed(app):
    room = make_resource()
    svc = make_service([room])
    at = head(room.venue_id)
    block = make_allocation(room, T10, T10 + 2 * HOUR, reason="Painting")
    found, at = changes(room.venue_id, at)
    assert ranges(found) == [(room.id, T10, T10 + 2 * HOUR)]
    assert found[0].service_ids == (svc.id,)
    db.session.delete(block)
    db.session.commit()
    found, _ = changes(room.venue_id, at)
    assert ranges(found) == [(room.id, T10, T10 + 2 * HOUR)]


def test_a_recurring_block_is_open_ended_from_its_first_start(app):
    room = make_resource()
    make_allocation(room, T10, T10 + HOUR, weekdays=[0, 2])
    found, _ = changes(room.venue_id)
    assert ranges(found) == [(room.id, T10, None)]


def test_a_block_written_elsewhere(app):
    room = make_resource()
    written_elsewhere(
        "UPDATE resources SET name = 'Renamed' WHERE id = :id", id=room.id
    )  # a name is not availability
    assert changes(room.venue_id)[0] == []
    make_allocation(room, T10, T10 + HOUR)
    at = head(room.venue_id)
    written_elsewhere("DELETE FROM allocations WHERE resource_id = :id", id=room.id)
    assert ranges(changes(room.venue_id, at)[0]) == [(room.id, T10, T10 + HOUR)]


def test_set_up_edits_are_open_ended_from_about_now(app):
    room = make_resource()
    other = make_resource(room.venue)
    svc = make_service([room])
    at = head(room.venue_id)
    room.weekly_hours = {"mon": [["09:00", "17:00"]]}
    db.session.commit()
    found, at = changes(room.venue_id, at)
    assert [(c.resource_id, c.end) for c in found] == [(room.id, None)]
    # From a day before the database's own now (not the app's frozen test clock).
    assert found[0].start < datetime.now(UTC) - timedelta(hours=23)

    svc.resources.append(other)
    db.session.commit()
    found, at = changes(room.venue_id, at)
    assert [(c.resource_id, c.end, c.service_ids) for c in found] == [(other.id, None, (svc.id,))]

    # Unlinked: the change still names the service the resource no longer serves.
    written_elsewhere("DELETE FROM service_resources WHERE resource_id = :id", id=other.id)
    found, at = changes(room.venue_id, at)
    assert [(c.resource_id, c.service_ids) for c in found] == [(other.id, (svc.id,))]

    written_elsewhere("UPDATE services SET lead_time_minutes = 60 WHERE id = :id", id=svc.id)
    found, at = changes(room.venue_id, at)
    assert [(c.resource_id, c.end) for c in found] == [(room.id, None)]


def test_feeds_are_per_venue(app):
    room = make_resource()
    elsewhere = make_resource()
    make_allocation(elsewhere, T10, T10 + HOUR)
    assert changes(room.venue_id)[0] == []
    assert len(changes(elsewhere.venue_id)[0]) == 1


def test_a_late_commit_with_a_lower_id_is_not_skipped(app, backend):
    """PostgreSQL hands out ids at insert, not at commit: A inserts first (lower id) and
    commits after B. A reader between the two commits must not move past A's row."""
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: id order is commit order")
    room = make_resource()
    venue_id, room_id = room.venue_id, room.id
    insert = sa.text(
        "INSERT INTO allocations (resource_id, start_at, end_at, reason)"
        " VALUES (:room, :start, :end, '')"
    )
    first, second = db.engine.connect(), db.engine.connect()
    try:
        first.execute(insert, {"room": room_id, "start": T10, "end": T10 + HOUR})
        second.execute(insert, {"room": room_id, "start": T10 + HOUR, "end": T10 + 2 * HOUR})
        second.commit()

        # B is committed and visible, but A (an earlier transaction) is still running.
        db.session.rollback()
        visible = db.session.execute(
            sa.text("SELECT id, txid FROM availability_changes WHERE venue_id = :v"),
            {"v": venue_id},
        ).all()
        assert len(visible) == 1
        page = availability_changes.read(db.session, venue_id, START, limit=10)
        assert page.changes == [] and page.position == START  # not past A's row
        at = page.position

        first.commit()
        found, at = changes(venue_id, at)
        assert ranges(found) == [
            (room_id, T10, T10 + HOUR),  # the late commit, with the lower id, comes first
            (room_id, T10 + HOUR, T10 + 2 * HOUR),
        ]
        ids = (
            db.session.execute(
                sa.text(
                    "SELECT id FROM availability_changes WHERE venue_id = :v ORDER BY txid, id"
                ),
                {"v": venue_id},
            )
            .scalars()
            .all()
        )
        assert ids == sorted(ids) and visible[0][0] == ids[1]
    finally:
        first.close()
        second.close()


def test_the_version_changes_with_any_visible_change(app):
    room = make_resource()
    before = availability_changes.version(db.session, room.venue_id)
    make_allocation(room, T10, T10 + HOUR)
    db.session.rollback()
    after = availability_changes.version(db.session, room.venue_id)
    assert after != before
    db.session.rollback()
    assert availability_changes.version(db.session, room.venue_id) == after


# --- a partner that follows the feed ----------------------------------------------------

WINDOW = engine.Interval(datetime(2026, 3, 2, 8, tzinfo=UTC), datetime(2026, 3, 2, 16, tzinfo=UTC))
LONGEST = HOUR

operations = st.lists(
    st.one_of(
        st.tuples(st.just("hold"), st.integers(0, 7)),
        st.tuples(st.just("cancel"), st.integers(0, 20)),
        st.tuples(st.just("block"), st.integers(0, 7), st.integers(1, 2), st.integers(0, 1)),
        st.tuples(st.just("unblock"), st.integers(0, 20)),
    ),
    max_size=12,
)


def all_slots(service_id: int, window: engine.Interval) -> set[engine.Slot]:
    db.session.rollback()
    question = questions.ask(load_service(service_id))
    return set(questions.slots(question, window, datetime(2026, 3, 1, tzinfo=UTC)))


def refreshed(service_id: int, kept: set[engine.Slot], found: list[Change]) -> set[engine.Slot]:
    """What a partner does with each change: ask again for the changed range, widened by
    the longest slot (a slot overlapping the range lies wholly inside the widened one),
    and replace what it kept there."""
    for change in found:
        start = max(WINDOW.start, change.start - LONGEST)
        end = WINDOW.end if change.end is None else min(WINDOW.end, change.end + LONGEST)
        if start >= end:
            continue
        widened = engine.Interval(start, end)
        kept = {s for s in kept if not (start <= s.start and s.end <= end)}
        kept |= all_slots(service_id, widened)
    return kept


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations)
def test_following_the_feed_gives_the_slots_of_a_full_query(app, ops):
    first = make_resource()
    rooms = [first, make_resource(first.venue)]
    svc = make_service(rooms, grid_step_minutes=60, grid_alignment_minutes=60)
    service_id, venue_id, room_ids = svc.id, rooms[0].venue_id, [r.id for r in rooms]
    at = head(venue_id)
    kept = all_slots(service_id, WINDOW)
    bookings: list[int] = []
    blocks: list[int] = []
    for op in ops:
        if op[0] == "hold":
            try:
                bookings.append(
                    service.hold(
                        HoldRequest(service_id=service_id, start=WINDOW.start + op[1] * HOUR)
                    ).id
                )
            except DomainError:
                db.session.rollback()
        elif op[0] == "cancel" and bookings:
            try:
                service.cancel(bookings[op[1] % len(bookings)])
            except DomainError:
                db.session.rollback()
        elif op[0] == "block":
            start = WINDOW.start + op[1] * HOUR
            block = Allocation(
                resource_id=room_ids[op[3]], start_at=start, end_at=start + op[2] * HOUR
            )
            db.session.add(block)
            db.session.commit()
            blocks.append(block.id)
        elif op[0] == "unblock" and blocks:
            block = db.session.get(Allocation, blocks.pop(op[1] % len(blocks)))
            db.session.delete(block)
            db.session.commit()
    found, _ = changes(venue_id, at)
    assert refreshed(service_id, kept, found) == all_slots(service_id, WINDOW)
