"""The reports' figures and chart geometry, as pure functions of plain values: what
counts where, days in the venue's zone across clock changes, weeks and their cut ends,
linked days counted once, and the columns' arithmetic. No app, no database, no clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bookingsite.admin.reports import (
    Amount,
    Bucket,
    Figures,
    Period,
    Sale,
    bar_shares,
    buckets,
    chart_currency,
    column_chart,
    default_period,
    labelled,
    nice_ticks,
    summarise,
)
from bookingsite.models import BookingStatus, Channel

BERLIN = "Europe/Berlin"
CONFIRMED, CANCELLED = BookingStatus.CONFIRMED, BookingStatus.CANCELLED
HOLD, EXPIRED = BookingStatus.HOLD, BookingStatus.EXPIRED
MONDAY = date(2026, 3, 2)


def sale(
    start: datetime,
    status: BookingStatus = CONFIRMED,
    *,
    was_confirmed: bool | None = None,
    channel: Channel = Channel.WEB,
    service_id: int = 1,
    cents: int | None = 3500,
    currency: str = "EUR",
    group_id: str | None = None,
) -> Sale:
    if was_confirmed is None:
        was_confirmed = status in (CONFIRMED, CANCELLED)
    return Sale(start, status, was_confirmed, channel, service_id, cents, currency, group_id)


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A UTC instant in March 2026 (Berlin is UTC+1 until the 29th)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def days(first: date, last: date) -> tuple[Bucket, ...]:
    return buckets(first, last, Period.DAY)


# Buckets ------------------------------------------------------------------------------------


def test_a_bucket_a_day() -> None:
    assert days(MONDAY, MONDAY + timedelta(days=2)) == (
        Bucket(date(2026, 3, 2), date(2026, 3, 2)),
        Bucket(date(2026, 3, 3), date(2026, 3, 3)),
        Bucket(date(2026, 3, 4), date(2026, 3, 4)),
    )


@pytest.mark.parametrize(
    ("week_start", "expected"),
    [
        (
            0,  # Monday, as in Germany
            [
                ("2026-03-04", "2026-03-08"),
                ("2026-03-09", "2026-03-15"),
                ("2026-03-16", "2026-03-17"),
            ],
        ),
        (
            6,  # Sunday, as in the United States
            [
                ("2026-03-04", "2026-03-07"),
                ("2026-03-08", "2026-03-14"),
                ("2026-03-15", "2026-03-17"),
            ],
        ),
    ],
    ids=["monday", "sunday"],
)
def test_weeks_begin_on_the_locale_s_first_day_and_are_cut_at_the_range(
    week_start: int, expected: list[tuple[str, str]]
) -> None:
    spans = buckets(date(2026, 3, 4), date(2026, 3, 17), Period.WEEK, week_start)
    assert [(b.first.isoformat(), b.last.isoformat()) for b in spans] == expected


@pytest.mark.parametrize(
    ("length", "period"),
    [(1, Period.DAY), (7, Period.DAY), (31, Period.DAY), (32, Period.WEEK), (366, Period.WEEK)],
)
def test_automatic_grouping_shows_days_up_to_a_month(length: int, period: Period) -> None:
    assert default_period(MONDAY, MONDAY + timedelta(days=length - 1)) is period


# What counts where -----------------------------------------------------------------------------


def test_confirmed_bookings_count_with_their_kept_price_cancellations_without() -> None:
    spans = days(MONDAY, MONDAY + timedelta(days=1))
    summary = summarise(
        [
            sale(at(2)),
            sale(at(2, 11), cents=None),  # unpriced: a booking with no revenue
            sale(at(2, 13), CANCELLED),
            sale(at(3), channel=Channel.ADMIN, service_id=2, cents=6000),
            sale(at(3, 11), HOLD, cents=9999),  # a live or lapsed hold: neither
            sale(at(3, 12), EXPIRED, cents=9999),  # an expired hold: neither
            sale(at(3, 13), CANCELLED, was_confirmed=False),  # a hold let go: neither
        ],
        spans,
        BERLIN,
    )
    monday, tuesday = (line.figures for line in summary.by_bucket)
    assert monday == Figures(2, 1, (Amount("EUR", 3500),))
    assert tuesday == Figures(1, 0, (Amount("EUR", 6000),))
    assert summary.total == Figures(3, 1, (Amount("EUR", 9500),))
    assert [(s.service_id, s.figures.bookings) for s in summary.by_service] == [(1, 2), (2, 1)]
    assert {c.channel: c.figures for c in summary.by_channel} == {
        Channel.WEB: Figures(2, 1, (Amount("EUR", 3500),)),
        Channel.ADMIN: Figures(1, 0, (Amount("EUR", 6000),)),
        Channel.PARTNER: Figures(),  # every channel is listed, even with nothing
    }


def test_revenue_is_kept_per_currency() -> None:
    summary = summarise(
        [sale(at(2)), sale(at(2, 11), currency="CHF", cents=5000), sale(at(2, 13))],
        days(MONDAY, MONDAY),
        BERLIN,
    )
    assert summary.total.revenue == (Amount("CHF", 5000), Amount("EUR", 7000))
    assert summary.currencies == ("CHF", "EUR")
    assert summary.total.cents_in("EUR") == 7000 and summary.total.cents_in("USD") == 0
    assert chart_currency(summary, "EUR") == "EUR"
    assert chart_currency(summary, "USD") == "EUR"  # none in the venue's: the largest


def test_bookings_outside_the_range_are_left_out() -> None:
    summary = summarise(
        # 23:30Z on 1 March is 00:30 on the 2nd in Berlin; 23:00Z on the 2nd is the 3rd.
        [sale(at(1, 22, 59)), sale(at(1, 23, 30)), sale(at(2, 23))],
        days(MONDAY, MONDAY),
        BERLIN,
    )
    assert summary.total.bookings == 1


def test_linked_daily_bookings_count_once_and_each_day_brings_its_price() -> None:
    rental = [sale(at(d), group_id="g", cents=2000, service_id=7) for d in (4, 2, 3)]
    summary = summarise(rental, days(MONDAY, MONDAY + timedelta(days=2)), BERLIN)
    assert [line.figures for line in summary.by_bucket] == [
        Figures(1, 0, (Amount("EUR", 2000),)),
        Figures(0, 0, (Amount("EUR", 2000),)),
        Figures(0, 0, (Amount("EUR", 2000),)),
    ]
    assert summary.total == Figures(1, 0, (Amount("EUR", 6000),))
    assert summary.by_service[0].figures.bookings == 1
    # Starting inside the range: its first day there counts.
    later = summarise(rental, days(MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)), BERLIN)
    assert [line.figures.bookings for line in later.by_bucket] == [1, 0]


def test_services_are_listed_busiest_first() -> None:
    summary = summarise(
        [sale(at(2), service_id=3), sale(at(2, 11), service_id=5), sale(at(2, 12), service_id=5)],
        days(MONDAY, MONDAY),
        BERLIN,
    )
    assert [s.service_id for s in summary.by_service] == [5, 3]


# Days across a clock change -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "local_day"),
    [
        # Sunday 29 March 2026, 02:00 → 03:00: Monday 00:30 CEST is 22:30Z on Sunday.
        (datetime(2026, 3, 29, 22, 30, tzinfo=UTC), date(2026, 3, 30)),
        # 23:30Z on Sunday is 01:30 CEST Monday; 21:30Z still 23:30 on Sunday.
        (datetime(2026, 3, 29, 21, 30, tzinfo=UTC), date(2026, 3, 29)),
        # Sunday 25 October 2026, 03:00 → 02:00: Monday 00:30 CET is 23:30Z on Sunday.
        (datetime(2026, 10, 25, 23, 30, tzinfo=UTC), date(2026, 10, 26)),
        (datetime(2026, 10, 25, 22, 30, tzinfo=UTC), date(2026, 10, 25)),
    ],
    ids=[
        "spring-monday-00:30",
        "spring-sunday-23:30",
        "autumn-monday-00:30",
        "autumn-sunday-23:30",
    ],
)
def test_a_booking_counts_on_its_local_day_across_a_clock_change(
    start: datetime, local_day: date
) -> None:
    first, last = local_day - timedelta(days=3), local_day + timedelta(days=3)
    summary = summarise([sale(start)], days(first, last), BERLIN)
    counted = [line.bucket.first for line in summary.by_bucket if line.figures.bookings]
    assert counted == [local_day]
    weekly = summarise([sale(start)], buckets(first, last, Period.WEEK, 0), BERLIN)
    (week,) = [line.bucket for line in weekly.by_bucket if line.figures.bookings]
    assert week.first <= local_day <= week.last and week.first.weekday() in (0, first.weekday())


# Chart geometry --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("maximum", "whole", "ticks"),
    [
        (0, True, (0, 1)),
        (1, True, (0, 1)),
        (3, True, (0, 1, 2, 3)),
        (4, True, (0, 1, 2, 3, 4)),
        (9, True, (0, 3, 6, 9)),
        (13, True, (0, 5, 10, 15)),
        (48, True, (0, 20, 40, 60)),
        (315, False, (0, 100, 200, 300, 400)),
        (1250, False, (0, 500, 1000, 1500)),
        (0.35, False, (0, 0.1, 0.2, 0.3, 0.4)),
    ],
)
def test_nice_ticks(maximum: float, whole: bool, ticks: tuple[float, ...]) -> None:
    assert nice_ticks(maximum, whole=whole) == pytest.approx(ticks)
    assert len(nice_ticks(maximum, whole=whole)) <= 5


def test_columns_stack_their_segments_in_proportion() -> None:
    chart = column_chart(
        [(("booked", 2), ("cancelled", 1)), (("booked", 4), ("cancelled", 0)), ()],
        ["a", "b", "c"],
        ["Mon", None, "Wed"],
        str,
        whole=True,
    )
    first, second, third = chart.columns
    assert [s.series for s in first.segments] == ["booked", "cancelled"]
    booked, cancelled = first.segments
    assert booked.height == pytest.approx(2 * cancelled.height)
    assert booked.y + booked.height == pytest.approx(chart.baseline)  # bottom up
    assert cancelled.y + cancelled.height == pytest.approx(booked.y)
    (tallest,) = second.segments
    assert tallest.y == pytest.approx(chart.gridlines[-1].y)  # 4 reaches the top tick
    assert third.segments == ()
    assert [c.label for c in chart.columns] == ["Mon", None, "Wed"]
    # Each column in its own third of the width; the outer labels anchored inside.
    assert 0 < first.x < 100 / 3 < second.x < 200 / 3 < third.x < third.x + third.width < 100
    assert (first.label_anchor, second.label_anchor, third.label_anchor) == (
        "middle",
        "middle",
        "middle",
    )
    many = column_chart([(("booked", 1),)] * 28, ["t"] * 28, ["x"] * 28, str, whole=True)
    assert many.columns[0].label_anchor == "start" and many.columns[-1].label_anchor == "end"
    assert [g.label for g in chart.gridlines] == ["0", "1", "2", "3", "4"]


def test_labels_under_the_days_that_begin_a_week_few_enough_for_a_phone() -> None:
    month = days(MONDAY, MONDAY + timedelta(days=27))
    assert labelled(month, Period.DAY, 0) == {0, 7, 14, 21}
    assert labelled(month, Period.DAY, 6) == {6, 13, 20, 27}
    assert labelled(month[:7], Period.DAY, 0) == set(range(7))
    quarter = days(MONDAY, MONDAY + timedelta(days=91))
    assert len(labelled(quarter, Period.DAY, 0)) <= 6
    year = buckets(date(2026, 1, 1), date(2026, 12, 31), Period.WEEK, 0)
    shown = labelled(year, Period.WEEK, 0)
    assert 0 in shown and len(shown) <= 6


def test_bar_shares_are_of_the_largest_row_or_of_a_given_whole() -> None:
    assert [
        [(s.series, s.x, s.width) for s in row]
        for row in bar_shares(
            [(("booked", 3), ("cancelled", 1)), (("booked", 2), ("cancelled", 0))]
        )
    ] == [[("booked", 0, 75), ("cancelled", 75, 25)], [("booked", 0, 50)]]
    assert bar_shares([(("used", 0.25),)], largest=1)[0][0].width == 25
    assert bar_shares([(("used", 0),)]) == [()]
