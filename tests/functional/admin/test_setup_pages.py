"""Set-up pages: resources (staff too), hours and exceptions, blocks, services; and the
messages that refuse settings which contradict each other."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from bookingsite.extensions import db
from bookingsite.models import Allocation, DurationMode, Resource, ResourceKind, Service
from bookingsite.setup_rules import MAX_HORIZON_DAYS
from tests.factories import make_resource
from tests.functional.admin.conftest import url


def page(response) -> str:
    return response.get_data(as_text=True)


def field_error(html: str, field_id: str) -> str:
    import re

    match = re.search(rf'id="{field_id}-error" class="field-error">([^<]*)<', html)
    assert match, f"no error shown for {field_id}"
    return match.group(1)


# Resources ----------------------------------------------------------------------------


def test_create_a_staff_member_with_skills(admin, world):
    response = admin.post(
        url("admin.resource_new", venue_id=world.venue.id),
        data={
            "name": "Claire",
            "kind": "staff",
            "capacity": "1",
            "skills": "Massage, facial",
            "attributes": "languages: fr, en",
            "hours_mode": "always",
            "active": "y",
        },
    )
    assert response.status_code == 302
    claire = db.session.scalar(sa.select(Resource).where(Resource.name == "Claire"))
    assert claire.kind == ResourceKind.STAFF and claire.venue_id == world.venue.id
    assert claire.skills == ["facial", "massage"]
    assert claire.attributes == {"languages": "fr, en"}
    assert claire.weekly_hours is None and claire.active
    assert response.headers["Location"] == url(
        "admin.resource_hours", venue_id=world.venue.id, resource_id=claire.id
    )


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"name": "", "kind": "room", "capacity": "1"}, "name", "This field is required."),
        (
            {"name": "X", "kind": "room", "capacity": "0"},
            "capacity",
            "Number must be between 1 and 10000.",
        ),
        (
            {"name": "X", "kind": "room", "capacity": "1", "timezone": "Mars/Olympus"},
            "timezone",
            "Use a time zone name such as Europe/Paris.",
        ),
        (
            {"name": "X", "kind": "room", "capacity": "1", "skills": "massage"},
            "skills",
            "Only staff members have skills.",
        ),
        (
            {"name": "X", "kind": "room", "capacity": "1", "attributes": "no colon"},
            "attributes",
            "Write one “name: value” per line.",
        ),
    ],
    ids=["name", "capacity", "zone", "skills-on-a-room", "attributes"],
)
def test_resource_validation_messages(admin, world, data, field, message):
    response = admin.post(url("admin.resource_new", venue_id=world.venue.id), data=data)
    assert response.status_code == 422
    assert message in field_error(page(response), field)


def test_edit_and_deactivate_a_resource(admin, world):
    path = url("admin.resource_edit", venue_id=world.venue.id, resource_id=world.room.id)
    assert 'value="alpha room"' in page(admin.get(path))
    admin.post(path, data={"name": "Room Renamed", "kind": "room", "capacity": "8", "active": "y"})
    # The world's confirmed booking is still to come: the manager confirms the step.
    admin.post(
        url("admin.resource_toggle", venue_id=world.venue.id, resource_id=world.room.id),
        data={"confirm": "1"},
    )
    db.session.expire_all()
    room = db.session.get(Resource, world.room.id)
    assert room.name == "Room Renamed" and room.capacity == 8 and not room.active


# Hours and exceptions -------------------------------------------------------------------


def hours_data(**days: str) -> dict:
    """The hours form at set hours: each day 'HH:MM-HH:MM, ...' in its time inputs, or
    closed when not given. (The editor's own tests: test_hours_editor.py.)"""
    data = {"mode": "set"}
    for key in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        text = days.get(key, "")
        if not text:
            data[f"{key}-closed"] = "y"
        for index, period in enumerate(filter(None, text.split(", "))):
            opens, _sep, closes = period.partition("-")
            data[f"{key}-periods-{index}-opens"] = opens
            data[f"{key}-periods-{index}-closes"] = closes
    return data


def test_weekly_hours_are_saved_as_wall_clock_periods(admin, world):
    path = url("admin.resource_hours", venue_id=world.venue.id, resource_id=world.room.id)
    response = admin.post(path, data=hours_data(mon="09:00-12:30, 13:30-00:00", sat="10:00-14:00"))
    assert response.status_code == 302
    db.session.expire_all()
    hours = db.session.get(Resource, world.room.id).weekly_hours
    assert hours["mon"] == [["09:00", "12:30"], ["13:30", "00:00"]]
    assert hours["sat"] == [["10:00", "14:00"]] and hours["sun"] == []
    html = page(admin.get(path))
    assert 'name="mon-periods-1-opens" type="time" value="13:30"' in html
    assert 'name="mon-periods-1-closes" type="time" value="00:00"' in html


def test_open_around_the_clock_clears_the_hours(admin, world):
    path = url("admin.resource_hours", venue_id=world.venue.id, resource_id=world.room.id)
    admin.post(path, data={"mode": "always"})
    db.session.expire_all()
    assert db.session.get(Resource, world.room.id).weekly_hours is None


@pytest.mark.parametrize(
    "text, message",
    [
        ("18:00-09:00", "The period 18:00-09:00 closes before it opens."),
        ("09:00-12:00, 11:00-14:00", "The periods overlap."),
        ("nine-five", "nine is not a time of day."),
        ("09:00-25:00", "25:00 is not a time of day."),
        ("09:00-", "Give each period a start and an end."),
    ],
    ids=["backwards", "overlap", "prose", "bad-time", "half"],
)
def test_hours_validation_messages(admin, world, text, message):
    path = url("admin.resource_hours", venue_id=world.venue.id, resource_id=world.room.id)
    response = admin.post(path, data=hours_data(mon="09:00-17:00", tue=text))
    assert response.status_code == 422
    assert field_error(page(response), "tue") == message


def test_no_hours_at_all_is_refused_with_an_explanation(admin, world):
    path = url("admin.resource_hours", venue_id=world.venue.id, resource_id=world.room.id)
    response = admin.post(path, data=hours_data())
    assert response.status_code == 422
    assert "Give at least one opening period, or open the resource around the clock." in page(
        response
    )


def test_dated_exceptions_are_added_and_removed(admin, world):
    venue, rid = world.venue.id, world.room.id
    admin.post(
        url("admin.exception_add", venue_id=venue, resource_id=rid),
        data={"day": "2026-12-25", "periods": ""},
    )
    admin.post(
        url("admin.exception_add", venue_id=venue, resource_id=rid),
        data={"day": "2026-12-24", "periods": "09:00-13:00"},
    )
    db.session.expire_all()
    assert db.session.get(Resource, rid).hour_exceptions == {
        "2026-12-25": [],
        "2026-12-24": [["09:00", "13:00"]],
    }
    admin.post(url("admin.exception_delete", venue_id=venue, resource_id=rid, day="2026-12-25"))
    db.session.expire_all()
    assert list(db.session.get(Resource, rid).hour_exceptions) == ["2026-12-24"]


def test_a_bad_exception_is_explained(admin, world):
    response = admin.post(
        url("admin.exception_add", venue_id=world.venue.id, resource_id=world.room.id),
        data={"day": "2026-12-24", "periods": "13:00-09:00"},
    )
    assert response.status_code == 422
    assert "closes before it opens" in field_error(page(response), "periods")


# Blocks --------------------------------------------------------------------------------


def blocks_url(world) -> str:
    return url("admin.resource_blocks", venue_id=world.venue.id, resource_id=world.room.id)


def test_a_one_off_block_is_stored_in_utc(admin, world):
    response = admin.post(
        blocks_url(world),
        data={
            "start_date": "2026-03-03",
            "start_time": "10:00",
            "end_time": "11:00",
            "reason": "Window cleaning",
        },
    )
    assert response.status_code == 302
    block = db.session.scalar(sa.select(Allocation).where(Allocation.reason == "Window cleaning"))
    assert (block.start_at, block.end_at) == (
        datetime(2026, 3, 3, 9, tzinfo=UTC),
        datetime(2026, 3, 3, 10, tzinfo=UTC),
    )
    assert not block.is_recurring
    assert "Window cleaning" in page(admin.get(blocks_url(world)))


def test_a_recurring_block_keeps_its_weekdays_and_end(admin, world):
    admin.post(
        blocks_url(world),
        data={
            "start_date": "2026-03-02",
            "start_time": "12:30",
            "end_time": "13:30",
            "reason": "Lunch",
            "weekdays": ["0", "2", "4"],
            "repeat_until": "2026-06-30",
        },
    )
    block = db.session.scalar(sa.select(Allocation).where(Allocation.reason == "Lunch"))
    assert block.weekdays == [0, 2, 4] and block.repeat_until == date(2026, 6, 30)
    assert block.start_at == datetime(2026, 3, 2, 11, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "data, field, message",
    [
        (
            {"start_time": "11:00", "end_time": "10:00"},
            "end_time",
            "The block must end after it starts.",
        ),
        ({"reason": ""}, "reason", "This field is required."),
        ({"repeat_until": "2026-04-01"}, "weekdays", "Choose the weekdays to repeat on."),
        (
            {"weekdays": ["1"], "repeat_until": "2026-01-01"},
            "repeat_until",
            "The repetition cannot end before it starts.",
        ),
        # Berlin skips 02:00-03:00 on 29 March 2026.
        (
            {"start_date": "2026-03-29", "start_time": "02:30", "end_time": "04:00"},
            "start_time",
            "This time does not exist that day: the clocks go forward.",
        ),
        (
            {"weekdays": ["1"], "end_date": "2026-03-04"},
            "end_time",
            "A weekly block must end less than a day after it starts.",
        ),
    ],
    ids=[
        "backwards",
        "no-reason",
        "until-without-days",
        "until-before-start",
        "dst-gap",
        "weekly-a-whole-day",
    ],
)
def test_block_validation_messages(admin, world, data, field, message):
    base = {
        "start_date": "2026-03-03",
        "start_time": "10:00",
        "end_time": "11:00",
        "reason": "Maintenance",
    }
    response = admin.post(blocks_url(world), data=base | data)
    assert response.status_code == 422
    assert field_error(page(response), field) == message


def test_a_weekly_block_may_run_overnight(admin, world):
    response = admin.post(
        blocks_url(world),
        data={
            "start_date": "2026-03-03",
            "start_time": "22:00",
            "end_date": "2026-03-04",
            "end_time": "06:00",
            "reason": "Night cleaning",
            "weekdays": ["1", "3"],
        },
    )
    assert response.status_code == 302, page(response)
    block = db.session.scalar(sa.select(Allocation).where(Allocation.reason == "Night cleaning"))
    assert (block.start_at, block.end_at) == (
        datetime(2026, 3, 3, 21, tzinfo=UTC),
        datetime(2026, 3, 4, 5, tzinfo=UTC),
    )
    assert block.weekdays == [1, 3]


def test_a_block_is_removed(admin, world):
    block = world.room.allocations[0]
    admin.post(
        url(
            "admin.block_delete",
            venue_id=world.venue.id,
            resource_id=world.room.id,
            block_id=block.id,
        )
    )
    assert db.session.get(Allocation, block.id) is None


# Services ------------------------------------------------------------------------------


def service_data(world, **overrides) -> dict:
    data = {
        "name": "Studio",
        "slug": "studio",
        "description": "",
        "duration_mode": "fixed",
        "variants-0-name": "1 hour",
        "variants-0-duration_minutes": "60",
        "variants-0-guests": "1",
        "variants-0-price": "35.00",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "15",
        "grid_alignment_minutes": "15",
        "grid_step_minutes": "",
        "lead_time_minutes": "60",
        "horizon_days": "30",
        "required_skills": "",
        "resources": [str(world.room.id)],
        "active": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_create_a_fixed_service(admin, world):
    response = admin.post(
        url("admin.service_new", venue_id=world.venue.id), data=service_data(world)
    )
    assert response.status_code == 302
    svc = db.session.scalar(sa.select(Service).where(Service.slug == "studio"))
    assert svc.duration_mode == DurationMode.FIXED and svc.venue_id == world.venue.id
    assert [(v.name, v.duration_minutes, v.price_cents) for v in svc.variants] == [
        ("1 hour", 60, 3500)
    ]
    assert [r.id for r in svc.resources] == [world.room.id]
    assert (svc.buffer_after_minutes, svc.lead_time_minutes, svc.horizon_days) == (15, 60, 30)


def test_create_an_hourly_range_service_with_staff(admin, world):
    therapist = make_resource(world.venue, name="Marc", kind=ResourceKind.STAFF, skills=["massage"])
    data = service_data(
        world,
        duration_mode="hourly",
        min_minutes="60",
        max_minutes="240",
        unit_price="20",
        required_skills="massage",
        resources=[str(world.room.id), str(therapist.id)],
    )
    data = {k: v for k, v in data.items() if not k.startswith("variants-")}
    response = admin.post(url("admin.service_new", venue_id=world.venue.id), data=data)
    assert response.status_code == 302, page(response)
    svc = db.session.scalar(sa.select(Service).where(Service.slug == "studio"))
    assert (svc.min_minutes, svc.max_minutes, svc.unit_price_cents) == (60, 240, 2000)
    assert svc.variants == [] and svc.required_skills == ["massage"]


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        (
            {"lead_time_minutes": str(31 * 24 * 60)},
            "lead_time_minutes",
            "The lead time is longer than the horizon: nothing could ever be booked.",
        ),
        (
            {
                "duration_mode": "hourly",
                "min_minutes": "120",
                "max_minutes": "60",
                "variants-0-duration_minutes": "",
            },
            "min_minutes",
            "The shortest duration is longer than the longest.",
        ),
        (
            {
                "duration_mode": "daily",
                "min_days": "5",
                "max_days": "2",
                "variants-0-duration_minutes": "",
            },
            "min_days",
            "The shortest duration is longer than the longest.",
        ),
        (
            {"duration_mode": "fixed", "min_minutes": "60"},
            "min_minutes",
            "A service has fixed options or a duration range, never both",
        ),
        (
            {
                "duration_mode": "hourly",
                "min_minutes": "50",
                "max_minutes": "120",
                "variants-0-duration_minutes": "",
            },
            "min_minutes",
            "Durations must be a multiple of the 15-minute alignment.",
        ),
        (
            {"grid_step_minutes": "20"},
            "grid_step_minutes",
            "The step must be a multiple of the 15-minute alignment.",
        ),
        ({"resources": []}, "resources", "Choose at least one place"),
        (
            {"required_skills": "massage"},
            "required_skills",
            "No chosen staff member has all these skills",
        ),
        ({"slug": "Not A Slug"}, "slug", "Use lower-case letters, digits and hyphens only."),
        (
            {"horizon_days": "0"},
            "horizon_days",
            f"Number must be between 1 and {MAX_HORIZON_DAYS}.",
        ),
    ],
    ids=[
        "lead-over-horizon",
        "min-over-max",
        "days-min-over-max",
        "both-kinds",
        "off-alignment",
        "step-alignment",
        "no-place",
        "skills-nobody-has",
        "slug",
        "horizon",
    ],
)
def test_contradicting_service_settings_are_refused(admin, world, overrides, field, message):
    response = admin.post(
        url("admin.service_new", venue_id=world.venue.id), data=service_data(world, **overrides)
    )
    assert response.status_code == 422
    assert message in field_error(page(response), field)
    assert db.session.scalar(sa.select(Service).where(Service.name == "Studio")) is None


def test_a_range_with_fixed_options_is_refused(admin, world):
    response = admin.post(
        url("admin.service_new", venue_id=world.venue.id),
        data=service_data(world, duration_mode="hourly", min_minutes="60", max_minutes="120"),
    )
    assert response.status_code == 422
    assert "never both" in page(response)


def test_duplicate_slug_is_refused(admin, world):
    response = admin.post(
        url("admin.service_new", venue_id=world.venue.id),
        data=service_data(world, slug=world.service.slug),
    )
    assert response.status_code == 422
    assert "uses this address name" in field_error(page(response), "slug")


def test_an_empty_slug_is_made_from_the_name(admin, world):
    for _twice in range(2):
        response = admin.post(
            url("admin.service_new", venue_id=world.venue.id),
            data=service_data(world, name="Salle Été", slug=""),
        )
        assert response.status_code == 302, page(response)
    slugs = db.session.scalars(sa.select(Service.slug).where(Service.name == "Salle Été"))
    assert sorted(slugs) == ["salle-ete", "salle-ete-2"]


def test_a_slug_taken_meanwhile_is_explained_not_a_500(admin, world, monkeypatch):
    """Another manager saved the slug between the look-up and the commit: the unique
    constraint has the last word, and the page says so."""
    import bookingsite.admin.setup as setup_pages

    monkeypatch.setattr(setup_pages, "_slug_for", lambda form, service: form.slug.data)
    response = admin.post(
        url("admin.service_new", venue_id=world.venue.id),
        data=service_data(world, slug=world.service.slug),
    )
    assert response.status_code == 422
    assert "uses this address name" in field_error(page(response), "slug")
    assert db.session.scalar(sa.select(Service).where(Service.name == "Studio")) is None


def test_edit_a_service_keeps_variants_with_bookings(admin, world):
    path = url("admin.service_edit", venue_id=world.venue.id, service_id=world.service.id)
    html = page(admin.get(path))
    assert 'name="variants-0-duration_minutes"' in html and 'value="60"' in html
    variant = world.service.variants[0]
    # Dropping the option that has a booking is refused...
    data = service_data(
        world,
        slug=world.service.slug,
        **{
            "variants-0-variant_id": str(variant.id),
            "variants-0-duration_minutes": "",
            "variants-1-duration_minutes": "90",
            "variants-1-guests": "1",
        },
    )
    response = admin.post(path, data=data)
    assert response.status_code == 422
    assert "cannot be removed" in page(response)
    # ...changing its price and adding one works.
    data = service_data(
        world,
        slug=world.service.slug,
        **{
            "variants-0-variant_id": str(variant.id),
            "variants-0-price": "40",
            "variants-1-duration_minutes": "90",
            "variants-1-guests": "1",
        },
    )
    assert admin.post(path, data=data).status_code == 302
    db.session.expire_all()
    svc = db.session.get(Service, world.service.id)
    assert [(v.id == variant.id, v.duration_minutes, v.price_cents) for v in svc.variants] == [
        (True, 60, 4000),
        (False, 90, None),
    ]


def test_deactivate_a_service(admin, world):
    admin.post(
        url("admin.service_toggle", venue_id=world.venue.id, service_id=world.service.id),
        data={"confirm": "1"},
    )
    db.session.expire_all()
    assert not db.session.get(Service, world.service.id).active


# A service's own cutoffs ------------------------------------------------------------------


def test_a_service_may_set_its_own_cutoffs_or_keep_the_venues(admin, world):
    world.venue.cancel_cutoff_hours = 24
    db.session.commit()
    path = url("admin.service_edit", venue_id=world.venue.id, service_id=world.service.id)
    html = page(admin.get(path))
    # Empty fields, with the venue's terms as the hint.
    assert 'name="cancel_cutoff_hours"' in html and 'name="change_cutoff_hours"' in html
    assert "You can cancel online until 24 hours before the start." in html
    assert "You can change the time online until the start." in html
    variant = world.service.variants[0]
    data = service_data(
        world,
        slug=world.service.slug,
        cancel_cutoff_hours="48",
        change_cutoff_hours="",
        **{"variants-0-variant_id": str(variant.id)},
    )
    assert admin.post(path, data=data).status_code == 302
    db.session.expire_all()
    svc = db.session.get(Service, world.service.id)
    assert (svc.cancel_cutoff_hours, svc.change_cutoff_hours) == (48, None)
    assert (svc.cancel_cutoff.total_seconds(), svc.change_cutoff.total_seconds()) == (
        48 * 3600,
        0,
    )
    assert 'value="48"' in page(admin.get(path))
    # Emptied again: the venue's.
    data["cancel_cutoff_hours"] = ""
    assert admin.post(path, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Service, world.service.id).cancel_cutoff_hours is None


@pytest.mark.parametrize("value", ["-1", "721", "two"], ids=["negative", "too-long", "text"])
def test_a_service_cutoff_out_of_bounds_is_refused(admin, world, value):
    response = admin.post(
        url("admin.service_new", venue_id=world.venue.id),
        data=service_data(world, change_cutoff_hours=value),
    )
    assert response.status_code == 422
    assert field_error(page(response), "change_cutoff_hours")
    assert db.session.scalar(sa.select(Service).where(Service.slug == "studio")) is None
