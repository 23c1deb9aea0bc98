"""Owners invite people by e-mail with a role: a new person chooses a name and a
password, someone with an account confirms it; the link works once, until it expires or
is withdrawn; the person lands with the role granted and no more."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from bookingsite.accounts import create_manager
from bookingsite.extensions import db
from bookingsite.models import Manager, Message, MessageKind, Role
from tests.factories import make_venue
from tests.functional.admin.conftest import World, log_in, url

pytestmark = pytest.mark.usefixtures("backend")
NEW_PASSWORD = "a brand new password"


def invite(admin, world: World, email: str, role: str = "front_desk"):
    return admin.post(
        url("admin.invitation_create", venue_id=world.venue.id), data={"email": email, "role": role}
    )


def invitation_link(email: str) -> str:
    db.session.rollback()
    message = db.session.scalars(
        sa.select(Message)
        .where(Message.kind == MessageKind.INVITATION, Message.recipient == email)
        .order_by(Message.id.desc())
    ).first()
    assert message is not None, f"no invitation to {email}"
    return re.search(r"https?://\S+/invitations/\S+", message.body_text).group(0)


def test_a_new_person_joins_with_the_role_granted(app, admin, world: World) -> None:
    assert invite(admin, world, "Newcomer@Example.com").status_code == 303
    link = invitation_link("newcomer@example.com")
    people = admin.get(url("admin.people", venue_id=world.venue.id)).get_data(as_text=True)
    assert "newcomer@example.com" in people  # pending

    browser = app.test_client()
    page = browser.get(link)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Front desk" in page.get_data(as_text=True)
    mismatch = browser.post(
        link, data={"name": "Nina", "password": NEW_PASSWORD, "confirm": "something else"}
    )
    assert mismatch.status_code == 422
    joined = browser.post(
        link, data={"name": "Nina", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )

    assert joined.status_code == 302
    assert joined.headers["Location"].endswith(url("admin.venue_home", venue_id=world.venue.id))
    person = db.session.scalar(sa.select(Manager).where(Manager.email == "newcomer@example.com"))
    assert person.name == "Nina" and check_password_hash(person.password_hash, NEW_PASSWORD)
    assert person.role_at(world.venue.id) is Role.FRONT_DESK
    assert browser.get(url("admin.timeline", venue_id=world.venue.id)).status_code == 200
    assert browser.get(url("admin.resources", venue_id=world.venue.id)).status_code == 403
    # Used: the link works no more.
    assert app.test_client().get(link).status_code == 410


def test_someone_with_an_account_confirms_it(app, admin, world: World) -> None:
    elsewhere = make_venue(slug="elsewhere")
    create_manager("known@example.com", "their own password", [elsewhere], role=Role.MANAGER)
    invite(admin, world, "known@example.com", role="manager")
    link = invitation_link("known@example.com")

    browser = app.test_client()
    wrong = browser.post(link, data={"password": "not theirs at all"})
    assert wrong.status_code == 422
    assert "This is not the password of known@example.com." in wrong.get_data(as_text=True)
    assert browser.post(link, data={"password": "their own password"}).status_code == 302

    person = db.session.scalar(sa.select(Manager).where(Manager.email == "known@example.com"))
    assert person.role_at(world.venue.id) is Role.MANAGER
    assert person.role_at(elsewhere.id) is Role.MANAGER


def test_expired_withdrawn_and_replaced_invitations_are_refused(
    app, admin, world: World, clock
) -> None:
    invite(admin, world, "late@example.com")
    late = invitation_link("late@example.com")
    clock.advance(timedelta(days=7))
    assert app.test_client().get(late).status_code == 410

    invite(admin, world, "twice@example.com")
    first = invitation_link("twice@example.com")
    invite(admin, world, "twice@example.com", role="manager")
    second = invitation_link("twice@example.com")
    assert app.test_client().get(first).status_code == 410  # the newer one replaced it

    db.session.rollback()
    html = admin.get(url("admin.people", venue_id=world.venue.id)).get_data(as_text=True)
    withdraw = re.search(r'action="([^"]*/invitations/\d+/withdraw)"', html).group(1)
    assert admin.post(withdraw).status_code == 303
    assert app.test_client().get(second).status_code == 410
    assert app.test_client().get(late.rsplit("/", 1)[0] + "/nonsense").status_code == 404


def test_a_member_is_not_invited_again_and_bad_addresses_are_refused(admin, world) -> None:
    again = invite(admin, world, world.manager.email)
    assert again.status_code == 409
    assert "already has access here" in again.get_data(as_text=True)
    assert invite(admin, world, "not an address").status_code == 422
    db.session.rollback()
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Message.id)).where(Message.kind == MessageKind.INVITATION)
        )
        == 0
    )


def test_only_owners_invite(client, world: World) -> None:
    create_manager("boss2@example.com", "a long password", [world.venue], role=Role.MANAGER)
    log_in(client, "boss2@example.com", "a long password")
    assert client.get(url("admin.people", venue_id=world.venue.id)).status_code == 403
    assert invite(client, world, "friend@example.com").status_code == 403
