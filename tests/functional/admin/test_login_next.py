"""The login form follows `next` only to a path on this site, through the shared
`same_site_path` table of hostile values."""

from __future__ import annotations

import pytest
from werkzeug.urls import iri_to_uri

from tests.functional.admin.conftest import PASSWORD, log_in, url
from tests.unit.test_safe_redirect import HOSTILE, SAME_SITE


def log_in_with_next(client, email: str, next_value: str | None):
    query = {} if next_value is None else {"next": next_value}
    return client.post(
        url("admin.login"), query_string=query, data={"email": email, "password": PASSWORD}
    )


@pytest.mark.parametrize("next_value", HOSTILE)
def test_logging_in_never_leaves_the_site(client, world, next_value):
    response = log_in_with_next(client, world.manager.email, next_value)
    assert response.status_code == 302
    assert response.headers["Location"] == url("admin.index")


@pytest.mark.parametrize(("next_value", "expected"), SAME_SITE)
def test_logging_in_goes_on_to_a_page_of_this_site(client, world, next_value, expected):
    response = log_in_with_next(client, world.manager.email, next_value)
    assert response.status_code == 302
    # Werkzeug sends the Location URI-encoded.
    assert response.headers["Location"] == iri_to_uri(expected)


@pytest.mark.parametrize(
    "raw_query",
    [
        "next=/%09/evil.example",
        "next=/%5Cevil.example",
        "next=%2F%2Fevil.example",
        "next=/%252F%252Fevil.example",
    ],
    ids=["tab", "backslash", "encoded-slashes", "double-encoded-slashes"],
)
def test_a_logged_in_manager_is_sent_on_only_within_the_site(client, world, raw_query):
    log_in(client, world.manager.email)
    response = client.get(url("admin.login") + "?" + raw_query)
    assert response.status_code == 302
    assert response.headers["Location"] == url("admin.index")
