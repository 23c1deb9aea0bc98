"""The venue's people: owners change roles and remove people; a venue keeps an owner;
a lowered or removed person is logged out at once."""

from __future__ import annotations

import pytest

from bookingsite.accounts import create_manager
from bookingsite.extensions import db
from bookingsite.models import Manager, Role
from tests.functional.admin.conftest import World, log_in, url

pytestmark = pytest.mark.usefixtures("backend")
PASSWORD = "a colleague's password"


@pytest.fixture
def colleague(world: World) -> Manager:
    return create_manager("colleague@example.com", PASSWORD, [world.venue], role=Role.MANAGER)


def test_the_page_lists_people_with_their_roles(admin, world: World, colleague) -> None:
    html = admin.get(url("admin.people", venue_id=world.venue.id)).get_data(as_text=True)
    assert "colleague@example.com" in html and world.manager.email in html
    assert html.count('value="manager" checked') == 1
    assert html.count('value="owner" checked') == 1


def test_a_lowered_role_takes_effect_at_once(app, admin, world: World, colleague) -> None:
    theirs = app.test_client()
    log_in(theirs, colleague.email, PASSWORD)
    resources = url("admin.resources", venue_id=world.venue.id)
    assert theirs.get(resources).status_code == 200

    answer = admin.post(
        url("admin.person_role", venue_id=world.venue.id, person_id=colleague.id),
        data={"role": "front_desk"},
    )

    assert answer.status_code == 303
    db.session.expire_all()
    assert db.session.get(Manager, colleague.id).role_at(world.venue.id) is Role.FRONT_DESK
    # Their session ended; logged in again, they get the front desk's pages only.
    assert theirs.get(resources).status_code == 302
    log_in(theirs, colleague.email, PASSWORD)
    assert theirs.get(resources).status_code == 403
    assert theirs.get(url("admin.timeline", venue_id=world.venue.id)).status_code == 200


def test_a_removed_person_is_out(app, admin, world: World, colleague) -> None:
    theirs = app.test_client()
    log_in(theirs, colleague.email, PASSWORD)
    answer = admin.post(url("admin.person_remove", venue_id=world.venue.id, person_id=colleague.id))
    assert answer.status_code == 303
    home = url("admin.venue_home", venue_id=world.venue.id)
    assert theirs.get(home).status_code == 302  # logged out
    log_in(theirs, colleague.email, PASSWORD)
    assert theirs.get(home).status_code == 404


def test_the_last_owner_stays(admin, world: World, colleague) -> None:
    me = world.manager.id
    lowered = admin.post(
        url("admin.person_role", venue_id=world.venue.id, person_id=me), data={"role": "manager"}
    )
    removed = admin.post(url("admin.person_remove", venue_id=world.venue.id, person_id=me))
    assert lowered.status_code == removed.status_code == 409
    assert "needs an owner" in removed.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Manager, me).role_at(world.venue.id) is Role.OWNER


def test_another_venue_s_person_is_404(admin, world: World, other_world: World) -> None:
    answer = admin.post(
        url("admin.person_role", venue_id=world.venue.id, person_id=other_world.manager.id),
        data={"role": "manager"},
    )
    assert answer.status_code == 404
