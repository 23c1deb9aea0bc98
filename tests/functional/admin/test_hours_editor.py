"""The weekly hours editor: "around the clock" is a choice, never a default that swallows
typed hours; a weekday's periods in time inputs, added and copied by plain form posts
(no JavaScript); closed days said so; a preview of the customer's start times that saves
nothing and matches what customers see once the hours are saved.

The world's room opens 08:00-20:00 every day (Europe/Berlin); its service takes an hour,
on a 30-minute step; the clock stands at Sunday 1 March 2026, 01:00 in Berlin."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from bookingsite.booking.questions import ask, grid
from bookingsite.extensions import db
from bookingsite.i18n import local_time
from bookingsite.models import Resource
from tests.functional.admin.conftest import url

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ROOM_HOURS = {day: [["08:00", "20:00"]] for day in DAYS}
TUESDAY = date(2026, 3, 3)

# The preview rolls the session back after asking: both databases must show nothing kept.
pytestmark = pytest.mark.usefixtures("backend")


def page(response) -> str:
    return response.get_data(as_text=True)


def hours_path(world, resource_id: int | None = None) -> str:
    rid = resource_id or world.room.id
    return url("admin.resource_hours", venue_id=world.venue.id, resource_id=rid)


def stored_hours(resource_id: int):
    db.session.expire_all()
    return db.session.get(Resource, resource_id).weekly_hours


class _Inputs(HTMLParser):
    """What a browser without JavaScript would post back from the hours form: its text
    and time inputs, its ticked boxes and its chosen radio."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == "hours"
        if tag != "input" or not self.inside or "name" not in a:
            return
        if a.get("type") in ("checkbox", "radio") and "checked" not in a:
            return
        self.values[a["name"]] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def form_values(html: str) -> dict[str, str]:
    parser = _Inputs()
    parser.feed(html)
    return parser.values


def set_week(**days: str) -> dict[str, str]:
    """A post at set hours: each day's 'HH:MM-HH:MM, ...' or closed when not given."""
    data = {"mode": "set"}
    for key in DAYS:
        text = days.get(key, "")
        if not text:
            data[f"{key}-closed"] = "y"
        for index, period in enumerate(filter(None, text.split(", "))):
            opens, _sep, closes = period.partition("-")
            data[f"{key}-periods-{index}-opens"] = opens
            data[f"{key}-periods-{index}-closes"] = closes
    return data


def error_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}-error" class="field-error"[^>]*>([^<]*)<', html)
    assert match, f"no error shown for {element_id}"
    return match.group(1)


def offered(world, day: date, app) -> list[str]:
    """The start times the customer grid offers on `day`, as local wall-clock text."""
    with app.test_request_context():
        from bookingsite.clock import utcnow

        db.session.expire_all()
        answer = grid(ask(world.service, resource_id=world.room.id), day, 1, utcnow())
        return [local_time(s.start, world.venue.timezone) for s in answer.days[0].slots]


# Around the clock is a choice ----------------------------------------------------------


def test_hours_typed_beside_around_the_clock_are_refused_and_nothing_is_saved(admin, world):
    """The lost-hours bug: hours typed while "around the clock" is chosen were thrown
    away and the page said they were saved."""
    data = {**set_week(mon="09:00-17:00"), "mode": "always"}
    data.pop("tue-closed")  # left undecided: not "given"
    response = admin.post(hours_path(world), data=data)
    assert response.status_code == 422
    message = error_of(page(response), "mode")
    assert "You chose “open around the clock” but gave hours for Monday" in message
    assert "Clear them, or choose “Open at set hours”." in message
    assert "were saved" not in page(response)
    assert stored_hours(world.room.id) == ROOM_HOURS
    # What was typed is still on the page, for the manager to fix.
    assert form_values(page(response))["mon-periods-0-opens"] == "09:00"


def test_a_day_marked_closed_counts_as_hours_beside_around_the_clock(admin, world):
    response = admin.post(hours_path(world), data={"mode": "always", "sun-closed": "y"})
    assert response.status_code == 422
    assert "gave hours for Sunday" in error_of(page(response), "mode")
    assert stored_hours(world.room.id) == ROOM_HOURS


def test_the_hours_form_needs_a_choice(admin, world):
    response = admin.post(
        hours_path(world), data={k: v for k, v in set_week().items() if k != "mode"}
    )
    assert response.status_code == 422
    assert error_of(page(response), "mode") == (
        "Choose whether it opens at set hours or around the clock."
    )
    assert stored_hours(world.room.id) == ROOM_HOURS


def test_around_the_clock_chosen_alone_is_saved(admin, world):
    response = admin.post(hours_path(world), data={"mode": "always"})
    assert response.status_code == 302
    assert stored_hours(world.room.id) is None
    html = page(admin.get(hours_path(world)))
    assert form_values(html)["mode"] == "always"


def test_a_new_resource_makes_the_manager_choose(admin, world):
    new = url("admin.resource_new", venue_id=world.venue.id)
    html = page(admin.get(new))
    assert html.count('name="hours_mode" type="radio"') == 2
    assert not re.search(r'<input checked[^>]*name="hours_mode"', html)
    data = {"name": "Studio", "kind": "room", "capacity": "2", "active": "y"}
    response = admin.post(new, data=data)
    assert response.status_code == 422
    assert "Choose whether it opens at set hours or around the clock." in error_of(
        page(response), "hours_mode"
    )
    assert db.session.scalar(sa.select(Resource).where(Resource.name == "Studio")) is None


def test_a_new_resource_at_set_hours_is_not_bookable_until_given_them(admin, world):
    response = admin.post(
        url("admin.resource_new", venue_id=world.venue.id),
        data={
            "name": "Studio",
            "kind": "room",
            "capacity": "2",
            "hours_mode": "set",
            "active": "y",
        },
    )
    assert response.status_code == 302
    studio = db.session.scalar(sa.select(Resource).where(Resource.name == "Studio"))
    assert studio.weekly_hours == {day: [] for day in DAYS}  # never open, not 24/7
    html = page(admin.get(response.headers["Location"]))
    assert "It cannot be booked until you set its hours below." in html
    values = form_values(html)
    assert values["mode"] == "set"
    # No day is preset: neither hours nor "closed" (placeholders are gone too).
    assert not any(k.endswith("-closed") for k in values)
    assert all(v == "" for k, v in values.items() if "-periods-" in k)
    assert "placeholder" not in html.split('id="hours"')[1].split("</form>")[0]


def test_a_new_resource_around_the_clock(admin, world):
    response = admin.post(
        url("admin.resource_new", venue_id=world.venue.id),
        data={"name": "Lobby", "kind": "room", "capacity": "9", "hours_mode": "always"},
    )
    assert response.status_code == 302
    lobby = db.session.scalar(sa.select(Resource).where(Resource.name == "Lobby"))
    assert lobby.weekly_hours is None


# Set hours --------------------------------------------------------------------------------


def test_several_periods_and_a_closed_day_are_saved_and_used_by_availability(admin, world, app):
    week = {day: "08:00-20:00" for day in DAYS}
    week |= {"tue": "09:00-11:00, 14:00-16:00", "wed": ""}  # Wednesday closed
    response = admin.post(hours_path(world), data=set_week(**week))
    assert response.status_code == 302
    hours = stored_hours(world.room.id)
    assert hours["tue"] == [["09:00", "11:00"], ["14:00", "16:00"]]
    assert hours["wed"] == [] and hours["thu"] == [["08:00", "20:00"]]
    tuesday = offered(world, TUESDAY, app)
    assert tuesday[0] == "09:00" and "14:00" in tuesday
    assert "12:00" not in tuesday and "08:00" not in tuesday
    assert offered(world, date(2026, 3, 4), app) == []  # closed
    # The page shows the days back: Wednesday ticked closed, Tuesday's two rows.
    values = form_values(page(admin.get(hours_path(world))))
    assert values["wed-closed"] == "y" and "tue-closed" not in values
    assert values["tue-periods-1-opens"] == "14:00"


def test_a_day_neither_open_nor_closed_is_refused(admin, world):
    data = set_week(mon="09:00-17:00")
    data.pop("tue-closed")
    response = admin.post(hours_path(world), data=data)
    assert response.status_code == 422
    assert error_of(page(response), "tue") == (
        "Give the hours of Tuesday, or mark it closed all day."
    )
    assert stored_hours(world.room.id) == ROOM_HOURS


def test_a_closed_day_with_hours_is_refused(admin, world):
    data = {**set_week(mon="09:00-17:00"), "sat-periods-0-opens": "10:00"}
    data["sat-periods-0-closes"] = "12:00"
    response = admin.post(hours_path(world), data=data)
    assert response.status_code == 422
    assert "Saturday is marked closed but has hours" in error_of(page(response), "sat")
    assert stored_hours(world.room.id) == ROOM_HOURS


def test_a_close_at_midnight_ends_the_day(admin, world):
    response = admin.post(hours_path(world), data=set_week(fri="18:00-00:00"))
    assert response.status_code == 302
    assert stored_hours(world.room.id)["fri"] == [["18:00", "00:00"]]


# Without JavaScript: add a period, copy Monday ------------------------------------------


def test_add_a_period_is_a_plain_form_post(admin, world):
    values = form_values(page(admin.get(hours_path(world))))
    assert values["mode"] == "set" and values["mon-periods-0-opens"] == "08:00"
    assert "mon-periods-1-opens" not in values
    values["mon-periods-0-closes"] = "12:00"  # typed before pressing the button
    response = admin.post(hours_path(world), data={**values, "action": "add-mon"})
    assert response.status_code == 200
    values = form_values(page(response))
    assert values["mon-periods-0-closes"] == "12:00"  # kept
    assert values["mon-periods-1-opens"] == "" and values["mon-periods-1-closes"] == ""
    assert stored_hours(world.room.id) == ROOM_HOURS  # nothing saved yet
    values |= {"mon-periods-1-opens": "13:00", "mon-periods-1-closes": "19:00"}
    response = admin.post(hours_path(world), data={**values, "action": "save"})
    assert response.status_code == 302
    assert stored_hours(world.room.id)["mon"] == [["08:00", "12:00"], ["13:00", "19:00"]]


def test_copy_monday_to_the_other_weekdays(admin, world):
    buttons = re.findall(
        r'<button type="submit" name="action" value="([^"]+)"', page(admin.get(hours_path(world)))
    )
    assert {"save", "preview", "copy-monday", "add-mon", "add-sun"} <= set(buttons)
    data = set_week(mon="09:00-12:00, 13:00-17:00", tue="10:00-11:00", sat="10:00-14:00")
    response = admin.post(hours_path(world), data={**data, "action": "copy-monday"})
    assert response.status_code == 200
    assert "hours were copied to Tuesday to Friday. Save to keep them." in page(response)
    values = form_values(page(response))
    for day in ("tue", "wed", "thu", "fri"):
        assert values[f"{day}-periods-0-opens"] == "09:00", day
        assert values[f"{day}-periods-1-closes"] == "17:00", day
        assert f"{day}-closed" not in values, day
    assert values["sat-periods-0-opens"] == "10:00" and values["sun-closed"] == "y"
    assert stored_hours(world.room.id) == ROOM_HOURS  # copied on the page only
    assert admin.post(hours_path(world), data=values).status_code == 302  # Enter: save
    hours = stored_hours(world.room.id)
    assert hours["thu"] == [["09:00", "12:00"], ["13:00", "17:00"]]
    assert hours["sat"] == [["10:00", "14:00"]] and hours["sun"] == []


def test_an_unknown_button_changes_nothing(admin, world):
    response = admin.post(hours_path(world), data={**set_week(), "action": "add-someday"})
    assert response.status_code == 400
    assert stored_hours(world.room.id) == ROOM_HOURS


# Preview -----------------------------------------------------------------------------------


def preview_times(html: str, day_label: str) -> list[str]:
    section = html.split('id="preview"')[1].split("</section>")[0]
    row = re.search(rf'<th scope="row">{re.escape(day_label)}</th>(.*?)</tr>', section, re.S)
    assert row, day_label
    return re.findall(r"<li>([^<]*)</li>", row.group(1))


def test_the_preview_shows_the_coming_week_without_saving(admin, world, app):
    week = {day: "08:00-20:00" for day in DAYS} | {"tue": "09:00-11:00, 14:00-16:00", "wed": ""}
    data = {**set_week(**week), "action": "preview"}
    response = admin.post(hours_path(world), data=data)
    assert response.status_code == 200
    html = page(response)
    assert "Not saved yet." in html and world.service.name in html
    assert stored_hours(world.room.id) == ROOM_HOURS
    shown = preview_times(html, "Tue, Mar 3")
    assert shown[0] == "09:00" and "12:00" not in shown
    wednesday = html.split('id="preview"')[1].split("Wed, Mar 4")[1].split("</tr>")[0]
    assert "<li>" not in wednesday  # closed
    assert "Sat, Mar 7" in html and "Sun, Mar 8" not in html  # seven days from today
    # The form keeps what was typed, to save as previewed.
    assert form_values(html)["tue-periods-1-opens"] == "14:00"

    # Saved, customers are offered exactly what the preview showed.
    assert admin.post(hours_path(world), data=set_week(**week)).status_code == 302
    assert offered(world, TUESDAY, app) == shown


def test_the_preview_refuses_what_saving_would_refuse(admin, world):
    data = {**set_week(mon="09:00-17:00"), "mode": "always", "action": "preview"}
    response = admin.post(hours_path(world), data=data)
    assert response.status_code == 422
    assert 'id="preview"' not in page(response)


@pytest.mark.parametrize("mode", ["always", "set"])
def test_the_preview_of_around_the_clock_and_of_set_hours(admin, world, mode):
    data = {"mode": "always"} if mode == "always" else set_week(tue="09:00-11:00")
    response = admin.post(hours_path(world), data={**data, "action": "preview"})
    assert response.status_code == 200
    tuesday = preview_times(page(response), "Tue, Mar 3")
    if mode == "always":
        assert tuesday[0] == "00:00" and "23:00" in tuesday
    else:
        assert tuesday[0] == "09:00" and "11:00" not in tuesday
    assert stored_hours(world.room.id) == ROOM_HOURS
