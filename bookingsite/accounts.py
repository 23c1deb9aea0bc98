"""Partner API keys and manager passwords: created, hashed, checked."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from limits import parse_many
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from bookingsite.bounds import MAX_ID
from bookingsite.extensions import db
from bookingsite.integrity import begin_write
from bookingsite.models import Manager, Partner, PartnerGrant, Scope, Venue

KEY_PREFIX_LENGTH = 12
# How stale a key's last-used time may get: finer would cost a write on every call.
KEY_USE_RESOLUTION = timedelta(minutes=1)
# What a key may do unless it is given more: find times and book them.
BOOKING_SCOPES = frozenset({Scope.READ, Scope.BOOK})
EVERY_SCOPE = frozenset(Scope)
RATE_LIMIT_LENGTH = 40  # the column's


def _hash_key(key: str) -> str:
    # API keys carry 192 random bits, so a fast hash is enough (unlike passwords).
    return hashlib.sha256(key.encode()).hexdigest()


def _give_new_key(partner: Partner) -> str:
    """Set a fresh key on the partner (its prefix and hash) and return it: the only
    time the key itself exists."""
    key = "bk_" + secrets.token_urlsafe(24)
    partner.key_prefix = key[:KEY_PREFIX_LENGTH]
    partner.key_hash = _hash_key(key)
    return key


def create_partner(
    name: str,
    venues: list[Venue],
    *,
    scopes: Iterable[Scope] = BOOKING_SCOPES,
    now: datetime,
) -> tuple[Partner, str]:
    """A key with `scopes` at each of `venues` (and for venues it creates later)."""
    scopes = frozenset(scopes) | {Scope.READ}
    partner = Partner(name=name, scopes=scopes, created_at=now)
    for venue in venues:
        grant_venue(partner, venue)
    key = _give_new_key(partner)
    db.session.add(partner)
    db.session.commit()
    return partner, key


def grant_venue(partner: Partner, venue: Venue) -> None:
    """Let the key reach `venue` with all its scopes."""
    partner.grants.append(PartnerGrant(venue=venue, scopes=partner.scopes))


def set_scopes_at(partner: Partner, venue: Venue, scopes: Iterable[Scope]) -> None:
    """What the key may do at `venue` (reaching it if it did not); `read` always, since
    every other scope needs it. Within the key's own scopes at the call."""
    scopes = frozenset(scopes) | {Scope.READ}
    for grant in partner.grants:
        if grant.venue_id == venue.id:
            grant.scopes = scopes
            return
    partner.grants.append(PartnerGrant(venue=venue, scopes=scopes))


def withdraw_venue(partner: Partner, venue_id: int) -> None:
    """The key no longer reaches the venue: its objects answer 404 from the next call."""
    partner.grants = [grant for grant in partner.grants if grant.venue_id != venue_id]


def rate_limit_error(text: str) -> str | None:
    """Why `text` is not a rate limit in Flask-Limiter's notation ("600/minute"), or None."""
    try:
        limits = parse_many(text) if len(text) <= RATE_LIMIT_LENGTH else []
    except ValueError:
        limits = []
    if not limits or any(limit.amount < 1 for limit in limits):
        return _("Write a limit as a number of requests per period, for example 600/minute.")
    return None


def find_partner(key_id: str) -> Partner | None:
    """The partner named by its id (digits) or by its key's prefix, revoked or not."""
    if key_id.isascii() and key_id.isdigit():
        partner_id = int(key_id)
        return db.session.get(Partner, partner_id) if partner_id <= MAX_ID else None
    return db.session.scalar(sa.select(Partner).where(Partner.key_prefix == key_id))


def revoke_partner(partner: Partner) -> None:
    """Refuse the partner's key from its next call on."""
    partner.active = False
    db.session.commit()


def rotate_key(partner: Partner) -> str:
    """Replace the partner's key: the old one is refused at once. A revoked partner
    becomes active again with the new key. The new key has not been used yet."""
    key = _give_new_key(partner)
    partner.active = True
    partner.last_used_at = None
    db.session.commit()
    return key


def partner_for_key(key: str) -> Partner | None:
    """The active partner holding `key`, with its venues and scopes there (every call
    checks them), in one statement."""
    partner = (
        db.session.scalars(
            sa.select(Partner)
            .where(Partner.key_prefix == key[:KEY_PREFIX_LENGTH], Partner.active)
            .options(joinedload(Partner.grants))
        )
        .unique()
        .one_or_none()
    )
    if partner is None or not hmac.compare_digest(partner.key_hash, _hash_key(key)):
        return None
    return partner


def record_key_use(partner: Partner, now: datetime) -> None:
    """Note that the partner's key was just used. Written at most once per
    KEY_USE_RESOLUTION, as one UPDATE in its own short write transaction, so that
    authenticating stays a read for nearly every call."""
    if partner.last_used_at is not None and now - partner.last_used_at < KEY_USE_RESOLUTION:
        return
    begin_write(db.session())
    db.session.execute(sa.update(Partner).where(Partner.id == partner.id).values(last_used_at=now))
    db.session.commit()


def create_manager(email: str, password: str, venues: list[Venue], name: str = "") -> Manager:
    manager = Manager(
        email=email.strip().lower(),
        name=name,
        password_hash=generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        ),
        venues=venues,
    )
    db.session.add(manager)
    db.session.commit()
    return manager


def authenticate_manager(email: str, password: str) -> Manager | None:
    manager = db.session.scalar(sa.select(Manager).where(Manager.email == email.strip().lower()))
    if manager is None or not manager.active:
        return None
    return manager if check_password_hash(manager.password_hash, password) else None
