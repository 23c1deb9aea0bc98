"""A booking made in Chromium, as a French-speaking visitor in New York on a phone books a
massage in Paris: exactly one confirmation reaches the real SMTP server, in French, and
its calendar invitation starts at the slot that was clicked; cancelling from the manage
link cancels that same calendar event."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from tests.smtp import Inbox

CLICKED = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # 10:00 in Paris


@pytest.fixture
def app_settings(app_settings: dict, inbox: Inbox) -> dict:
    return app_settings | {"MAIL_HOST": inbox.host, "MAIL_PORT": inbox.port}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "locale": "fr-FR",
        "timezone_id": "America/New_York",
        "viewport": {"width": 390, "height": 844},
    }


def event_of(message):
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(part.get_content())
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_the_confirmation_e_mail_matches_the_slot_clicked(
    site, page: Page, inbox: Inbox, screenshot
) -> None:
    page.goto(f"{site.url}/venues/lumiere-spa/swedish-massage?date=2026-03-03&view=day&lang=fr")
    page.locator(f"button.slot[value='{CLICKED:%Y-%m-%dT%H:%M:%SZ}']").first.click()
    page.locator("input[name=name]").fill("Ada Lovelace")
    page.locator("input[name=email]").fill("ada@example.com")
    page.get_by_role("button", name="Confirmer la réservation").click()
    expect(page.get_by_role("heading", name=re.compile("BK-"))).to_be_visible()
    screenshot("confirmation-fr-phone")

    (confirmation,) = inbox.to("ada@example.com")
    assert confirmation["Content-Language"] == "fr"
    assert confirmation["Subject"].startswith("Réservation confirmée")
    text = confirmation.get_body(("plain",)).get_content()
    assert "10:00" in text and "Europe/Paris" in text
    calendar, event = event_of(confirmation)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert event.decoded("DTSTART") == CLICKED

    manage = re.search(r"https?://\S+/bookings/\S+", text).group(0)
    page.goto(manage)
    page.locator("a[href$='/cancel']").click()
    screenshot("cancel-confirm-fr-phone")
    page.locator("form[action$='/cancel'] button[type=submit]").click()
    expect(page.locator(".flash, [role=status]").first).to_be_visible()
    cancelled = inbox.to("ada@example.com")[-1]
    calendar, cancelled_event = event_of(cancelled)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert cancelled_event["UID"] == event["UID"]
    assert int(cancelled_event["SEQUENCE"]) == int(event["SEQUENCE"]) + 1
    assert len(inbox.to("ada@example.com")) == 2
