""" "Find my booking": one e-mail field that sends the address its upcoming bookings'
links, answering the same for every well-formed address (the page never tells who has
booked), refusing malformed ones inline, and limited per client and per address."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import g

from bookingsite.extensions import db
from bookingsite.models import Message, MessageKind
from tests.functional.public.test_manage import book
from tests.functional.public.test_pages import ROOMS, csrf_of, fresh_visitor
from tests.redis_storage import LimitStorage
from tests.smtp import Inbox

pytestmark = pytest.mark.usefixtures("demo_venues")

FIND = "/bookings/find"
SENT = "If there are upcoming bookings under this address, we have sent their links to it."


def ask(client, email: str, **headers):
    page = client.get(FIND).get_data(as_text=True)
    return client.post(FIND, data={"csrf_token": csrf_of(page), "email": email}, headers=headers)


def lists_sent() -> int:
    kind = MessageKind.BOOKINGS_LIST
    return db.session.scalar(sa.select(sa.func.count(Message.id)).where(Message.kind == kind))


def without_tokens(html: str) -> str:
    """The page with its CSRF token (signed with the time, so it may change) taken out."""
    token = csrf_of(html)
    return html.replace(token, "TOKEN")


class TestAnswers:
    @pytest.fixture
    def app_settings(self, app_settings: dict, inbox: Inbox) -> dict:
        return app_settings | {"MAIL_HOST": inbox.host, "MAIL_PORT": inbox.port}

    @pytest.mark.usefixtures("backend")
    def test_known_and_unknown_addresses_get_the_same_answer(self, app, client, inbox):
        token = book(client, ROOMS, start="2026-03-02T09:00:00Z", resource=1)
        g.pop("csrf_token", None)
        visitor = fresh_visitor(app)
        known = ask(visitor, "Ada@Example.com ")
        unknown = ask(visitor, "nobody@example.com")
        assert known.status_code == unknown.status_code == 200
        assert SENT in known.get_data(as_text=True)
        assert without_tokens(known.get_data(as_text=True)) == without_tokens(
            unknown.get_data(as_text=True)
        )
        assert "ada@example.com" not in known.get_data(as_text=True).lower()
        assert lists_sent() == 1  # for the known address only
        # Jobs run at once in tests: the message went out before the answer.
        (listing,) = [m for m in inbox.to("ada@example.com") if "upcoming" in m["Subject"]]
        assert f"/bookings/{token}" in listing.get_body(("plain",)).get_content()
        assert not inbox.to("nobody@example.com")

    def test_a_malformed_address_is_refused_inline(self, client):
        for email in ("", "not-an-address", "a@", "x" * 300 + "@example.com"):
            refused = ask(client, email)
            assert refused.status_code == 422
            page = refused.get_data(as_text=True)
            assert 'aria-invalid="true"' in page and SENT not in page
        assert lists_sent() == 0


def test_the_page_is_linked_from_every_page_and_the_home_page(client):
    home = client.get("/").get_data(as_text=True)
    assert home.count(f'href="{FIND}"') == 2  # the footer and the home page's own link
    assert f'href="{FIND}"' in client.get("/venues/lumiere-spa").get_data(as_text=True)
    page = client.get(FIND)
    assert page.status_code == 200
    assert 'type="email"' in page.get_data(as_text=True)


class TestLimits:
    PER_CLIENT, PER_ADDRESS = 4, 2

    @pytest.fixture
    def app_settings(self, app_settings: dict, storage: LimitStorage) -> dict:
        return (
            app_settings
            | storage.settings
            | {
                "RATELIMIT_ENABLED": True,
                "FIND_BOOKING_RATE_LIMIT": f"{self.PER_CLIENT} per 15 minutes",
                "FIND_BOOKING_EMAIL_RATE_LIMIT": f"{self.PER_ADDRESS} per hour",
                "TRUSTED_PROXIES": 1,
            }
        )

    def test_one_client_is_limited_with_a_friendly_page(self, client, storage):
        for n in range(self.PER_CLIENT):
            sent = ask(client, f"someone{n}@example.com", **{"X-Forwarded-For": "203.0.113.1"})
            assert sent.status_code == 200
        refused = ask(client, "more@example.com", **{"X-Forwarded-For": "203.0.113.1"})
        assert refused.status_code == 429
        page = refused.get_data(as_text=True)
        assert "Too many requests. Please wait a few minutes" in page and SENT not in page
        assert 'name="email"' in page
        assert int(refused.headers["Retry-After"]) > 0
        # Another client is not affected, and the page itself is never limited.
        assert client.get(FIND).status_code == 200
        other = ask(client, "more@example.com", **{"X-Forwarded-For": "198.51.100.7"})
        assert other.status_code == 200

    def test_one_address_is_limited_from_any_number_of_clients(self, client, storage):
        for n in range(self.PER_ADDRESS):
            asked = ask(client, "ada@example.com", **{"X-Forwarded-For": f"203.0.113.{n}"})
            assert asked.status_code == 200
        refused = ask(client, " ADA@example.com", **{"X-Forwarded-For": "198.51.100.9"})
        assert refused.status_code == 429
        if storage.is_shared:  # the address is hashed, never stored
            assert not any("ada@example.com" in key for key in storage.stored_keys())
        assert (
            ask(client, "bob@example.com", **{"X-Forwarded-For": "198.51.100.9"}).status_code == 200
        )
