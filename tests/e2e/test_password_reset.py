"""A forgotten password in a real Chromium, on a phone: ask for a link, read the e-mail
the real SMTP server received, follow the link, choose a password, log in with it; the
used link and an expired one are refused. axe finds nothing serious on the new pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import url_for
from playwright.sync_api import Page, expect

from bookingsite.accounts import create_manager
from bookingsite.clock import FrozenClock
from tests.factories import make_venue
from tests.smtp import Inbox

pytestmark = pytest.mark.e2e

EMAIL = "ines@example.com"
NEW_PASSWORD = "a new and long password"


@pytest.fixture
def app_settings(app_settings: dict, inbox: Inbox) -> dict:
    return app_settings | {"MAIL_HOST": inbox.host, "MAIL_PORT": inbox.port}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 390, "height": 844}}


def path(app, endpoint: str, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def ask_for_a_link(page: Page, live_server) -> None:
    page.goto(live_server.url + path(live_server.app, "admin.login"))
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("status")).to_contain_text("we have sent it a link")


def link_in(inbox: Inbox, count: int) -> str:
    inbox.wait_for(count)
    message = inbox.to(EMAIL)[count - 1]
    assert message["Subject"] == "Choose a new password"
    text = message.get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/password/reset/\S+", text).group(0)
    assert link in message.get_body(("html",)).get_content()
    return link


def test_a_manager_resets_a_forgotten_password_by_e_mail(
    page: Page, live_server, app, inbox: Inbox, clock: FrozenClock, screenshot, axe_violations
):
    venue = make_venue(slug="lumen", name="Lumen Studios")
    create_manager(EMAIL, "the password I forgot", [venue])

    ask_for_a_link(page, live_server)
    assert axe_violations() == []
    screenshot("password-forgot-sent-phone")

    link = link_in(inbox, 1)
    assert link.startswith(live_server.url)
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill("not the same one")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_text("The two passwords are not the same.")).to_be_visible()
    assert axe_violations() == []
    screenshot("password-reset-mismatch-phone")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    expect(page.get_by_role("heading", name="Your venues")).to_be_visible()
    expect(page.get_by_text("Your new password is set")).to_be_visible()

    # Log out, and in again with the new password.
    page.get_by_role("button", name="Log out").click()
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your venues")).to_be_visible()

    # The link is spent.
    response = page.goto(link)
    assert response.status == 410
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    assert axe_violations() == []
    screenshot("password-link-used-phone")
    page.get_by_role("link", name="Ask for a new link").click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()

    # A new link, followed too late.
    page.get_by_role("button", name="Log out").click()
    ask_for_a_link(page, live_server)
    late = link_in(inbox, 2)
    clock.advance(timedelta(hours=1))
    assert page.goto(late).status == 410
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()


def test_an_unknown_address_gets_the_same_answer_and_no_e_mail(
    page: Page, live_server, app, inbox: Inbox, screenshot
):
    make_venue(slug="lumen", name="Lumen Studios")
    ask_for_a_link(page, live_server)  # no manager has the address
    screenshot("password-forgot-unknown-phone")
    assert inbox.received == []
