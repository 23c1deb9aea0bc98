"""The set-up revision on both databases: every kind of set-up write raises it, whoever
writes, and a process's copy of a service is used only while it is current."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from bookingsite import setup_revision
from bookingsite.accounts import create_partner
from bookingsite.booking.inputs import load_service
from bookingsite.extensions import db
from bookingsite.models import ServiceVariant
from tests.factories import make_resource, make_service, make_venue

pytestmark = pytest.mark.usefixtures("backend")


def revision() -> int | None:
    db.session.rollback()  # a fresh snapshot, as a new request would see
    return setup_revision.current(db.session)


def written_elsewhere(statement: str, **values: object) -> None:
    """A write through another connection, as another process (or psql) would make."""
    with db.engine.begin() as connection:
        connection.execute(sa.text(statement), values)


def as_a_new_request(service_id: int):
    db.session.remove()
    return load_service(service_id)


def test_every_watched_table_has_its_triggers_at_head(app):
    """SQLite's batch migrations rebuild a table without its triggers: a migration that
    alters a watched table must install them again, and this notices if one does not."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            found = connection.execute(
                sa.text(
                    "SELECT DISTINCT event_object_table FROM information_schema.triggers"
                    " WHERE trigger_name = 'setup_revision_bump'"
                )
            ).scalars()
            assert set(found) == set(setup_revision.WATCHED_TABLES)
        else:
            found = connection.execute(
                sa.text(
                    "SELECT tbl_name, name FROM sqlite_master"
                    " WHERE type = 'trigger' AND name LIKE 'setup_revision_%'"
                )
            ).all()
            assert {table for table, _ in found} == set(setup_revision.WATCHED_TABLES)
            assert len(found) == 3 * len(setup_revision.WATCHED_TABLES)


def test_every_set_up_table_raises_the_revision(app):
    room = make_resource(weekly_hours=None)
    service = make_service([room])
    other_room = make_resource(room.venue)
    ids = {"venue": room.venue_id, "service": service.id, "room": room.id, "other": other_room.id}
    variant_id = service.variants[0].id
    writes: list[tuple[str, Callable[[], None]]] = [
        ("venue", lambda: written_elsewhere("UPDATE venues SET name = 'Renamed' WHERE id = :venue", **ids)),
        ("service", lambda: written_elsewhere("UPDATE services SET buffer_after_minutes = 5 WHERE id = :service", **ids)),
        ("resource", lambda: written_elsewhere("UPDATE resources SET capacity = 9 WHERE id = :room", **ids)),
        ("link added", lambda: written_elsewhere("INSERT INTO service_resources (service_id, resource_id) VALUES (:service, :other)", **ids)),
        ("link removed", lambda: written_elsewhere("DELETE FROM service_resources WHERE resource_id = :other", **ids)),
        ("option edited", lambda: written_elsewhere("UPDATE service_variants SET guests = 2 WHERE id = :variant", variant=variant_id)),
        ("option added", lambda: (db.session.add(ServiceVariant(service_id=service.id, name="2 h", duration_minutes=120)), db.session.commit())),
        ("venue added", lambda: make_venue()),
    ]  # fmt: skip
    seen = [revision()]
    assert seen[0] is not None
    for _, write in writes:
        write()
        seen.append(revision())
    changed = [
        name
        for (name, _), before, after in zip(writes, seen, seen[1:], strict=False)
        if after != before
    ]
    assert changed == [name for name, _ in writes]


def test_a_kept_copy_is_used_while_current_and_reloaded_after_a_change(app):
    room = make_resource(capacity=4)
    service = make_service([room], durations=(60,))
    room_id, service_id = room.id, service.id
    first = as_a_new_request(service_id)
    assert first.resources[0].capacity == 4
    kept_revision, _ = app.extensions["service_setups"][service_id]

    # Nothing changed: the next request copies the kept graph in, with no set-up read.
    statements: list[str] = []

    def sent(_connection, _cursor, statement, *_):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", sent)
    try:
        again = as_a_new_request(service_id)
        assert [v.duration_minutes for v in again.variants] == [60]
        assert again.resources[0].venue.timezone == "Europe/Berlin"
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", sent)
    set_up_reads = [s for s in statements if "FROM services" in s or "FROM resources" in s]
    assert set_up_reads == []

    # Another process changes the room and an option: the next request sees both.
    written_elsewhere("UPDATE resources SET capacity = 2 WHERE id = :id", id=room_id)
    written_elsewhere(
        "UPDATE service_variants SET duration_minutes = 90 WHERE service_id = :id", id=service_id
    )
    changed = as_a_new_request(service_id)
    assert changed.resources[0].capacity == 2
    assert [v.duration_minutes for v in changed.variants] == [90]
    assert app.extensions["service_setups"][service_id][0] != kept_revision


def test_the_request_s_copy_is_its_own(app):
    """A request that edits its service (admin) changes neither the kept copy nor what
    the next request sees before it commits."""
    service = make_service([make_resource()], durations=(60,))
    as_a_new_request(service.id)
    edited = as_a_new_request(service.id)
    edited.buffer_after_minutes = 30
    _, kept = app.extensions["service_setups"][service.id]
    assert kept.buffer_after_minutes == 0
    db.session.rollback()
    assert as_a_new_request(service.id).buffer_after_minutes == 0


def test_without_a_revision_row_every_request_loads(app):
    service = make_service([make_resource(capacity=3)])
    written_elsewhere("DELETE FROM setup_revision")
    app.extensions["service_setups"].clear()
    assert as_a_new_request(service.id).resources[0].capacity == 3
    assert service.id not in app.extensions["service_setups"]
    # The next set-up write starts counting again.
    make_venue()
    assert revision() is not None


def test_keys_and_endpoints_raise_it_but_not_their_bookkeeping(app, clock):
    """A key's partner and the venues with webhook endpoints are kept under the revision
    too; a key's last use and a delivery's failure count are written all the time and
    must not throw every kept copy away."""
    room = make_resource()
    partner, _key = create_partner("Acme", [room.venue], now=clock.now())
    ids = {"partner": partner.id, "venue": room.venue_id, "now": clock.now()}
    writes = [
        ("endpoint added", "INSERT INTO webhook_endpoints (venue_id, url, description,"
         " event_types, secret, enabled, failed_deliveries_in_row, last_error, created_at)"
         " VALUES (:venue, 'https://partner.example/hooks', '', '[]', 's', true, 0, '', :now)",
         True),
        ("key rotated", "UPDATE partners SET key_hash = 'other' WHERE id = :partner", True),
        ("key revoked", "UPDATE partners SET active = false WHERE id = :partner", True),
        ("key used", "UPDATE partners SET last_used_at = created_at WHERE id = :partner", False),
        ("scopes", "UPDATE partner_venues SET scopes = 'read' WHERE partner_id = :partner", True),
        ("venue withdrawn", "DELETE FROM partner_venues WHERE partner_id = :partner", True),
        ("endpoint off", "UPDATE webhook_endpoints SET enabled = false ", True),
        ("failed delivery", "UPDATE webhook_endpoints SET failed_deliveries_in_row = 3", False),
        ("endpoint gone", "DELETE FROM webhook_endpoints ", True),
    ]  # fmt: skip
    for name, statement, raises in writes:
        before = revision()
        written_elsewhere(statement, **ids)
        assert (revision() != before) == raises, name
