"""The availability-change feed: which resources' time changed, so that a partner asks
again only for those ranges (bookingsite/availability_changes.py says what is recorded
and why the order holds)."""

from __future__ import annotations

import base64
import binascii
import json

from flask_babel import gettext as _

from bookingsite import availability_changes
from bookingsite.api import access, present
from bookingsite.api import schemas as s
from bookingsite.api.parsing import broken
from bookingsite.api.routing import operation
from bookingsite.availability_changes import START, Position
from bookingsite.extensions import db

CURSOR = "cursor"
MAX_POSITION = 2**63 - 1


def encode(position: Position) -> str:
    raw = json.dumps([position.txid, position.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> Position:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not (
            isinstance(values, list)
            and len(values) == 2
            and all(type(v) is int and 0 <= v <= MAX_POSITION for v in values)
        ):
            raise ValueError(values)
    except (ValueError, TypeError, RecursionError, binascii.Error):
        raise broken(CURSOR, _("This cursor is not valid.")) from None
    return Position(*values)


@operation(
    "GET",
    "/availability/changes",
    summary="Follow availability changes",
    tag="Availability",
    query=s.ChangesQuery,
    response=s.AvailabilityChangeList,
)
def list_changes(query: s.ChangesQuery) -> s.AvailabilityChangeList:
    """The venue's availability changes after `cursor` (without `venueId`: those of
    every venue the key reads, in one order), oldest first: for each, a resource, the
    services it serves and the range whose slots may differ now (`endTime` null: from
    `startTime` on). Ask those services again over those ranges, then pass
    `nextCursor` back as `cursor`; it is always set, and is the cursor sent when nothing
    changed since, so a partner can poll with it. A change is listed once every
    transaction that began before it has ended, so none is ever skipped; a confirmation
    frees or takes nothing and is not listed."""
    if query.venue_id is None:
        venues: int | set[int] = access.venue_ids()
    else:
        venues = access.venue(query.venue_id).id
    after = START if query.cursor is None else decode(query.cursor)
    page = availability_changes.read(db.session, venues, after, query.limit)
    unchanged = not page.changes and query.cursor is not None
    return s.AvailabilityChangeList(
        data=[present.availability_change(c) for c in page.changes],
        next_cursor=query.cursor if unchanged else encode(page.position),
    )
