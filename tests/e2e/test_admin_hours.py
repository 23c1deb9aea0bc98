"""The hours editor in Chromium, desktop and phone: a new resource at set hours, periods
typed in time inputs, "add a period" and "copy Monday" as plain form posts, the preview
of the customer's start times, then saving. Screenshots: hours-editor-<width>.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from bookingsite.accounts import create_manager
from tests.e2e.test_admin import PASSWORD, log_in, path
from tests.factories import make_resource, make_service, make_venue

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_manager_types_previews_and_saves_the_hours(
    page: Page, live_server, app, screenshot, axe_violations, width, height
):
    page.set_viewport_size({"width": width, "height": height})
    venue = make_venue(slug="studio-club", name="Studio Club", timezone="Europe/Berlin")
    other = make_resource(venue, name="Other room", weekly_hours=None)
    service_id = make_service([other], slug="studio-hour", name="Studio, one hour").id
    create_manager("boss@example.com", PASSWORD, [venue])
    at = lambda endpoint, **v: live_server.url + path(app, endpoint, venue_id=venue.id, **v)  # noqa: E731

    log_in(page, live_server, "boss@example.com")
    page.goto(at("admin.resource_new"))
    page.get_by_label("Name", exact=True).fill("Studio A")
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text("Choose whether it opens at set hours or around the clock.")
    ).to_be_visible()
    page.get_by_label("Open at set hours").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Hours of Studio A")).to_be_visible()

    page.locator("#mon-periods-0-opens").fill("09:00")
    page.locator("#mon-periods-0-closes").fill("12:30")
    page.get_by_role("button", name="Add a period (Monday)").click()
    page.locator("#mon-periods-1-opens").fill("14:00")
    page.locator("#mon-periods-1-closes").fill("18:00")
    page.get_by_role("button", name="Copy Monday to Tuesday–Friday").click()
    expect(page.locator("#thu-periods-1-opens")).to_have_value("14:00")
    page.locator("#sat-periods-0-opens").fill("10:00")
    page.locator("#sat-periods-0-closes").fill("14:00")
    page.get_by_label("Closed all day").last.check()  # Sunday

    # The service is linked after the resource exists, so the preview has times to show.
    from bookingsite.extensions import db
    from bookingsite.models import Resource, Service

    db.session.remove()  # a fresh look at what the live server wrote
    linked = db.session.get(Service, service_id)
    linked.resources.append(
        db.session.scalar(db.select(Resource).where(Resource.name == "Studio A"))
    )
    db.session.commit()

    page.get_by_role("button", name="Preview the start times").click()
    preview = page.locator("#preview")
    expect(preview.get_by_role("heading", name="Studio, one hour")).to_be_visible()
    expect(preview.get_by_text("Not saved yet.", exact=False)).to_be_visible()
    expect(preview.get_by_text("09:00").first).to_be_visible()
    assert axe_violations() == []
    screenshot(f"hours-editor-{width}")

    page.get_by_role("button", name="Save the hours").click()
    expect(page.get_by_text("The hours of Studio A were saved.")).to_be_visible()
    expect(page.locator("#fri-periods-1-closes")).to_have_value("18:00")
