"""Partner API keys and manager passwords: created, hashed, checked."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from types import MappingProxyType

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from limits import parse_many
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from bookingsite import setup_revision
from bookingsite.bounds import MAX_ID
from bookingsite.extensions import db
from bookingsite.integrity import begin_write
from bookingsite.models import (
    Manager,
    Membership,
    Organisation,
    Partner,
    PartnerGrant,
    Role,
    Scope,
    Venue,
)

KEY_PREFIX_LENGTH = 12
# How stale a key's last-used time may get: finer would cost a write on every call.
KEY_USE_RESOLUTION = timedelta(minutes=1)
# What a key may do unless it is given more: find times and book them.
BOOKING_SCOPES = frozenset({Scope.READ, Scope.BOOK})
EVERY_SCOPE = frozenset(Scope)
RATE_LIMIT_LENGTH = 40  # the column's


# What each role is called, and what it may do, wherever people read it.
ROLE_NAMES = {
    Role.OWNER: _l("Owner"),
    Role.MANAGER: _l("Manager"),
    Role.FRONT_DESK: _l("Front desk"),
}
ROLE_HINTS = {
    Role.OWNER: _l("Everything, including people, API keys, webhooks and the venue itself."),
    Role.MANAGER: _l("Resources, services, hours and blocks, messages and reports, bookings."),
    Role.FRONT_DESK: _l("The timeline and bookings."),
}


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
    organisation: Organisation | None = None,
) -> tuple[Partner, str]:
    """A key with `scopes` at each of `venues` (and for venues it creates later), of
    `organisation`, else of the venues' one, else of a new organisation of its own."""
    if organisation is None:
        owners = {id(v.organisation): v.organisation for v in venues}
        if len(owners) > 1:
            raise ValueError("a key reaches the venues of one organisation")
        organisation = next(iter(owners.values()), None) or Organisation(name=name, created_at=now)
    scopes = frozenset(scopes) | {Scope.READ}
    partner = Partner(name=name, scopes=scopes, created_at=now, organisation=organisation)
    for venue in venues:
        grant_venue(partner, venue)
    key = _give_new_key(partner)
    db.session.add(partner)
    db.session.commit()
    return partner, key


def grant_venue(partner: Partner, venue: Venue) -> None:
    """Let the key reach `venue` with all its scopes: a venue of its organisation."""
    if venue.organisation is not partner.organisation:
        raise ValueError("a key reaches venues of its own organisation only")
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


@dataclass(frozen=True, slots=True)
class KeyHolder:
    """The partner behind an API key, as a call needs it: a plain value, which this
    process keeps between calls while the set-up revision (raised by any change to a
    key or the venues it reaches) says it is current."""

    id: int
    organisation_id: int
    key_prefix: str
    key_hash: str
    scopes: frozenset[Scope]
    rate_limit: str | None
    # What the key was granted at each venue it reaches, before its own scopes narrow it.
    grants: Mapping[int, frozenset[Scope]]
    last_used_at: datetime | None

    def scopes_at(self, venue_id: int | None) -> frozenset[Scope] | None:
        """What the key may do at the venue; None when the venue is not the key's."""
        granted = self.grants.get(venue_id)
        return None if granted is None else granted & self.scopes


def partner_for_key(key: str) -> KeyHolder | None:
    """The active partner holding `key`. A call with a current copy of it reads only the
    revision, which the rest of the call needs anyway."""
    prefix = key[:KEY_PREFIX_LENGTH]
    holder = setup_revision.kept_value(
        db.session(), current_app.extensions["partner_keys"], prefix, partial(_key_holder, prefix)
    )
    if holder is None or not hmac.compare_digest(holder.key_hash, _hash_key(key)):
        return None
    return holder


def _key_holder(key_prefix: str) -> KeyHolder | None:
    partner = (
        db.session.scalars(
            sa.select(Partner)
            .where(Partner.key_prefix == key_prefix, Partner.active)
            .options(joinedload(Partner.grants))
        )
        .unique()
        .one_or_none()
    )
    if partner is None:
        return None
    return KeyHolder(
        id=partner.id,
        organisation_id=partner.organisation_id,
        key_prefix=partner.key_prefix,
        key_hash=partner.key_hash,
        scopes=partner.scopes,
        rate_limit=partner.rate_limit,
        grants=MappingProxyType({grant.venue_id: grant.scopes for grant in partner.grants}),
        last_used_at=partner.last_used_at,
    )


def record_key_use(partner: Partner | KeyHolder, now: datetime) -> None:
    """Note that the partner's key was just used. Written at most once per
    KEY_USE_RESOLUTION, as one UPDATE in its own short write transaction, so that
    authenticating stays a read for nearly every call. The kept copy learns the time
    too (the revision ignores this column), or every later call would write it."""
    if partner.last_used_at is not None and now - partner.last_used_at < KEY_USE_RESOLUTION:
        return
    begin_write(db.session())
    db.session.execute(sa.update(Partner).where(Partner.id == partner.id).values(last_used_at=now))
    db.session.commit()
    kept = current_app.extensions["partner_keys"]
    found = kept.get(partner.key_prefix)
    if found is not None and found[1] is not None:
        revision, holder = found
        kept[partner.key_prefix] = (revision, replace(holder, last_used_at=now))


def create_manager(
    email: str, password: str, venues: list[Venue], name: str = "", role: Role = Role.OWNER
) -> Manager:
    """A person with `role` at each of `venues` (the first owner, from the command line)."""
    manager = Manager(
        email=email.strip().lower(),
        name=name,
        password_hash=hash_password(password),
        memberships=[Membership(venue=venue, role=role) for venue in venues],
    )
    db.session.add(manager)
    db.session.commit()
    return manager


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def set_password(manager: Manager, password: str) -> None:
    """A new password for the manager, in the current transaction. It ends every session
    they have open, on every device (the one that sets it logs in again)."""
    manager.password_hash = hash_password(password)
    end_sessions(manager)


def end_sessions(manager: Manager) -> None:
    """From its next request, no session or remember-me cookie of the manager logs
    anyone in: the id they carry names the session version, which this raises in the
    current transaction (in SQL, so that two raises racing each other both count)."""
    manager.session_version = Manager.session_version + 1


class LastOwner(Exception):
    """The change would leave the venue without an owner, and nobody could reach its
    people, keys and settings any more."""


def _keep_an_owner(membership: Membership) -> None:
    others = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Membership)
        .where(
            Membership.venue_id == membership.venue_id,
            Membership.role == Role.OWNER,
            Membership.manager_id != membership.manager_id,
        )
    )
    if not others:
        raise LastOwner


def set_role(membership: Membership, role: Role) -> None:
    """Give the person `role` at the venue, in the current transaction. A lowered role
    ends their sessions: what they may do changes at once, on every device."""
    if membership.role is Role.OWNER and role is not Role.OWNER:
        _keep_an_owner(membership)
    lowered = not role.allows(membership.role)
    membership.role = role
    if lowered:
        end_sessions(membership.manager)


def remove_membership(membership: Membership) -> None:
    """Take the venue from the person, in the current transaction; their sessions end."""
    if membership.role is Role.OWNER:
        _keep_an_owner(membership)
    db.session.delete(membership)
    end_sessions(membership.manager)


def authenticate_manager(email: str, password: str) -> Manager | None:
    manager = db.session.scalar(sa.select(Manager).where(Manager.email == email.strip().lower()))
    if manager is None or not manager.active:
        return None
    return manager if check_password_hash(manager.password_hash, password) else None
