"""One-time login links on SQLite and PostgreSQL: a link works once, until it expires,
for its purpose only; a newer reset link voids the older; only a hash is stored; and of
uses racing each other exactly one succeeds."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from bookingsite import login_links
from bookingsite.accounts import create_manager
from bookingsite.clock import FrozenClock
from bookingsite.extensions import db
from bookingsite.integrity import begin_write
from bookingsite.login_links import issue, issue_reset, reset_password, use
from bookingsite.models import LoginLink, LoginLinkPurpose, Manager
from tests.factories import make_venue

pytestmark = pytest.mark.usefixtures("backend")

RESET = LoginLinkPurpose.RESET
RACERS = 12
ROUNDS = 5


@pytest.fixture
def app_settings(app_settings: dict) -> dict:
    # Every racer gets its own connection at once.
    return app_settings | {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": RACERS + 2}}


@pytest.fixture
def manager(app) -> Manager:
    return create_manager("ann@example.com", "the first password", [make_venue()])


def new_reset_link(manager: Manager, clock: FrozenClock) -> str:
    token = issue_reset(manager, clock.now())
    db.session.commit()
    return token


def spend(token: str, clock: FrozenClock, purpose: LoginLinkPurpose = RESET) -> bool:
    link = use(token, purpose, clock.now())
    db.session.commit()
    return link is not None


def test_a_link_works_once(manager, clock):
    token = new_reset_link(manager, clock)
    link = use(token, RESET, clock.now())
    assert link is not None and link.manager_id == manager.id
    assert link.used_at == clock.now()
    db.session.commit()
    assert not spend(token, clock)


def test_a_link_works_until_it_expires(manager, clock):
    first, second = new_reset_link(manager, clock), None
    clock.advance(timedelta(minutes=60) - timedelta(seconds=1))
    assert spend(first, clock)
    second = issue(RESET, email=manager.email, manager=manager, now=clock.now())
    db.session.commit()
    clock.advance(timedelta(minutes=60))  # the default: an hour, to the instant
    assert not spend(second, clock)


def test_the_lifetimes_are_settings(app, manager, clock):
    app.config["PASSWORD_RESET_LINK_MINUTES"] = 5
    token = new_reset_link(manager, clock)
    invitation = issue(LoginLinkPurpose.INVITE, email="bob@example.com", now=clock.now())
    db.session.commit()
    clock.advance(timedelta(minutes=5))
    assert not spend(token, clock)
    clock.advance(timedelta(days=7) - timedelta(minutes=5, seconds=1))
    assert spend(invitation, clock, LoginLinkPurpose.INVITE)


def test_a_newer_reset_link_voids_the_older_ones(manager, clock):
    older = [new_reset_link(manager, clock) for _ in range(2)]
    newest = new_reset_link(manager, clock)
    assert not any(spend(token, clock) for token in older)
    assert spend(newest, clock)
    revoked = db.session.scalars(sa.select(LoginLink.revoked_at).where(LoginLink.used_at.is_(None)))
    assert list(revoked) == [clock.now(), clock.now()]


def test_a_new_reset_link_leaves_other_managers_and_invitations_alone(manager, clock):
    other = create_manager("bob@example.com", "another password", [make_venue()])
    others = new_reset_link(other, clock)
    invitation = issue(
        LoginLinkPurpose.INVITE, email=manager.email, manager=manager, now=clock.now()
    )
    db.session.commit()
    new_reset_link(manager, clock)
    assert spend(others, clock)
    assert spend(invitation, clock, LoginLinkPurpose.INVITE)


def test_a_link_serves_its_own_purpose_only(manager, clock):
    invitation = issue(
        LoginLinkPurpose.INVITE, email=manager.email, manager=manager, now=clock.now()
    )
    db.session.commit()
    assert not spend(invitation, clock, RESET)
    assert spend(invitation, clock, LoginLinkPurpose.INVITE)


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 300])
def test_unknown_tokens_open_nothing(manager, clock, token):
    new_reset_link(manager, clock)
    assert login_links.find(token) is None
    assert not spend(token, clock)


def test_only_a_hash_of_the_token_is_stored(manager, clock):
    token = new_reset_link(manager, clock)
    row = db.session.execute(sa.select(LoginLink.__table__)).one()
    assert token not in [str(value) for value in row]
    assert row.token_hash == login_links.token_hash(token) != token


def test_an_invitation_can_carry_the_venue_and_role_it_grants(manager, clock):
    venue = manager.venues[0]
    token = issue(
        LoginLinkPurpose.INVITE,
        email=" New@Example.com ",
        venue_id=venue.id,
        role="front_desk",
        created_by=manager,
        now=clock.now(),
    )
    db.session.commit()
    link = use(token, LoginLinkPurpose.INVITE, clock.now())
    assert (link.email, link.venue_id, link.role, link.created_by_id, link.manager_id) == (
        "new@example.com",
        venue.id,
        "front_desk",
        manager.id,
        None,
    )
    assert link.expires_at == clock.now() + timedelta(days=7)


def test_a_reset_link_always_names_its_manager(app, clock):
    db.session.add(
        LoginLink(
            token_hash="0" * 64,
            purpose=RESET,
            email="nobody@example.com",
            created_at=clock.now(),
            expires_at=clock.now() + timedelta(hours=1),
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_stale_read_does_not_let_a_link_be_used_twice(app, manager, clock):
    """The check is the UPDATE's condition, not an earlier read: a link loaded as unused
    by one session and spent meanwhile by another is refused to the first."""
    token = new_reset_link(manager, clock)
    seen = login_links.find(token)
    assert seen.is_usable_at(clock.now())
    with app.app_context():  # another request, its own session
        assert spend(token, clock)
        db.session.remove()
    begin_write(db.session())  # as reset_password does: SQLite's writer starts afresh
    assert use(token, RESET, clock.now()) is None
    db.session.rollback()


def test_resetting_sets_the_password_and_ends_the_sessions(manager, clock):
    before = manager.get_id()
    token = new_reset_link(manager, clock)
    other = new_reset_link(manager, clock)
    changed = reset_password(other, "a brand new password")
    assert changed is not None and changed.id == manager.id
    db.session.expire_all()
    manager = db.session.get(Manager, manager.id)
    assert check_password_hash(manager.password_hash, "a brand new password")
    assert manager.get_id() != before
    assert not spend(token, clock)
    assert reset_password(other, "yet another password") is None


def test_an_inactive_manager_cannot_reset_and_the_link_stays_unspent(manager, clock):
    token = new_reset_link(manager, clock)
    manager.active = False
    db.session.commit()
    assert reset_password(token, "a brand new password") is None
    db.session.expire_all()
    assert login_links.find(token).used_at is None


def race(app, token: str, clock: FrozenClock, attempt) -> Counter:
    barrier = threading.Barrier(RACERS)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def racer(n: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                outcome = "used" if attempt(token, n) else "refused"
            except Exception as error:  # noqa: BLE001 - any other error is a finding
                outcome = f"{type(error).__name__}: {error}"
            finally:
                db.session.remove()
            with lock:
                outcomes[outcome] += 1

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _use_in_own_transaction(clock: FrozenClock):
    def attempt(token: str, _n: int) -> bool:
        begin_write(db.session())
        return spend(token, clock)

    return attempt


def _reset(token: str, n: int) -> bool:
    return reset_password(token, f"racer {n} password") is not None


@pytest.mark.slow
@pytest.mark.parametrize("how", ["use", "reset_password"])
def test_of_uses_racing_each_other_exactly_one_succeeds(app, manager, clock, how):
    attempt = _use_in_own_transaction(clock) if how == "use" else _reset
    for round_ in range(ROUNDS):
        token = new_reset_link(manager, clock)
        outcomes = race(app, token, clock, attempt)
        assert outcomes == Counter({"used": 1, "refused": RACERS - 1}), f"round {round_}"
    db.session.expire_all()
    assert db.session.get(Manager, manager.id).session_version == (
        ROUNDS if how == "reset_password" else 0
    )
