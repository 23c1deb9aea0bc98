"""`Idempotency-Key` on POST, with Stripe's semantics.

Locking rules:
- the (partner, key) row is inserted and committed *before* the request runs, in its own
  transaction; the unique constraint makes exactly one concurrent request the owner;
- a request that finds the row without a response yet gets 409 IDEMPOTENCY_IN_PROGRESS
  at once (no waiting): the client retries, and then replays the stored answer;
- the same key with a different request (method, path or body) gets 422
  IDEMPOTENCY_KEY_REUSED; the same request replays the stored status and body;
- answers are stored once the request has run, errors included (a 409 SLOT_TAKEN
  replays as such); a request that failed validation (VALIDATION_ERROR, RULE_BROKEN) or
  crashed (5xx) stores nothing and frees the key, as Stripe does;
- a record older than 24 hours (by the app's clock) is ignored and replaced.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

import sqlalchemy as sa
from flask import Response, request
from flask_babel import gettext as _

from bookingsite import errors
from bookingsite.api import access
from bookingsite.api.parsing import invalid
from bookingsite.clock import utcnow
from bookingsite.errors import DomainError
from bookingsite.extensions import db
from bookingsite.integrity import begin_write
from bookingsite.models import IdempotencyRecord
from bookingsite.web import error_response

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 200
CLAIM_ATTEMPTS = 3


def _fingerprint() -> str:
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        body = raw
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def _checked_key(key: str) -> str:
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(" " <= c <= "~" for c in key):
        raise invalid(
            HEADER,
            _("Use 1 to %(n)d printable ASCII characters.", n=MAX_KEY_LENGTH),
        )
    return key


def _replay(record: IdempotencyRecord) -> Response:
    response = Response(record.response_body, record.response_status, mimetype="application/json")
    response.headers[REPLAYED_HEADER] = "true"
    return response


def _claim(partner_id: int, key: str, fingerprint: str) -> int | Response:
    """Own the key (its record id), or the answer for a request that does not."""
    now = utcnow()
    for _attempt in range(CLAIM_ATTEMPTS):
        record = IdempotencyRecord(
            partner_id=partner_id, key=key, request_fingerprint=fingerprint, created_at=now
        )
        begin_write(db.session())
        db.session.add(record)
        try:
            db.session.commit()
            return record.id
        except sa.exc.IntegrityError:
            db.session.rollback()
        existing = db.session.scalar(
            sa.select(IdempotencyRecord).where(
                IdempotencyRecord.partner_id == partner_id, IdempotencyRecord.key == key
            )
        )
        if existing is None:  # its owner failed and let go meanwhile
            continue
        if existing.created_at <= now - KEY_LIFETIME:
            begin_write(db.session())
            db.session.execute(
                sa.delete(IdempotencyRecord).where(
                    IdempotencyRecord.id == existing.id,
                    IdempotencyRecord.created_at <= now - KEY_LIFETIME,
                )
            )
            db.session.commit()
            continue
        if existing.request_fingerprint != fingerprint:
            raise DomainError(errors.IDEMPOTENCY_MISMATCH)
        if existing.response_status is None:
            raise DomainError(errors.IDEMPOTENCY_IN_PROGRESS)
        return _replay(existing)
    raise DomainError(errors.IDEMPOTENCY_IN_PROGRESS)


def _settle(record_id: int, response: Response | None) -> None:
    db.session.rollback()  # whatever the view left behind
    begin_write(db.session())
    if response is None:
        statement = sa.delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id)
    else:
        statement = (
            sa.update(IdempotencyRecord)
            .where(IdempotencyRecord.id == record_id)
            .values(
                response_status=response.status_code,
                response_body=response.get_data(as_text=True),
            )
        )
    db.session.execute(statement)
    db.session.commit()


def idempotent(view: Callable[..., Response]) -> Callable[..., Response]:
    @wraps(view)
    def wrapper(**kwargs: object) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return view(**kwargs)
        claim = _claim(access.partner().id, _checked_key(key), _fingerprint())
        if isinstance(claim, Response):
            return claim
        try:
            response = view(**kwargs)
        except DomainError as error:
            response = error_response(error)
            keep = error.kind not in (errors.VALIDATION_ERROR, errors.RULE_BROKEN)
        except BaseException:
            _settle(claim, None)
            raise
        else:
            keep = response.status_code < 500
        _settle(claim, response if keep else None)
        return response

    return wrapper
