"""One-time, expiring links e-mailed to set a password: a reset (the manager forgot it)
and an invitation (an owner asks someone to manage a venue).

The rules, whatever the purpose:
- a link's token is 192 random bits, shown once (in the e-mail); only its SHA-256 is
  stored, so the table alone opens nothing;
- a link works until `expires_at` (PASSWORD_RESET_LINK_MINUTES, INVITATION_LINK_DAYS),
  once: `use` spends it with one conditional UPDATE (not used, not revoked, not expired)
  and counts the rows. Two uses racing each other never both succeed, on either
  database: PostgreSQL re-checks the condition on the row the first one committed,
  SQLite lets one writer in at a time (the caller opens the transaction as a writer);
- issuing a reset link revokes the manager's older unused ones: only the newest works;
- opening a link (GET) only looks at it (`find`): mail scanners that fetch links spend
  nothing. Only the form that sets the password spends it, in the transaction that
  changes the password (`reset_password`), which also ends the manager's sessions.

A password reset is asked for by e-mail address. The page that asks answers the same
for every address, and the request does the same work for every address too: it only
queues `send_password_reset`, which a job runs (jobs.py)."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from bookingsite import accounts
from bookingsite.clock import utcnow
from bookingsite.extensions import db
from bookingsite.integrity import begin_write
from bookingsite.mail import compose, outbox
from bookingsite.models import LoginLink, LoginLinkPurpose, Manager, Membership, Role, Venue

log = logging.getLogger(__name__)

TOKEN_BYTES = 24
# Anything longer is not one of ours: answered as unknown without hashing it.
MAX_TOKEN_LENGTH = 64


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def lifetime(purpose: LoginLinkPurpose) -> timedelta:
    config = current_app.config
    if purpose == LoginLinkPurpose.RESET:
        return timedelta(minutes=config["PASSWORD_RESET_LINK_MINUTES"])
    return timedelta(days=config["INVITATION_LINK_DAYS"])


def issue(
    purpose: LoginLinkPurpose,
    *,
    email: str,
    now: datetime,
    manager: Manager | None = None,
    venue_id: int | None = None,
    role: str | None = None,
    created_by: Manager | None = None,
) -> str:
    """Write a new link in the current transaction and return its token: the only time
    the token exists. The caller commits (with the message that carries it)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.add(
        LoginLink(
            token_hash=token_hash(token),
            purpose=purpose,
            manager_id=manager.id if manager is not None else None,
            email=email.strip().lower(),
            venue_id=venue_id,
            role=role,
            created_by_id=created_by.id if created_by is not None else None,
            created_at=now,
            expires_at=now + lifetime(purpose),
        )
    )
    return token


def issue_reset(manager: Manager, now: datetime) -> str:
    """A reset link for the manager; their older unused reset links stop working. The
    manager's row is locked first (PostgreSQL; SQLite has one writer at a time), so that
    of two resets asked for at once the later one voids the earlier."""
    db.session.execute(sa.select(Manager.id).where(Manager.id == manager.id).with_for_update())
    revoke(manager.id, LoginLinkPurpose.RESET, now)
    return issue(LoginLinkPurpose.RESET, email=manager.email, manager=manager, now=now)


def revoke(manager_id: int, purpose: LoginLinkPurpose, now: datetime) -> int:
    """Void the manager's unused links of `purpose`, in the current transaction; how many."""
    result = db.session.execute(
        sa.update(LoginLink)
        .where(
            LoginLink.manager_id == manager_id,
            LoginLink.purpose == purpose,
            LoginLink.used_at.is_(None),
            LoginLink.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def find(token: str) -> LoginLink | None:
    """The link the token names, usable or not; None for a token that is no link's."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return db.session.scalar(sa.select(LoginLink).where(LoginLink.token_hash == token_hash(token)))


def use(token: str, purpose: LoginLinkPurpose, now: datetime) -> LoginLink | None:
    """Spend the link, in the current transaction: the link, or None when the token is
    unknown, of another purpose, used, revoked or expired. One conditional UPDATE and its
    row count decide (never a read, then a write): of two uses at once, one gets the link.
    On SQLite the caller opens the transaction as a writer first (integrity.begin_write)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    hashed = token_hash(token)
    spent = db.session.execute(
        sa.update(LoginLink)
        .where(
            LoginLink.token_hash == hashed,
            LoginLink.purpose == purpose,
            LoginLink.used_at.is_(None),
            LoginLink.revoked_at.is_(None),
            LoginLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        return None
    link = db.session.scalar(sa.select(LoginLink).where(LoginLink.token_hash == hashed))
    db.session.refresh(link)  # a copy loaded before the UPDATE would still say "unused"
    return link


# Password reset -------------------------------------------------------------------------


def send_password_reset(email: str, locale: str, request_root: str | None = None) -> None:
    """Record a reset link for the active manager with this address, e-mailed in
    `locale` (the language of the page that asked) through the outbox, and commit.
    Nothing for an address that is no active manager's. Runs as a job, so that the page
    that asks does the same work for any address; `request_root` is that page's root
    URL, for the link when PUBLIC_URL is not set."""
    address = email.strip().lower()
    manager = db.session.scalar(
        sa.select(Manager).where(Manager.email == address, Manager.active.is_(True))
    )
    if manager is None:
        db.session.rollback()
        return
    venues = manager.venues
    if not venues:
        # Every message belongs to a venue's log; a person with no venue has none.
        log.warning("password reset for manager %s: no venue to send it from", manager.id)
        db.session.rollback()
        return
    begin_write(db.session())
    now = utcnow()
    token = issue_reset(manager, now)
    link = compose.absolute_url("admin.password_reset", _request_root=request_root, token=token)
    draft = compose.password_reset(
        manager.email, link, lifetime(LoginLinkPurpose.RESET), venues[0], locale
    )
    outbox.record_to_manager(draft, venue_id=venues[0].id, now=now)
    db.session.commit()


def reset_password(token: str, password: str) -> Manager | None:
    """Spend the reset link and give its manager the new password, in one transaction
    that ends every session they had. The manager, or None when the link does not work
    (nothing changes then). The caller logs the manager in again if it wants."""
    session = db.session()
    begin_write(session)
    now = utcnow()
    link = use(token, LoginLinkPurpose.RESET, now)
    manager = link.manager if link is not None else None
    if manager is None or not manager.active:
        session.rollback()
        return None
    accounts.set_password(manager, password)
    # Any other reset link still out there is void too: the password it would set is set.
    revoke(manager.id, LoginLinkPurpose.RESET, now)
    session.commit()
    return manager


# Invitations ------------------------------------------------------------------------------


def pending_invitations(venue_id: int, now: datetime) -> list[LoginLink]:
    """The venue's invitations not yet taken up, withdrawn or expired, newest first."""
    return list(
        db.session.scalars(
            sa.select(LoginLink)
            .where(
                LoginLink.purpose == LoginLinkPurpose.INVITE,
                LoginLink.venue_id == venue_id,
                LoginLink.used_at.is_(None),
                LoginLink.revoked_at.is_(None),
                LoginLink.expires_at > now,
            )
            .order_by(LoginLink.created_at.desc(), LoginLink.id.desc())
        )
    )


def _withdraw_invitations(venue_id: int, email: str, now: datetime) -> None:
    db.session.execute(
        sa.update(LoginLink)
        .where(
            LoginLink.purpose == LoginLinkPurpose.INVITE,
            LoginLink.venue_id == venue_id,
            LoginLink.email == email,
            LoginLink.used_at.is_(None),
            LoginLink.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )


def invite(
    venue: Venue, email: str, role: Role, inviter: Manager, request_root: str | None = None
) -> None:
    """Invite the address to take up `role` at `venue`: a one-time link e-mailed through
    the outbox in the venue's language, which voids an earlier invitation of the same
    address to the venue. The caller commits. `request_root` as for a reset."""
    now = utcnow()
    address = email.strip().lower()
    _withdraw_invitations(venue.id, address, now)
    token = issue(
        LoginLinkPurpose.INVITE,
        email=address,
        now=now,
        venue_id=venue.id,
        role=role.value,
        created_by=inviter,
    )
    link = compose.absolute_url("admin.invitation", _request_root=request_root, token=token)
    draft = compose.invitation(
        address,
        link,
        lifetime(LoginLinkPurpose.INVITE),
        venue,
        role,
        inviter.name or inviter.email,
        venue.default_locale,
    )
    outbox.record_to_manager(draft, venue_id=venue.id, now=now)


def accept_invitation(token: str, *, name: str = "", password: str | None = None) -> Manager | None:
    """Spend the invitation and grant its role: to the account with its address, or to
    a new one with `name` and `password` (required then). An account keeps a higher role
    it already has at the venue. The person, or None when the link does not work."""
    session = db.session()
    begin_write(session)
    now = utcnow()
    link = use(token, LoginLinkPurpose.INVITE, now)
    if link is None:
        session.rollback()
        return None
    person = session.scalar(sa.select(Manager).where(Manager.email == link.email))
    if person is None:
        if password is None:
            raise ValueError("a new account needs a password")
        person = Manager(
            email=link.email, name=name, password_hash=accounts.hash_password(password)
        )
        session.add(person)
    granted = Role(link.role)
    current = person.role_at(link.venue_id)
    if current is None:
        person.memberships.append(Membership(venue_id=link.venue_id, role=granted))
    elif not current.allows(granted):
        next(m for m in person.memberships if m.venue_id == link.venue_id).role = granted
    session.commit()
    return person
