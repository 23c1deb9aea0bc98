"""Owners add venues to their organisation and edit what a venue is (name, zone,
language, currency, how long holds last, shared staff's travel time); managers and
front desk may not."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bookingsite.accounts import create_manager
from bookingsite.extensions import db
from bookingsite.models import Role, Venue
from tests.functional.admin.conftest import World, log_in, url
from tests.functional.admin.test_venue_settings import settings_data

pytestmark = pytest.mark.usefixtures("backend")


def test_an_owner_adds_a_venue_to_the_organisation_and_owns_it(admin, world: World) -> None:
    index = admin.get(url("admin.index")).get_data(as_text=True)
    new_venue = url("admin.venue_new", venue_id=world.venue.id)
    assert new_venue in index
    form = admin.get(new_venue).get_data(as_text=True)
    assert 'value="Europe/Berlin"' in form  # starts from the venue shown

    data = settings_data(name="Gamma Spa", city="Lyon", timezone="Europe/Paris", currency="chf")
    answer = admin.post(new_venue, data=data | {"default_locale": "fr"})

    added = db.session.scalar(sa.select(Venue).where(Venue.name == "Gamma Spa"))
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(url("admin.venue_home", venue_id=added.id))
    assert (added.slug, added.timezone, added.currency, added.default_locale) == (
        "gamma-spa",
        "Europe/Paris",
        "CHF",
        "fr",
    )
    assert added.organisation_id == world.venue.organisation_id
    db.session.refresh(world.manager)
    assert world.manager.role_at(added.id) is Role.OWNER
    assert admin.get(url("admin.venue_settings", venue_id=added.id)).status_code == 200


def test_a_bad_venue_is_refused_whole_with_the_errors_inline(admin, world: World) -> None:
    data = settings_data(name="", timezone="Mars/Olympus", currency="euro")
    answer = admin.post(url("admin.venue_new", venue_id=world.venue.id), data=data)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Use a time zone name such as Europe/Paris." in html
    assert "Use a three-letter code such as EUR." in html
    assert db.session.scalar(sa.select(sa.func.count(Venue.id))) == 1


def test_an_owner_changes_the_zone_and_travel_time(admin, world: World) -> None:
    data = settings_data(timezone="America/New_York", travel_buffer_minutes="30")
    answer = admin.post(url("admin.venue_settings", venue_id=world.venue.id), data=data)
    assert answer.status_code == 302
    db.session.expire_all()
    venue = db.session.get(Venue, world.venue.id)
    assert (venue.timezone, venue.travel_buffer_minutes) == ("America/New_York", 30)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.FRONT_DESK])
def test_only_owners_add_or_edit_venues(client, world: World, role: Role) -> None:
    create_manager("someone@example.com", "a long password", [world.venue], role=role)
    log_in(client, "someone@example.com", "a long password")
    assert url("admin.venue_new", venue_id=world.venue.id) not in client.get(
        url("admin.index")
    ).get_data(as_text=True)
    for endpoint in ("admin.venue_new", "admin.venue_settings"):
        path = url(endpoint, venue_id=world.venue.id)
        assert client.get(path).status_code == 403
        assert client.post(path, data=settings_data(name="Mine now")).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Venue.id))) == 1
