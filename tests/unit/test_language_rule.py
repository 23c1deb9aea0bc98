"""The language rule every page follows: the visitor's choice, else the browser's
Accept-Language among the site's languages, else the venue's default, else the site's."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from bookingsite.i18n import negotiate_language

LANGUAGES = ("en", "fr", "de")


@pytest.mark.parametrize(
    ("chosen", "header", "venue", "expected"),
    [
        ("fr", "de", "de", "fr"),
        ("xx", "de", "fr", "de"),
        (None, "de-CH, fr;q=0.8", "en", "de"),
        (None, "fr-CA", "de", "fr"),
        (None, "es, en-GB;q=0.3", "de", "en"),
        (None, "es", "de", "de"),
        (None, "", "de", "de"),
        (None, "*", "fr", "fr"),
        (None, "de;q=0", "fr", "fr"),
        (None, "", None, "en"),
        (None, "", "es", "en"),
        (None, "*", None, "en"),
    ],
    ids=[
        "choice",
        "unknown-choice-ignored",
        "browser-region",
        "browser-region-only",
        "browser-second-choice",
        "browser-unspoken-venue",
        "nothing-stated-venue",
        "wildcard-venue",
        "refused-venue",
        "nothing-site",
        "venue-unspoken-site",
        "wildcard-site",
    ],
)
def test_negotiation(chosen, header, venue, expected):
    accepted = parse_accept_header(header, LanguageAccept)
    assert negotiate_language(chosen, accepted, LANGUAGES, venue, "en") == expected
