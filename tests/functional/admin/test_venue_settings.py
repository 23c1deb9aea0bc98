"""The venue's settings page: contact details, the notification address, reminders and
the customers' default cutoffs; saved whole, or refused whole with the errors inline."""

from __future__ import annotations

import re
from html import unescape

import pytest

from bookingsite.extensions import db
from bookingsite.models import Venue
from tests.functional.admin.conftest import World, url

pytestmark = pytest.mark.usefixtures("backend")


def page(response) -> str:
    return response.get_data(as_text=True)


def settings_url(world: World) -> str:
    return url("admin.venue_settings", venue_id=world.venue.id)


def saved(world: World) -> Venue:
    db.session.expire_all()
    return db.session.get(Venue, world.venue.id)


def field_error(html: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}-error" class="field-error">([^<]*)<', html)
    assert match, f"no error shown for {field_id}"
    return unescape(match.group(1))


def settings_data(**overrides: str) -> dict:
    data = {
        "name": "Alpha",
        "city": "Berlin",
        "timezone": "Europe/Berlin",
        "default_locale": "en",
        "currency": "EUR",
        "hold_ttl_minutes": "10",
        "travel_buffer_minutes": "0",
        "contact_email": "hello@alpha.example",
        "contact_phone": "+49 30 1234567",
        "notification_email": "desk@alpha.example",
        "reminder_hours": "24",
        "cancel_cutoff_hours": "48",
        "change_cutoff_hours": "12",
    }
    return data | overrides


SETTINGS = (
    "contact_email",
    "contact_phone",
    "notification_email",
    "reminder_hours",
    "cancel_cutoff_hours",
    "change_cutoff_hours",
)


def snapshot(venue: Venue) -> tuple:
    return tuple(getattr(venue, name) for name in SETTINGS)


def test_the_page_shows_the_saved_settings_and_the_terms_wording(admin, world):
    world.venue.cancel_cutoff_hours = 24
    world.venue.contact_phone = "030 555"
    db.session.commit()
    response = admin.get(settings_url(world))
    html = page(response)
    assert response.status_code == 200
    assert 'value="030 555"' in html
    assert "You can cancel online until 24 hours before the start." in html
    assert "You can change the time online until the start." in html


def test_the_settings_are_saved(admin, world):
    response = admin.post(
        settings_url(world),
        data=settings_data(contact_email=" hello@alpha.example ", contact_phone=" 030 555 "),
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(settings_url(world))
    assert snapshot(saved(world)) == (
        "hello@alpha.example",
        "030 555",
        "desk@alpha.example",
        24,
        48,
        12,
    )
    html = page(admin.get(settings_url(world)))
    assert "were saved" in html
    assert "You can cancel online until 48 hours before the start." in html
    assert "You can change the time online until 12 hours before the start." in html


def test_empty_fields_turn_reminders_and_announcements_off(admin, world):
    world.venue.notification_email = "desk@alpha.example"
    world.venue.contact_email = "hello@alpha.example"
    world.venue.reminder_hours = 24
    db.session.commit()
    response = admin.post(
        settings_url(world),
        data=settings_data(
            contact_email="",
            contact_phone="",
            notification_email="",
            reminder_hours="",
            cancel_cutoff_hours="0",
            change_cutoff_hours="0",
        ),
    )
    assert response.status_code == 302
    assert snapshot(saved(world)) == ("", "", "", None, 0, 0)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"contact_email": "not an address"}, "contact_email", "Invalid email address."),
        ({"notification_email": "desk@"}, "notification_email", "Invalid email address."),
        ({"contact_phone": "1" * 41}, "contact_phone", "longer than 40 characters"),
        ({"reminder_hours": "0"}, "reminder_hours", "between 1 and 168"),
        ({"reminder_hours": "169"}, "reminder_hours", "between 1 and 168"),
        ({"reminder_hours": "soon"}, "reminder_hours", "Not a valid integer value."),
        ({"cancel_cutoff_hours": "-1"}, "cancel_cutoff_hours", "between 0 and 720"),
        ({"cancel_cutoff_hours": "721"}, "cancel_cutoff_hours", "between 0 and 720"),
        ({"cancel_cutoff_hours": ""}, "cancel_cutoff_hours", "This field is required."),
        ({"change_cutoff_hours": "1.5"}, "change_cutoff_hours", "Not a valid integer value."),
        ({"change_cutoff_hours": "9999"}, "change_cutoff_hours", "between 0 and 720"),
    ],
    ids=[
        "contact-email",
        "notification-email",
        "phone-too-long",
        "reminder-zero",
        "reminder-over-a-week",
        "reminder-not-a-number",
        "cancel-negative",
        "cancel-over-30-days",
        "cancel-missing",
        "change-not-whole",
        "change-huge",
    ],
)
def test_invalid_settings_are_refused_inline_and_nothing_changes(
    admin, world, overrides, field, message
):
    world.venue.notification_email = "desk@alpha.example"
    world.venue.cancel_cutoff_hours = 6
    db.session.commit()
    before = snapshot(saved(world))
    response = admin.post(settings_url(world), data=settings_data(**overrides))
    html = page(response)
    assert response.status_code == 422
    assert message in field_error(html, field)
    assert f'id="{field}"' in html and 'aria-invalid="true"' in html
    assert snapshot(saved(world)) == before


def test_a_refused_form_keeps_what_was_typed_and_previews_the_saved_terms(admin, world):
    world.venue.cancel_cutoff_hours = 6
    db.session.commit()
    response = admin.post(
        settings_url(world),
        data=settings_data(contact_email="typo@", cancel_cutoff_hours="999"),
    )
    html = page(response)
    assert response.status_code == 422
    assert 'value="typo@"' in html and 'value="999"' in html
    assert "You can cancel online until 6 hours before the start." in html
    # A valid value beside an invalid one previews what was typed.
    assert "You can change the time online until 12 hours before the start." in html


def test_the_notification_address_moved_here_from_the_message_log(admin, world):
    log = page(admin.get(url("admin.messages", venue_id=world.venue.id)))
    assert 'name="notification_email"' not in log
    assert "not announced to the venue by e-mail" in log
    assert f'href="{settings_url(world)}#notifications"' in log
    admin.post(settings_url(world), data=settings_data(notification_email="desk@alpha.example"))
    log = page(admin.get(url("admin.messages", venue_id=world.venue.id)))
    assert "announced to desk@alpha.example" in log


def test_the_venue_page_links_to_the_settings(admin, world):
    html = page(admin.get(url("admin.venue_home", venue_id=world.venue.id)))
    assert f'href="{settings_url(world)}"' in html


def test_another_venues_settings_are_not_reachable(admin, world, other_world):
    before = snapshot(saved(other_world))
    assert admin.get(settings_url(other_world)).status_code == 404
    assert admin.post(settings_url(other_world), data=settings_data()).status_code == 404
    assert snapshot(saved(other_world)) == before
