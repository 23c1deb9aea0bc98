"""The customer's picker: a month of day states, then one day's times (or a rental's
return days); one small fragment per click for htmx, and the same flow as a chain of
plain links and forms without JavaScript. Fragment sizes are asserted in bytes."""

from __future__ import annotations

import html as markup
import re

import pytest
import sqlalchemy as sa

from bookingsite.extensions import db
from bookingsite.models import Booking
from tests.functional.public.test_pages import (
    COURT,
    KIT,
    MASSAGE,
    ROOMS,
    STUDIO,
    VAN,
    csrf_of,
)

pytestmark = pytest.mark.usefixtures("demo_venues")

HTMX = {"HX-Request": "true"}
FRAGMENT_LIMIT = 15 * 1024  # bytes: what one click of a customer may fetch
NEW_YORK = "America%2FNew_York"


def get(client, url: str, **headers: str):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return response


def links(html: str, pattern: str) -> list[str]:
    """The hrefs (unescaped) of links whose markup matches `pattern`."""
    return [markup.unescape(h) for h in re.findall(pattern, html, re.S)]


def day_link(html: str, day: str) -> str:
    return links(html, rf'<a href="([^"]+)" data-day="{day}"')[0]


def count_bookings() -> int:
    return db.session.scalar(sa.select(sa.func.count(Booking.id)))


def confirm(client, checkout_url: str) -> None:
    checkout = get(client, checkout_url).get_data(as_text=True)
    token = checkout_url.rsplit("/", 1)[1]
    confirmed = client.post(
        f"/checkout/{token}",
        data={
            "csrf_token": csrf_of(checkout),
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "guests": 1,
        },
    )
    assert confirmed.status_code == 303
    assert db.session.scalar(sa.select(Booking).where(Booking.manage_token == token)).is_confirmed


# The month ------------------------------------------------------------------------------


def test_the_page_opens_on_a_month_and_the_first_day_with_free_times(client):
    html = get(client, ROOMS).get_data(as_text=True)
    assert '<h2 id="month-title">March 2026</h2>' in html
    # Sunday 1 March (today) has nothing: the page opens on Monday 2 March's times.
    assert 'data-day="2026-03-02" aria-current="date"' in html
    assert '<h2 id="day-title">Monday, March 2, 2026</h2>' in html
    assert [h for h in re.findall(r'<h3 class="part-of-day">(\w+)</h3>', html)] == [
        "Morning",
        "Afternoon",
        "Evening",
    ]
    assert 'id="week' not in html and 'class="grid"' not in html  # no week wall


def test_the_month_fragment_has_each_days_state(client):
    response = get(client, f"{ROOMS}/days?month=2026-03", **HTMX)
    html = response.get_data(as_text=True)
    assert b"<html" not in response.data
    assert html.lstrip().startswith('<section id="month"')
    assert "HX-Request" in response.headers["Vary"]
    # The address bar gets the page's URL, not the fragment's.
    assert response.headers["HX-Push-Url"] == f"{ROOMS}?month=2026-03"
    days = re.findall(r'<li class="(\w+)[^"]*"><a href="[^"]+" data-day="(2026-03-\d\d)"', html)
    assert len(days) == 31
    kinds = dict((day, kind) for kind, day in days)
    assert kinds["2026-03-02"] == "free"  # a Monday
    assert kinds["2026-03-08"] == "off"  # a Sunday: both rooms closed
    sunday = re.search(r'data-day="2026-03-08">.*?<i>([^<]+)</i>', html).group(1)
    assert sunday == "closed at that time"
    monday = re.search(r'data-day="2026-03-02">.*?<i>([^<]+)</i>', html).group(1)
    assert re.fullmatch(r"\d+ times", monday)
    assert "Monday, March 2, 2026:" in html  # each day's full date for screen readers


def test_past_days_and_days_beyond_the_horizon_say_so(client):
    february = get(client, f"{COURT}/days?month=2026-02", **HTMX).get_data(as_text=True)
    assert re.search(r'<li class="past"><a [^>]*data-day="2026-02-27".*?<i>past</i>', february)
    may = get(client, f"{COURT}/days?month=2026-05", **HTMX).get_data(as_text=True)
    # The horizon is 90 days from 1 March: 30 May is the last bookable day.
    assert re.search(r'data-day="2026-05-31">.*?<i>too far ahead to book</i>', may)
    assert re.search(r'<li class="free"><a [^>]*data-day="2026-05-29"', may)


def test_months_link_forward_and_back_but_not_before_this_one(client):
    march = get(client, f"{ROOMS}/days?date=2026-03-02", **HTMX).get_data(as_text=True)
    assert 'rel="prev"' not in march  # 1 March is today in Berlin
    forward = links(march, r'<a class="month-nav" rel="next" href="([^"]+)"')[0]
    assert forward.startswith(f"{ROOMS}/days?") and forward.endswith(
        "date=2026-03-02&month=2026-04"
    )
    april = get(client, forward, **HTMX).get_data(as_text=True)
    assert '<h2 id="month-title">April 2026</h2>' in april
    assert 'data-day="2026-03-02" aria-current' not in april
    back = links(april, r'<a class="month-nav" rel="prev" href="([^"]+)"')[0]
    assert back.endswith("date=2026-03-02")  # the chosen day's own month
    # In New York it is still 28 February: February is browsable there.
    court = get(client, f"{COURT}/days?month=2026-03", **HTMX).get_data(as_text=True)
    assert 'rel="prev"' in court


def test_a_month_with_nothing_free_jumps_to_the_next_available_day(client, demo_venues):
    for place in demo_venues["riverside-tennis"].resources:
        place.hour_exceptions = {f"2026-03-{d:02}": [] for d in range(1, 32)}
    db.session.commit()
    html = get(client, f"{COURT}/days?month=2026-03", **HTMX).get_data(as_text=True)
    assert "Nothing free this month." in html
    jump = links(html, r'Nothing free this month\. <a href="([^"]+)"')[0]
    assert jump.startswith(f"{COURT}?") and jump.endswith("date=2026-04-01")
    assert "Next available: Wednesday, April 1, 2026" in html


# A day --------------------------------------------------------------------------------


def test_the_day_fragment_lists_times_by_part_of_day(client):
    response = get(client, f"{MASSAGE}/times?date=2026-03-03", **HTMX)
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="day-times"')
    assert response.headers["HX-Push-Url"] == f"{MASSAGE}?date=2026-03-03"
    parts = re.split(r'<h3 class="part-of-day">', html)[1:]
    assert [p.split("<")[0] for p in parts] == ["Morning", "Afternoon", "Evening"]
    assert all(
        int(h) < 12 for h in re.findall(r"(\d+):\d\d\u202fAM</button>", parts[0])
    )  # mornings are mornings
    assert 'aria-label="Book March 3, 2026 at 10:00\u202fAM"' in html
    # The choice stays in view: option, length and price.
    choice = re.search(r'<p class="choice" id="choice">(.*?)</p>', html, re.S).group(1)
    assert "60 minutes" in choice and "1 hr" in choice and "€95.00" in choice


def test_a_day_with_nothing_free_says_why_and_where_the_next_is(client):
    html = get(client, f"{ROOMS}/times?date=2026-03-08", **HTMX).get_data(as_text=True)
    assert "Nothing free on this day: closed at that time." in html
    jump = links(html, r'<p class="next-available"><a href="([^"]+)"')[0]
    assert jump.startswith(f"{ROOMS}?") and jump.endswith("date=2026-03-09")
    past = get(client, f"{ROOMS}/times?date=2026-02-27", **HTMX).get_data(as_text=True)
    assert "Nothing free on this day: past." in past


def test_a_history_restore_or_a_shared_fragment_url_gets_the_whole_page(client):
    restore = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    for url in (f"{ROOMS}/times?date=2026-03-03", f"{KIT}/days?start_day=2026-03-03"):
        assert b"<html" in get(client, url, **restore).data
        assert b"<html" in get(client, url).data


def test_the_optional_week_view_is_still_there(client):
    html = get(client, f"{ROOMS}?view=week&date=2026-03-02").get_data(as_text=True)
    assert len(re.findall(r'<section class="day"', html)) == 7
    assert '<option selected value="week">Week</option>' in html


def test_a_kept_part_is_forgotten_once_this_process_writes(client):
    url = f"{COURT}/times?date=2026-03-03&resource="
    first = get(client, url, **HTMX).get_data(as_text=True)
    assert 'value="2026-03-03T12:00:00Z"' in first
    assert get(client, url, **HTMX).get_data(as_text=True) == first  # kept
    page = get(client, f"{COURT}?date=2026-03-03").get_data(as_text=True)
    court = re.search(r'<option value="(\d+)">Court 1</option>', page).group(1)
    url = f"{COURT}/times?date=2026-03-03&resource={court}"
    before = get(client, url, **HTMX).get_data(as_text=True)
    assert 'value="2026-03-03T12:00:00Z"' in before
    held = client.post(
        f"{COURT}/hold",
        data={"csrf_token": csrf_of(page), "start": "2026-03-03T12:00:00Z", "resource": court},
    )
    assert held.status_code == 303
    after = get(client, url, **HTMX).get_data(as_text=True)
    assert 'value="2026-03-03T12:00:00Z"' not in after


# Fragment sizes -------------------------------------------------------------------------

FRAGMENTS = [
    f"{ROOMS}/days?month=2026-03",
    f"{ROOMS}/times?date=2026-03-02",
    f"{MASSAGE}/days?month=2026-03",
    f"{MASSAGE}/times?date=2026-03-03",
    f"{COURT}/days?month=2026-03",
    f"{COURT}/times?date=2026-03-02",
    f"{STUDIO}/times?date=2026-03-02&start=2026-03-02T08:00:00Z",
    f"{KIT}/days?start_day=2026-03-03&end_day=2026-03-05",
    f"{VAN}/days?start_day=2026-03-03",
    f"{VAN}/days?start_day=2026-03-03&end_day=2026-03-16",
]


@pytest.mark.parametrize("zone_cookie", [None, NEW_YORK], ids=["venue-zone", "visitor-zone"])
@pytest.mark.parametrize("url", FRAGMENTS)
def test_a_fragment_a_click_fetches_is_at_most_15_kb(client, url, zone_cookie):
    if zone_cookie:
        client.set_cookie("visitor_tz", zone_cookie)
    body = get(client, url, **HTMX).data
    assert b"<html" not in body
    assert len(body) <= FRAGMENT_LIMIT, f"{len(body):,} bytes"


# Without JavaScript: a chain of links and forms -------------------------------------------


def test_no_js_fixed_option_month_day_time_hold_checkout(client):
    page = get(client, f"{COURT}?month=2026-03").get_data(as_text=True)
    thursday = get(client, day_link(page, "2026-03-05")).get_data(as_text=True)
    assert "<html" in thursday and '<h2 id="day-title">Thursday, March 5, 2026</h2>' in thursday
    form = thursday.split('<section id="day-times"')[1].split("</form>")[0]
    action = re.search(r'<form method="post" action="([^"]+)"', form).group(1)
    start = re.findall(r'<button class="slot" name="start" value="([^"]+)"', form)[0]
    assert start == "2026-03-05T12:00:00Z"  # 7:00 AM in New York
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    held = client.post(action, data=fields | {"start": start})
    assert held.status_code == 303
    confirm(client, held.headers["Location"])
    booking = db.session.scalar(sa.select(Booking))
    assert booking.start_at.isoformat() == "2026-03-05T12:00:00+00:00"
    assert booking.variant.duration_minutes == 30


def test_no_js_hourly_range_month_day_start_end_hold(client):
    page = get(client, STUDIO).get_data(as_text=True)
    tuesday = get(client, day_link(page, "2026-03-03")).get_data(as_text=True)
    start_link = links(tuesday, r'<a class="slot" href="([^"]+)" data-start="2026-03-03T09:00:00Z"')
    chosen = get(client, start_link[0]).get_data(as_text=True)
    assert "Until when? Starting Tuesday, March 3, 2026, 10:00\u202fAM" in chosen
    ends = chosen.split('id="ends-title"')[1].split("</form>")[0]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', ends))
    three_hours = re.search(r'name="end" value="(2026-03-03T12:00:00Z)"', ends).group(1)
    assert "3 hr · €75.00" in ends
    held = client.post(f"{STUDIO}/hold", data=fields | {"end": three_hours})
    assert held.status_code == 303
    confirm(client, held.headers["Location"])
    booking = db.session.scalar(sa.select(Booking))
    assert (booking.start_at.hour, booking.end_at.hour) == (9, 12)


def test_no_js_daily_rental_pick_up_then_return_then_reserve(client):
    page = get(client, KIT).get_data(as_text=True)
    assert "Choose your pick-up day" in page
    assert '<label for="guests">' not in page  # kits hold one: no party size to ask
    picked = get(client, day_link(page, "2026-03-03")).get_data(as_text=True)
    assert "Pick up Tue, Mar 3 from 9:00\u202fAM" in picked
    back = links(picked, r'<a class="slot" href="([^"]+)" data-last-day="2026-03-05"')[0]
    # The return days are also days of the month, marked as such.
    assert re.search(r'<li class="free can-end"><a href="[^"]*" data-day="2026-03-05"', picked)
    chosen = get(client, back).get_data(as_text=True)
    choice = chosen.split('<div class="choice" id="choice">')[1].split("</form>")[0]
    assert "Pick up Tue, Mar 3 from 9:00\u202fAM · return Thu, Mar 5 by 6:00\u202fPM" in choice
    assert "3 days · <strong>A$270.00</strong>" in choice
    assert re.search(r'<li class="free in"><a [^>]*data-day="2026-03-04"', chosen)
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', choice))
    end = re.search(r'name="end" value="([^"]+)"', choice).group(1)
    held = client.post(f"{KIT}/hold", data=fields | {"end": end})
    assert held.status_code == 303
    confirm(client, held.headers["Location"])
    assert count_bookings() == 3  # three linked days, 9 to 6


def test_around_the_clock_rental_reads_from_midnight_to_midnight(client):
    html = get(client, f"{VAN}?start_day=2026-03-03&end_day=2026-03-04").get_data(as_text=True)
    assert "From 12:00\u202fAM Tue, Mar 3 to 12:00\u202fAM Thu, Mar 5, 2 days" in html
    assert "12:00\u202fAM–12:00\u202fAM" not in html


# The reschedule page reuses the picker -----------------------------------------------------


def test_reschedule_uses_the_month_and_day_picker(client):
    page = get(client, COURT).get_data(as_text=True)
    form = page.split('<section id="day-times"')[1].split("</form>")[0]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    held = client.post(f"{COURT}/hold", data=fields | {"start": "2026-03-02T14:00:00Z"})
    confirm(client, held.headers["Location"])
    token = held.headers["Location"].rsplit("/", 1)[1]

    picker = get(client, f"/bookings/{token}/reschedule").get_data(as_text=True)
    assert '<section id="month"' in picker and '<section id="day-times"' in picker
    assert re.search(r'<li class="free current"><a [^>]*data-day="2026-03-02"', picker)
    assert "your current time" in picker
    wednesday = get(client, f"/bookings/{token}/reschedule/times?date=2026-03-04", **HTMX)
    html = wednesday.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="day-times"')
    assert wednesday.headers["HX-Push-Url"] == f"/bookings/{token}/reschedule?date=2026-03-04"
    assert 'aria-label="Move to March 4, 2026 at 9:00\u202fAM"' in html
    assert len(wednesday.data) <= FRAGMENT_LIMIT
    month = get(client, f"/bookings/{token}/reschedule/days?month=2026-04", **HTMX)
    assert month.get_data(as_text=True).lstrip().startswith('<section id="month"')
    moved = client.post(
        f"/bookings/{token}/reschedule",
        data={"csrf_token": csrf_of(picker), "start": "2026-03-04T14:00:00Z"},
    )
    assert moved.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(sa.select(Booking)).start_at.day == 4
