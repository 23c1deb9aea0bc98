"""A venue retired (through the API, or any other writer) stays in its managers' admin,
said to be retired, with its bookings as they were."""

from __future__ import annotations

from bookingsite.extensions import db
from tests.functional.admin.conftest import World, url


def test_the_admin_says_the_venue_is_retired(admin, world: World) -> None:
    home = url("admin.venue_home", venue_id=world.venue.id)
    assert "retired" not in admin.get(home).get_data(as_text=True)

    world.venue.active = False
    db.session.commit()

    venue_page = admin.get(home).get_data(as_text=True)
    assert "This venue is retired" in venue_page
    assert "Retired" in admin.get(url("admin.index")).get_data(as_text=True)
    bookings = admin.get(url("admin.bookings", venue_id=world.venue.id))
    assert bookings.status_code == 200
    assert world.booking.reference in bookings.get_data(as_text=True)
