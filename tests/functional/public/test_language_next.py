"""The language switch returns to the page it came from, and never off the site: the
shared `same_site_path` table of hostile values, through POST /language."""

from __future__ import annotations

import re

import pytest
from werkzeug.urls import iri_to_uri

from tests.unit.test_safe_redirect import HOSTILE, SAME_SITE


@pytest.fixture
def switch_language(client):
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True))

    def post(next_value: str | None):
        fields = {"csrf_token": token.group(1), "lang": "de"}
        if next_value is not None:
            fields["next"] = next_value
        return client.post("/language", data=fields)

    return post


@pytest.mark.parametrize("next_value", HOSTILE)
def test_switching_language_never_leaves_the_site(switch_language, next_value):
    response = switch_language(next_value)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(("next_value", "expected"), SAME_SITE)
def test_switching_language_returns_to_the_page(switch_language, next_value, expected):
    response = switch_language(next_value)
    assert response.status_code == 302
    # Werkzeug sends the Location URI-encoded.
    assert response.headers["Location"] == iri_to_uri(expected)
