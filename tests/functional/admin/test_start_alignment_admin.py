"""The service form's choice of where start times count from: on the clock or from each
opening. Shown, saved, shown again, handed to the engine, and refused when it cannot
hold."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from bookingsite.availability.model import Anchor
from bookingsite.booking.inputs import policy_for
from bookingsite.extensions import db
from bookingsite.models import Service
from tests.functional.admin.conftest import url
from tests.functional.admin.test_setup_pages import service_data


def page(response) -> str:
    return response.get_data(as_text=True)


def checked(html: str) -> list[str]:
    """The values of the start-alignment radios that are checked."""
    radios = re.findall(r'<input[^>]*name="start_alignment"[^>]*>', html)
    assert len(radios) == 2, radios
    return [re.search(r'value="([^"]*)"', r).group(1) for r in radios if "checked" in r]


def error_of(html: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}-error" class="field-error"[^>]*>([^<]*)<', html)
    assert match, f"no error shown for {field_id}"
    return match.group(1)


def test_a_new_service_starts_from_each_opening_by_default(admin, world):
    html = page(admin.get(url("admin.service_new", venue_id=world.venue.id)))

    assert checked(html) == ["opening"]
    assert "<legend>Start times count from</legend>" in html
    assert "The clock: :00, :15, :30… (steps from midnight), whatever the opening time" in html
    assert "Each opening: steps from the opening time (9:10, 9:40… for a 9:10 opening)" in html


@pytest.mark.parametrize("choice", ["clock", "opening"])
def test_the_choice_is_saved_and_shown_again(admin, world, choice):
    data = service_data(world, grid_step_minutes="30", start_alignment=choice)

    response = admin.post(url("admin.service_new", venue_id=world.venue.id), data=data)

    assert response.status_code == 302
    svc = db.session.scalar(sa.select(Service).where(Service.slug == "studio"))
    assert svc.start_alignment == choice
    assert policy_for(svc).grid.anchor is Anchor(choice)
    edit = url("admin.service_edit", venue_id=world.venue.id, service_id=svc.id)
    assert checked(page(admin.get(edit))) == [choice]


def test_an_existing_service_moves_onto_the_clock_and_back(admin, world):
    edit = url("admin.service_edit", venue_id=world.venue.id, service_id=world.service.id)
    assert checked(page(admin.get(edit))) == ["opening"]
    data = service_data(world, slug=world.service.slug, grid_step_minutes="30") | {
        "variants-0-variant_id": str(world.service.variants[0].id)  # it has a booking
    }

    assert admin.post(edit, data=data | {"start_alignment": "clock"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Service, world.service.id).start_alignment == "clock"
    assert checked(page(admin.get(edit))) == ["clock"]

    assert admin.post(edit, data=data | {"start_alignment": "opening"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Service, world.service.id).start_alignment == "opening"


def test_an_unknown_choice_is_refused(admin, world):
    data = service_data(world, grid_step_minutes="30", start_alignment="sideways")

    response = admin.post(url("admin.service_new", venue_id=world.venue.id), data=data)

    assert response.status_code == 422
    assert error_of(page(response), "start_alignment") == "Not a valid choice."
    assert db.session.scalar(sa.select(Service).where(Service.slug == "studio")) is None


def test_on_the_clock_the_step_must_divide_a_day(admin, world):
    # An hour plus 15 minutes of reset with no step given: every 75 minutes, which would
    # drift from one day to the next when counted from each midnight.
    data = service_data(world, grid_step_minutes="", start_alignment="clock")

    response = admin.post(url("admin.service_new", venue_id=world.venue.id), data=data)

    assert response.status_code == 422
    assert error_of(page(response), "grid_step_minutes") == (
        "Starts on the clock need a step that divides a day evenly, such as 15, 30 or 60 "
        "minutes; the step here is 75 minutes."
    )
    assert checked(page(response)) == ["clock"]  # the choice is kept on the refused form
    accepted = admin.post(
        url("admin.service_new", venue_id=world.venue.id),
        data=data | {"start_alignment": "opening"},
    )
    assert accepted.status_code == 302  # from each opening, 75 minutes is the seed's grid
