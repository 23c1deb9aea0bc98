r"""Where a `next` parameter may send a visitor: only to a path on this site.

Browsers read a Location header by the WHATWG URL standard, which forgives a lot: they
trim leading and trailing C0 controls and spaces, drop ASCII tabs and newlines anywhere,
and take a backslash for a slash in http(s) URLs. So `/<TAB>/evil.example`,
`/\evil.example` and ` //evil.example` all lead to evil.example. We judge a target as
the browser will read it, keep it only when it is a path on this host (one leading
slash, no scheme, no host), and hand back that normalised form. A proxy or a later
redirect may percent-decode the path once more (`/%2F%2Fevil.example`), so the decoded
forms must pass too."""

from __future__ import annotations

from urllib.parse import unquote

_C0_CONTROLS_AND_SPACE = "".join(map(chr, range(0x21)))
_TAB_AND_NEWLINES = str.maketrans("", "", "\t\n\r")
_CONTROLS = frozenset(map(chr, [*range(0x20), 0x7F]))
# Decoding deeper than this is not a plausible link of ours, only an attempt to hide one.
MAX_DECODINGS = 3


def same_site_path(target: str | None) -> str | None:
    """`target` as a browser would follow it, if that stays on this site; else None."""
    if not target:
        return None
    path = _as_browser_reads(target)
    if not _is_local_path(path):
        return None
    decoded = path
    for _ in range(MAX_DECODINGS):
        decoded, previous = unquote(decoded), decoded
        if decoded == previous:
            return path
        if not _is_local_path(_as_browser_reads(decoded)):
            return None
    return None


def _as_browser_reads(url: str) -> str:
    return url.strip(_C0_CONTROLS_AND_SPACE).translate(_TAB_AND_NEWLINES).replace("\\", "/")


def _is_local_path(url: str) -> bool:
    # "/x" is a path on this host; "//x" names another host, and anything not starting
    # with "/" is either relative to the current page or has a scheme (javascript:, https:).
    return (
        url.startswith("/")
        and not url.startswith("//")
        and not any(char in _CONTROLS for char in url)
    )
