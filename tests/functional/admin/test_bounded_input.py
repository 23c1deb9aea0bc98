"""Admin input outside the site's bounds: ids are 404s, dates get a message on their
field (or, for the timeline's navigation, the nearest supported day), bodies too large
get a 413 page."""

from __future__ import annotations

import pytest

from bookingsite.bounds import LAST_DAY, MAX_ID
from tests.functional.admin.conftest import url

YEARS_MESSAGE = "Choose a date between the years 1970 and 2200."


def page(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("bad_id", [0, MAX_ID + 1, 2**63, 10**30], ids=str)
def test_ids_outside_the_supported_range_are_not_found(admin, world, bad_id: int) -> None:
    venue = world.venue.id
    assert admin.get(f"/admin/venues/{bad_id}/").status_code == 404
    assert admin.get(f"/admin/venues/{venue}/bookings/{bad_id}").status_code == 404
    assert admin.get(f"/admin/venues/{venue}/resources/{bad_id}/edit").status_code == 404
    assert admin.post(f"/admin/venues/{venue}/resources/{bad_id}/edit").status_code == 404


@pytest.mark.parametrize(
    "args",
    [
        {"date_from": "9999-12-31"},
        {"date_from": "0001-01-01"},
        {"date_to": "9999-12-31"},
        {"date_from": "9999-12-01", "date_to": "9999-12-31"},
    ],
    ids=str,
)
def test_the_bookings_list_says_which_years_it_can_filter(admin, world, args) -> None:
    response = admin.get(url("admin.bookings", venue_id=world.venue.id, **args))
    assert response.status_code == 422
    assert YEARS_MESSAGE in page(response)


@pytest.mark.parametrize("endpoint", ["admin.reports", "admin.bookings_csv"])
def test_reports_over_unsupported_years_say_so(admin, world, endpoint: str) -> None:
    response = admin.get(
        url(endpoint, venue_id=world.venue.id, date_from="9999-12-01", date_to="9999-12-31")
    )
    assert response.status_code == 422
    assert YEARS_MESSAGE in page(response)


@pytest.mark.parametrize(
    ("asked", "shown"), [("9999-12-31", LAST_DAY.isoformat()), ("0001-01-01", "1970-01-01")]
)
@pytest.mark.parametrize("view", ["day", "week"])
def test_the_timeline_goes_to_the_nearest_supported_day(admin, world, asked, shown, view):
    response = admin.get(url("admin.timeline", venue_id=world.venue.id, date=asked, view=view))
    assert response.status_code == 200
    assert f'name="date" value="{shown}"' in page(response)


def test_a_move_to_an_unsupported_year_is_refused_on_its_field(admin, world) -> None:
    response = admin.post(
        url("admin.booking_move", venue_id=world.venue.id, booking_id=world.booking.id),
        data={"day": "9999-12-31", "at": "10:00", "resource": world.room.id},
    )
    assert response.status_code == 422
    assert YEARS_MESSAGE in page(response)


def test_a_block_repeating_until_an_unsupported_year_is_refused(admin, world) -> None:
    response = admin.post(
        url("admin.resource_blocks", venue_id=world.venue.id, resource_id=world.room.id),
        data={
            "start_date": "2026-03-03",
            "start_time": "10:00",
            "end_time": "11:00",
            "reason": "Painting",
            "weekdays": "1",
            "repeat_until": "9999-12-31",
        },
    )
    assert response.status_code == 422
    assert YEARS_MESSAGE in page(response)


def test_a_body_over_the_limit_gets_a_413_page(app, admin, world) -> None:
    response = admin.post(
        url("admin.booking_cancel", venue_id=world.venue.id, booking_id=world.booking.id),
        data=b"note=" + b"x" * app.config["MAX_CONTENT_LENGTH"],
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "This request is too large." in page(response)
