"""The Content-Security-Policy breaks nothing: a customer's journey with htmx swaps (venue,
grid week navigation, hold, checkout) and a manager's timeline run in Chromium with no
CSP violation, heard both as `securitypolicyviolation` events and console messages."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from flask import url_for
from playwright.sync_api import Page, expect

from bookingsite import demo
from bookingsite.extensions import db
from tests.e2e.test_customer import browser_context_args  # noqa: F401  (the same browser)

NOW = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)

# Runs in every document before its own scripts; the exposed function outlives navigations.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(`${event.violatedDirective} blocked ${event.blockedURI} `
                            + `at ${event.sourceFile}:${event.lineNumber} ${event.sample}`);
});
"""


@pytest.fixture
def venues(app, live_server) -> dict:
    by_slug = {venue.slug: venue.id for venue in demo.seed(NOW)}
    db.session.remove()
    return by_slug


@pytest.fixture
def csp_violations(page: Page) -> list[str]:
    violations: list[str] = []
    page.expose_function("reportCspViolation", lambda violation: violations.append(violation))
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            violations.append(f"console: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return violations


def path(app, endpoint: str, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def test_a_booking_and_the_admin_timeline_raise_no_csp_violation(
    app, live_server, venues, page: Page, csp_violations, screenshot
):
    venue_page = page.goto(
        live_server.url + path(app, "public.venue", venue_slug="riverside-tennis")
    )
    assert "script-src 'self'" in venue_page.headers["content-security-policy"]
    page.get_by_role("link", name="Tennis court").click()
    # htmx listens from the page's load on: a change before it would go unheard.
    page.wait_for_load_state("load")
    page.get_by_label("Place").select_option(label="Court 1")  # htmx swaps the panel
    expect(page).to_have_url(re.compile(r"resource=\d+"))
    page.locator("a.month-nav[rel=next]").click()  # htmx again: the next month
    expect(page).to_have_url(re.compile(r"month=2026-03"))
    page.locator("a.month-nav[rel=prev]").click()
    expect(page).not_to_have_url(re.compile(r"month="))  # this month: the plain link
    expect(page.locator("#day-times")).to_be_visible()
    screenshot("csp-picker-month")
    page.locator("button.slot").first.click()  # hold
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("E-mail").fill("ada@example.com")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_text("Confirmed")).to_be_visible()

    page.goto(live_server.url + path(app, "admin.login"))
    page.get_by_label("E-mail address").fill("admin@example.com")
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your venues")).to_be_visible()
    page.goto(
        live_server.url
        + path(app, "admin.timeline", venue_id=venues["riverside-tennis"], date="2026-03-02")
    )
    page.get_by_role("link", name="Next day →").click()  # htmx swap of the timeline
    expect(page).to_have_url(re.compile(r"date=2026-03-03"))
    expect(page.locator(".seg").first).to_be_attached()
    screenshot("csp-admin-timeline")

    assert csp_violations == []


def test_the_listener_hears_a_violation(app, live_server, venues, page: Page, csp_violations):
    """The check above could pass by hearing nothing: an inline <style> must be reported."""
    page.goto(live_server.url + "/")
    directive = page.evaluate("""() => new Promise((resolve) => {
        document.addEventListener("securitypolicyviolation",
                                  (event) => resolve(event.violatedDirective), {once: true});
        const style = document.createElement("style");
        style.textContent = "body { color: red }";
        document.head.append(style);
    })""")
    assert directive == "style-src-elem"
    assert any(violation.startswith("style-src-elem") for violation in csp_violations)
    assert any(violation.startswith("console:") for violation in csp_violations)
