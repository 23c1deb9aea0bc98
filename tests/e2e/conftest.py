"""Playwright drives Debian's Chromium (browsers cannot be downloaded here)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bookingsite import demo
from bookingsite.extensions import db

CHROMIUM = os.environ.get("BOOKINGSITE_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-4.14.1.min.js"
# The tests' frozen clock (tests/conftest.py), when the demo's venues are seeded.
NOW = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
def site(app, live_server):
    """The demo venues, served over real HTTP."""
    demo.seed(NOW)
    db.session.remove()
    return live_server


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def axe_violations(page):
    """Serious and critical axe-core violations on the current page."""
    source = AXE.read_text()
    # Served as if from the site: the pages' CSP refuses inline scripts.
    page.route(
        f"**/{AXE.name}", lambda route: route.fulfill(body=source, content_type="text/javascript")
    )

    def run() -> list[dict]:
        page.add_script_tag(url=f"/{AXE.name}")
        result = page.evaluate("async () => await axe.run(document)")
        return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]

    return run
