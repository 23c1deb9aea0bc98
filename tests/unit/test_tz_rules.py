"""The project follows the time-zone rules it ships (the `tzdata` package), not the
host's copy: on dates where the two disagree, our answer is the package's."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import tzdata

import bookingsite

# Morocco leaves its +01 for good on 20 September 2026 in tzdata 2026f; a 2025 copy of
# the database still has it at +01 (after the Ramadan months) ever after.
AFTER_THE_CHANGE = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
BEFORE_THE_CHANGE = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
HOST_COPY = Path("/usr/share/zoneinfo/Africa/Casablanca")


def offset(zone: zoneinfo.ZoneInfo, at: datetime) -> timedelta:
    return at.astimezone(zone).utcoffset()


def test_the_package_rules_are_the_ones_in_use():
    assert zoneinfo.TZPATH == ()
    assert bookingsite.TZ_RULES_VERSION == tzdata.IANA_VERSION


@pytest.mark.parametrize(
    ("at", "expected"),
    [(BEFORE_THE_CHANGE, timedelta(hours=1)), (AFTER_THE_CHANGE, timedelta(0))],
    ids=["september-at-plus-one", "october-at-utc"],
)
def test_casablanca_follows_the_shipped_rules(at, expected):
    assert offset(ZoneInfo("Africa/Casablanca"), at) == expected


def test_the_host_copy_would_have_answered_otherwise():
    """Not a check of our code but of the premise: the host's file disagrees on that
    date, so the test above tells which copy is read."""
    if not HOST_COPY.exists():
        pytest.skip("no system time-zone database on this host")
    with HOST_COPY.open("rb") as file:
        host = ZoneInfo.from_file(file, key="Africa/Casablanca")
    if offset(host, AFTER_THE_CHANGE) == timedelta(0):
        pytest.skip("this host's time-zone database already has the 2026 Moroccan rules")
    assert offset(host, AFTER_THE_CHANGE) == timedelta(hours=1)
    assert offset(host, AFTER_THE_CHANGE) != offset(ZoneInfo("Africa/Casablanca"), AFTER_THE_CHANGE)
