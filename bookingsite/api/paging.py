"""One way to page every list: keyset pagination behind an opaque cursor.

A list is read in the order of its keys (its own columns, ending with the primary key,
so that the order is total); a page is `limit` rows, and its cursor holds the last row's
keys, so the next page starts strictly after them. Rows inserted meanwhile never shift a
page: a walk sees every row that existed when it began exactly once, and new rows only
where their keys place them. The cursor is base64url (no padding) over the JSON list of
those keys: instants as ISO-8601 text, ids as numbers; nothing else is accepted."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import InstrumentedAttribute

from bookingsite.api.parsing import broken
from bookingsite.bounds import MAX_ID
from bookingsite.clock import parse_instant
from bookingsite.extensions import db

CURSOR = "cursor"
R = TypeVar("R")


@dataclass(frozen=True)
class Page(Generic[R]):
    rows: list[R]
    next_cursor: str | None


def _encode(values: Sequence[Any]) -> str:
    wire = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    raw = json.dumps(wire, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _is_instant(key: InstrumentedAttribute) -> bool:
    column_type = key.type
    return isinstance(getattr(column_type, "impl", column_type), sa.DateTime)


def _value(key: InstrumentedAttribute, value: Any) -> Any:
    if _is_instant(key):
        if not isinstance(value, str):
            raise ValueError(value)
        return parse_instant(value)
    if not (type(value) is int and 1 <= value <= MAX_ID):
        raise ValueError(value)
    return value


def _decode(cursor: str, keys: Sequence[InstrumentedAttribute]) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not (isinstance(values, list) and len(values) == len(keys)):
            raise ValueError(values)
        return [_value(key, value) for key, value in zip(keys, values, strict=True)]
    except (ValueError, TypeError, OverflowError, RecursionError, binascii.Error):
        raise broken(CURSOR, _("This cursor is not valid.")) from None


def _after(keys: Sequence[InstrumentedAttribute], values: Sequence[Any]) -> sa.ColumnElement:
    """(k1, k2, ...) > (v1, v2, ...), spelled out so that each comparison keeps its
    column's type and an index on the leading key serves it."""
    clause = keys[-1] > values[-1]
    for key, value in zip(reversed(keys[:-1]), reversed(values[:-1]), strict=True):
        clause = sa.or_(key > value, sa.and_(key == value, clause))
    return clause


def page(
    statement: sa.Select,
    keys: Sequence[InstrumentedAttribute],
    *,
    cursor: str | None,
    limit: int,
) -> Page[Any]:
    """The page of `statement`'s rows (one entity each) after `cursor`, ordered by
    `keys`; a cursor of the documented form that no page gave is RULE_BROKEN on
    `cursor`."""
    if cursor is not None:
        statement = statement.where(_after(keys, _decode(cursor, keys)))
    statement = statement.order_by(*keys).limit(limit + 1)
    rows = list(db.session.scalars(statement))
    if len(rows) <= limit:
        return Page(rows, None)
    last = rows[limit - 1]
    return Page(rows[:limit], _encode([getattr(last, key.key) for key in keys]))
