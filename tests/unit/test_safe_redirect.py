"""`same_site_path`: hostile `next` values, judged as a browser (WHATWG URL parsing) would
follow them. The tables are shared with the functional tests of the login and language
forms."""

from __future__ import annotations

import pytest

from bookingsite.safe_redirect import same_site_path

# (value, what a browser would be sent to)
SAME_SITE = [
    pytest.param("/", "/", id="root"),
    pytest.param(
        "/admin/venues/1/timeline?date=2026-03-02",
        "/admin/venues/1/timeline?date=2026-03-02",
        id="path-and-query",
    ),
    pytest.param("/venues/spa?lang=fr#grid", "/venues/spa?lang=fr#grid", id="fragment"),
    pytest.param(
        "/search?q=%2F%2Fevil.example",
        "/search?q=%2F%2Fevil.example",
        id="encoded-slashes-after-the-path-start",
    ),
    pytest.param("/caf%C3%A9/caf\u00e9", "/caf%C3%A9/caf\u00e9", id="non-ascii"),
    pytest.param(" /admin/ \n", "/admin/", id="outer-space-and-newline-trimmed"),
    pytest.param("/ad\tmin/", "/admin/", id="inner-tab-dropped-as-browsers-do"),
    pytest.param("/x\r\nSet-Cookie: a=b", "/xSet-Cookie: a=b", id="header-injection-flattened"),
    pytest.param("/a\\b", "/a/b", id="inner-backslash-is-a-slash"),
]

HOSTILE = [
    pytest.param("//evil.example", id="scheme-relative"),
    pytest.param("///evil.example", id="triple-slash"),
    pytest.param("/\\evil.example", id="slash-backslash"),
    pytest.param("\\\\evil.example", id="double-backslash"),
    pytest.param("\\/evil.example", id="backslash-slash"),
    pytest.param("/\t/evil.example", id="tab-between-slashes"),
    pytest.param("/\n/evil.example", id="newline-between-slashes"),
    pytest.param("/\r\n/evil.example", id="crlf-between-slashes"),
    pytest.param(" //evil.example", id="leading-space"),
    pytest.param("\x00//evil.example", id="leading-nul"),
    pytest.param("\x1f/\t/evil.example", id="leading-c0-and-tab"),
    pytest.param("/\x01/evil.example", id="inner-control"),
    pytest.param("/%2F%2Fevil.example", id="encoded-slashes"),
    pytest.param("/%2fevil.example", id="encoded-slash-lowercase"),
    pytest.param("/%5Cevil.example", id="encoded-backslash"),
    pytest.param("/%09/evil.example", id="encoded-tab"),
    pytest.param("/%0A/evil.example", id="encoded-newline"),
    pytest.param("/%252F%252Fevil.example", id="double-encoded-slashes"),
    pytest.param("/%25252F%25252Fevil.example", id="triple-encoded-slashes"),
    pytest.param("/%2525252F%2525252Fevil.example", id="encoded-deeper-than-any-link-of-ours"),
    pytest.param("%2F%2Fevil.example", id="encoded-leading-slashes"),
    pytest.param("https://evil.example/", id="absolute-https"),
    pytest.param("HTTPS://evil.example/", id="absolute-uppercase-scheme"),
    pytest.param("http:evil.example", id="scheme-without-slashes"),
    pytest.param("http:/\\evil.example", id="scheme-slash-backslash"),
    pytest.param("javascript:alert(1)", id="javascript"),
    pytest.param(" javascript:alert(1)", id="javascript-leading-space"),
    pytest.param("java\tscript:alert(1)", id="javascript-with-tab"),
    pytest.param("data:text/html,<script>alert(1)</script>", id="data-url"),
    pytest.param("evil.example", id="bare-host"),
    pytest.param("admin/venues", id="relative-to-current-page"),
    pytest.param("", id="empty"),
    pytest.param(None, id="missing"),
]


@pytest.mark.parametrize(("target", "expected"), SAME_SITE)
def test_paths_on_this_site_are_kept_as_the_browser_reads_them(target, expected):
    assert same_site_path(target) == expected


@pytest.mark.parametrize("target", HOSTILE)
def test_anything_that_could_leave_the_site_is_refused(target):
    assert same_site_path(target) is None
