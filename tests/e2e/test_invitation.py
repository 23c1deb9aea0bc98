"""An invitation in a real Chromium: an owner invites a colleague as front desk on the
People page; the colleague, on a phone, follows the link the real SMTP server received,
chooses a name and a password, lands at the venue with the front desk's pages only, and
logs in again with that password; the used link is refused. axe on each page."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask import url_for
from playwright.sync_api import Browser, Page, expect

from bookingsite import login_links
from bookingsite.accounts import create_manager
from bookingsite.extensions import db
from bookingsite.models import LoginLinkPurpose
from tests.e2e.conftest import AXE, SCREENSHOTS
from tests.factories import make_venue
from tests.smtp import Inbox

pytestmark = pytest.mark.e2e

OWNER, OWNER_PASSWORD = "owner@example.com", "the owner's password"
INVITED, PASSWORD = "desk@example.com", "a desk password, long"


@pytest.fixture
def app_settings(app_settings: dict, inbox: Inbox) -> dict:
    return app_settings | {"MAIL_HOST": inbox.host, "MAIL_PORT": inbox.port}


def path(app, endpoint: str, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def log_in(page: Page, live_server, email: str, password: str) -> None:
    page.goto(live_server.url + path(live_server.app, "admin.login"))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_an_owner_invites_a_front_desk_colleague(
    page: Page, live_server, inbox: Inbox, screenshot, axe_violations
):
    venue = make_venue(slug="lumen", name="Lumen Studios")
    create_manager(OWNER, OWNER_PASSWORD, [venue])

    log_in(page, live_server, OWNER, OWNER_PASSWORD)
    page.goto(live_server.url + path(live_server.app, "admin.people", venue_id=venue.id))
    invite = page.get_by_role("region", name="Invite someone")
    invite.get_by_label("E-mail address").fill(INVITED)
    invite.get_by_role("radio", name="Front desk").check()
    invite.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text(f"An invitation is on its way to {INVITED}.")).to_be_visible()
    expect(page.get_by_role("heading", name="Invitations not yet taken up")).to_be_visible()
    assert axe_violations() == []
    screenshot("people-invitation-sent")

    inbox.wait_for(1)
    (message,) = inbox.to(INVITED)
    assert message["Subject"] == "Join Lumen Studios on the booking site"
    text = message.get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/invitations/\S+", text).group(0)
    assert link.startswith(live_server.url)

    # The colleague, on a phone (the owner logs out of this browser first).
    page.get_by_role("button", name="Log out").click()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(link)
    expect(page.get_by_role("heading", name="Join Lumen Studios")).to_be_visible()
    expect(page.get_by_text("You are invited as Front desk")).to_be_visible()
    page.get_by_label("Your name").fill("Dana")
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password again").fill(PASSWORD)
    assert axe_violations() == []
    screenshot("invitation-accept-phone")
    page.get_by_role("button", name="Accept the invitation").click()
    expect(page.get_by_text("Welcome to Lumen Studios.")).to_be_visible()
    screenshot("invitation-front-desk-home-phone")
    # Front desk: the timeline and bookings, nothing else.
    expect(page.get_by_role("link", name="Timeline").first).to_be_visible()
    expect(page.get_by_role("link", name="Resources")).to_have_count(0)
    expect(page.get_by_role("link", name="People")).to_have_count(0)
    expect(page.get_by_role("link", name="Reports")).to_have_count(0)

    # Again, with the password chosen; the link is spent.
    page.get_by_role("button", name="Log out").click()
    log_in(page, live_server, INVITED, PASSWORD)
    expect(page.get_by_role("heading", name="Your venues")).to_be_visible()
    assert page.goto(link).status == 410
    expect(page.get_by_role("heading", name="This invitation does not work")).to_be_visible()
    assert axe_violations() == []


@pytest.mark.parametrize("locale", ["fr-FR", "de-DE"])
def test_the_invitation_and_people_pages_in_each_language_on_a_phone(
    browser: Browser, live_server, locale: str
):
    """In the visitor's language, on a phone in New York, for a Berlin venue served from
    a UTC machine: the invitation page and the owner's People page read whole, axe finds
    nothing serious, and the invitation's expiry is in the venue's zone."""
    venue = make_venue(slug="lumen", name="Lumen Studios")  # Europe/Berlin
    create_manager(OWNER, OWNER_PASSWORD, [venue])
    token = login_links.issue(
        LoginLinkPurpose.INVITE,
        email=INVITED,
        now=datetime(2026, 3, 1, tzinfo=UTC),
        venue_id=venue.id,
        role="front_desk",
    )
    db.session.commit()
    context = browser.new_context(
        locale=locale,
        timezone_id="America/New_York",
        viewport={"width": 390, "height": 844},
    )
    # Served as if from the site: the pages' CSP refuses inline scripts.
    source = AXE.read_text()
    context.route(
        f"**/{AXE.name}", lambda route: route.fulfill(body=source, content_type="text/javascript")
    )
    page = context.new_page()
    language = locale[:2]
    try:
        page.goto(live_server.url + path(live_server.app, "admin.invitation", token=token))
        expect(page.locator("html")).to_have_attribute("lang", language)
        expect(page.get_by_role("heading", name=re.compile("Lumen Studios"))).to_be_visible()
        expect(page.get_by_text("You are invited")).to_have_count(0)  # translated
        assert _serious(page) == []
        page.screenshot(path=str(SCREENSHOTS / f"invitation-{language}-phone.png"), full_page=True)

        page.goto(live_server.url + path(live_server.app, "admin.login"))
        page.locator("input[name=email]").fill(OWNER)  # the labels are translated
        page.locator("input[name=password]").fill(OWNER_PASSWORD)
        page.locator("form button[type=submit]").last.click()
        page.goto(live_server.url + path(live_server.app, "admin.people", venue_id=venue.id))
        # Expires 7 days after 2026-03-01 00:00 UTC: 01:00 on 8 March in Berlin.
        expect(page.locator("ul.invitations li")).to_contain_text("01:00")
        assert _serious(page) == []
        page.screenshot(path=str(SCREENSHOTS / f"people-{language}-phone.png"), full_page=True)
    finally:
        context.close()


def _serious(page: Page) -> list[dict]:
    page.add_script_tag(url=f"/{AXE.name}")
    result = page.evaluate("async () => await axe.run(document)")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
