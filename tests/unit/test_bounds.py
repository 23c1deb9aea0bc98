"""The site's bounds: the id pattern every route's `<int:...>` uses, and the years."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from bookingsite.bounds import (
    LAST_DAY,
    MAX_ID,
    clamp_day,
    in_supported_years,
    numbers_up_to,
    supported_utc,
)


@pytest.mark.parametrize("limit", [1, 7, 9, 10, 19, 20, 100, 205, 1000, 3099])
def test_the_pattern_matches_exactly_one_to_the_limit(limit: int) -> None:
    pattern = re.compile(numbers_up_to(limit))
    assert [n for n in range(5000) if pattern.fullmatch(str(n))] == list(range(1, limit + 1))


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ("1", True),
        ("2147483647", True),
        ("2147483639", True),
        ("1999999999", True),
        ("2147483648", False),
        ("2147483650", False),
        ("9999999999", False),
        ("0", False),
        ("007", False),
        ("-1", False),
        (str(2**63), False),
        (str(10**30), False),
    ],
    ids=str,
)
def test_the_id_pattern_stops_at_max_id(text: str, matches: bool) -> None:
    assert bool(re.fullmatch(numbers_up_to(MAX_ID), text)) is matches


def test_an_instant_is_bounded_in_utc_not_in_its_own_offset() -> None:
    edge = datetime(LAST_DAY.year, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-2)))
    with pytest.raises(ValueError):
        supported_utc(edge)  # 1 January of the year after, in UTC
    with pytest.raises(ValueError):
        supported_utc(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))))
    assert supported_utc(datetime(2026, 3, 1, 1, tzinfo=timezone(timedelta(hours=1)))) == (
        datetime(2026, 3, 1, tzinfo=UTC)
    )


def test_dates_clamp_to_the_nearest_supported_one() -> None:
    assert clamp_day(date(9999, 12, 31)) == LAST_DAY
    assert in_supported_years(clamp_day(date(1, 1, 1)))
    assert clamp_day(date(2026, 3, 1)) == date(2026, 3, 1)
