"""The venue's API keys in Chromium, desktop and phone: the list (a table on a desktop,
cards on a phone, never wider than the screen), creating a key that is shown once with a
working copy button, and a key shared with another venue, whose whole-key actions are
disabled with the reason; a key of this venue alone: a refused rate limit said inline,
then rotated after a confirmation. Screenshots: keys-list-, key-shown-, key-shared-,
key-detail-, key-rotate-<width>.png."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from bookingsite.accounts import EVERY_SCOPE, create_manager, create_partner, record_key_use
from bookingsite.models import Scope
from tests.e2e.conftest import NOW
from tests.e2e.test_admin import PASSWORD, log_in, path
from tests.factories import make_venue

pytestmark = pytest.mark.e2e


def assert_fits(page: Page, width: int) -> None:
    """No sideways scrolling of the page itself."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_manager_lists_creates_and_copies_a_key(
    page: Page, live_server, app, screenshot, axe_violations, width, height
):
    page.set_viewport_size({"width": width, "height": height})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    venue = make_venue(slug="court-club", name="Court Club", timezone="Europe/Berlin")
    other = make_venue(slug="harbour", name="Harbour Studios", timezone="Europe/London")
    create_manager("boss@example.com", PASSWORD, [venue])
    used, _key = create_partner("Channel manager", [venue], scopes=EVERY_SCOPE, now=NOW)
    record_key_use(used, NOW + timedelta(hours=30))
    shared, _key = create_partner(
        "Regional tourism board booking widget", [venue, other], scopes={Scope.READ}, now=NOW
    )
    shared.rate_limit = "600/minute"
    revoked, _key = create_partner("Old integration", [venue], now=NOW - timedelta(days=40))
    revoked.active = False
    from bookingsite.extensions import db

    db.session.commit()
    shared_id, used_id = shared.id, used.id
    at = lambda endpoint, **v: live_server.url + path(app, endpoint, venue_id=venue.id, **v)  # noqa: E731

    log_in(page, live_server, "boss@example.com")
    page.goto(at("admin.venue_home"))
    page.get_by_role("navigation").get_by_role("link", name="API keys").click()
    expect(page.get_by_role("heading", name="API keys", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Regional tourism board booking widget")).to_be_visible()
    expect(page.get_by_text("never").first).to_be_visible()
    assert axe_violations() == []
    assert_fits(page, width)
    screenshot(f"keys-list-{width}")

    # Create a key that may read and book, with its own rate limit.
    page.get_by_label("Name", exact=True).fill("Hotel front desk app")
    expect(page.get_by_label("Book", exact=True)).to_be_checked()
    expect(page.get_by_label("Read", exact=True)).to_be_disabled()
    page.get_by_label("Rate limit (optional)").fill("per minute")
    page.get_by_role("button", name="Create the key").click()
    expect(page.get_by_text("Write a limit as a number of requests per period")).to_be_visible()
    page.get_by_label("Rate limit (optional)").fill("300/minute")
    page.get_by_role("button", name="Create the key").click()

    expect(
        page.get_by_role("heading", name="Copy it now: it will not be shown again")
    ).to_be_visible()
    key = page.locator("#new-key").inner_text().strip()
    assert key.startswith("bk_") and len(key) == 35
    page.get_by_role("button", name="Copy the key").click()
    expect(page.get_by_role("status").filter(has_text="Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == key
    assert axe_violations() == []
    assert_fits(page, width)
    screenshot(f"key-shown-{width}")

    # Back on the list, the key is known by its prefix only.
    page.get_by_role("link", name="Done: back to the API keys").click()
    expect(page.get_by_role("link", name="Hotel front desk app")).to_be_visible()
    expect(page.get_by_text("300/minute")).to_be_visible()
    assert key not in page.content()

    # A key that also reaches a venue this manager does not manage.
    page.goto(at("admin.key_detail", partner_id=shared_id))
    expect(page.get_by_role("button", name="Rotate the key…")).to_be_disabled()
    expect(page.get_by_role("button", name="Revoke the key…")).to_be_disabled()
    expect(page.locator("#whole-refusal")).to_contain_text("1 venue that you do not manage")
    expect(page.get_by_label("Manage", exact=True)).to_be_disabled()
    assert axe_violations() == []
    assert_fits(page, width)
    screenshot(f"key-shared-{width}")

    # A key of this venue alone: every action is open; a bad rate limit is said inline.
    page.goto(at("admin.key_detail", partner_id=used_id))
    page.get_by_label("Rate limit (optional)").fill("fast")
    page.get_by_role("button", name="Save the rate limit").click()
    limit = page.get_by_label("Rate limit (optional)")
    expect(limit).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#rate_limit-error")).to_contain_text("for example 600/minute")
    assert axe_violations() == []
    assert_fits(page, width)
    screenshot(f"key-detail-{width}")

    page.get_by_role("link", name="Rotate the key…").click()
    expect(page.get_by_role("heading", name="Rotate the key of “Channel manager”?")).to_be_visible()
    assert axe_violations() == []
    screenshot(f"key-rotate-{width}")
    page.get_by_role("button", name="Rotate the key").click()
    expect(page.get_by_text("has a new key and the old one no longer works")).to_be_visible()
    assert page.locator("#new-key").inner_text().strip() != key
