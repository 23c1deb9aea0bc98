"""A forgotten password, through the pages: the same answer (and the same work in the
request) for any address, a link e-mailed to a manager's only, a link that sets a new
password once, ends every session of the manager and logs this browser in; dead links
get a page of their own; asking is rate-limited like the login."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.security import check_password_hash

from bookingsite import jobs
from bookingsite.extensions import db
from bookingsite.models import LoginLink, Manager, Message, MessageKind
from tests.functional.admin.conftest import PASSWORD, log_in, url

NEW_PASSWORD = "a brand new password"
SENT = "If this address belongs to a manager account, we have sent it a link"
DEAD = "This link does not work"


class OwnContextClient(FlaskClient):
    """Each request in an app context of its own, as in production: the user that
    Flask-Login caches in `g` (and the database session) never carries over from the
    test's context, so several browsers can be told apart."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = OwnContextClient
    return app.test_client()


def ask(client, email: str, **kwargs):
    return client.post(url("admin.forgot_password"), data={"email": email}, **kwargs)


def reset_messages() -> list[Message]:
    # A fresh read: the job wrote them in a session of its own, after this one began.
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(Message)
            .where(Message.kind == MessageKind.PASSWORD_RESET)
            .order_by(Message.id)
        )
    )


def link_in(message: Message) -> str:
    return re.search(r"https?://\S+/password/reset/\S+", message.body_text).group(0)


def emailed_link(client, email: str) -> str:
    assert ask(client, email).status_code == 200
    return link_in(reset_messages()[-1])


def set_password(client, link: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(
        link, data={"password": password, "confirm": password if confirm is None else confirm}
    )


def password_is(manager: Manager, password: str) -> bool:
    db.session.rollback()
    return check_password_hash(db.session.get(Manager, manager.id).password_hash, password)


def test_the_login_page_links_to_the_forgotten_password_page(client, world):
    login = client.get(url("admin.login")).get_data(as_text=True)
    assert f'href="{url("admin.forgot_password")}"' in login
    page = client.get(url("admin.forgot_password"))
    assert page.status_code == 200 and 'name="email"' in page.get_data(as_text=True)


def test_a_known_and_an_unknown_address_get_the_same_answer(client, world):
    known = ask(client, world.manager.email)
    unknown = ask(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert known.get_data() == unknown.get_data()
    assert SENT in known.get_data(as_text=True)
    (message,) = reset_messages()
    assert message.recipient == world.manager.email


def test_the_request_does_the_same_work_for_any_address(app, client, world, monkeypatch):
    """The page only queues the job that looks the address up: no query about it, no
    write, in the request itself."""
    queued = []
    monkeypatch.setattr(
        jobs.jobs(), "send_password_reset", lambda *args: queued.append(args), raising=True
    )
    shouted = f" {world.manager.email.upper()} "
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731 - the statement
    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        ask(client, shouted)
        for_manager = list(statements)
        statements.clear()
        ask(client, "nobody@example.com")
        for_nobody = list(statements)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    assert for_manager == for_nobody
    assert not any("managers" in s or "login_links" in s for s in for_manager)
    assert [args[0] for args in queued] == [shouted.strip(), "nobody@example.com"]
    assert reset_messages() == []


@pytest.mark.parametrize("email", ["", "not an address"])
def test_a_malformed_address_is_explained(client, world, email):
    response = ask(client, email)
    assert response.status_code == 422
    assert SENT not in response.get_data(as_text=True)
    assert reset_messages() == []


def test_an_inactive_manager_is_sent_nothing(client, world):
    world.manager.active = False
    db.session.commit()
    ask(client, world.manager.email)
    assert reset_messages() == []


def test_the_e_mail_carries_a_working_link_in_the_language_asked_in(client, world):
    ask(client, world.manager.email, headers={"Accept-Language": "fr"})
    (message,) = reset_messages()
    assert message.locale == "fr"
    assert message.venue_id == world.venue.id and message.booking_id is None
    link = link_in(message)
    assert link in message.body_html
    page = client.get(link)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert 'name="password"' in html and 'name="confirm"' in html
    assert world.manager.email in html
    # Opening the link spends nothing: a mail scanner may have fetched it first.
    assert client.get(link).status_code == 200


def test_a_new_password_is_set_once_and_logs_the_browser_in(client, world):
    link = emailed_link(client, world.manager.email)
    response = set_password(client, link)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url("admin.index"))
    assert client.get(url("admin.index")).status_code == 200  # logged in
    assert password_is(world.manager, NEW_PASSWORD)
    # The link is spent: neither opening it nor posting to it again does anything.
    assert client.get(link).status_code == 410
    again = set_password(client, link, "a third password, unused")
    assert again.status_code == 410 and DEAD in again.get_data(as_text=True)
    assert password_is(world.manager, NEW_PASSWORD)


def test_the_new_password_logs_in_and_the_old_one_does_not(app, client, world):
    assert set_password(client, emailed_link(client, world.manager.email)).status_code == 302
    assert log_in(app.test_client(), world.manager.email, PASSWORD).status_code == 422
    assert log_in(app.test_client(), world.manager.email, NEW_PASSWORD).status_code == 302


def test_every_earlier_session_of_the_manager_ends(app, client, world):
    office = app.test_client()
    assert log_in(office, world.manager.email).status_code == 302
    phone = app.test_client()
    remembered = phone.post(
        url("admin.login"),
        data={"email": world.manager.email, "password": PASSWORD, "remember": "y"},
    )
    assert remembered.status_code == 302
    phone.delete_cookie("session")  # the browser restarts: only the remember-me cookie
    assert phone.get(url("admin.index")).status_code == 200

    assert set_password(client, emailed_link(client, world.manager.email)).status_code == 302

    for device in (office, phone):
        response = device.get(url("admin.index"))
        assert response.status_code == 302
        assert url("admin.login") in response.headers["Location"]
    assert client.get(url("admin.index")).status_code == 200  # the one that reset it


def test_an_expired_link_is_refused(client, world, clock):
    link = emailed_link(client, world.manager.email)
    clock.advance(timedelta(minutes=60))
    page = client.get(link)
    assert page.status_code == 410
    html = page.get_data(as_text=True)
    assert DEAD in html and f'href="{url("admin.forgot_password")}"' in html
    assert set_password(client, link).status_code == 410
    assert password_is(world.manager, PASSWORD)


def test_only_the_newest_link_works(client, world):
    older = emailed_link(client, world.manager.email)
    newer = emailed_link(client, world.manager.email)
    assert client.get(older).status_code == 410
    assert set_password(client, newer).status_code == 302


@pytest.mark.parametrize("token", ["not-a-link", "x" * 300])
def test_an_unknown_link_is_404_with_a_way_to_ask_again(client, world, token):
    page = client.get(url("admin.password_reset", token=token))
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert DEAD in html and f'href="{url("admin.forgot_password")}"' in html
    assert set_password(client, url("admin.password_reset", token=token)).status_code == 404


@pytest.mark.parametrize(
    ("password", "confirm", "problem"),
    [
        ("short", "short", "at least 10 characters"),
        (NEW_PASSWORD, "something else entirely", "The two passwords are not the same."),
        ("", "", "This field is required."),
    ],
    ids=["too-short", "mismatch", "empty"],
)
def test_a_bad_new_password_is_explained_and_spends_nothing(
    client, world, password, confirm, problem
):
    link = emailed_link(client, world.manager.email)
    response = set_password(client, link, password, confirm)
    assert response.status_code == 422
    assert problem in response.get_data(as_text=True)
    assert password_is(world.manager, PASSWORD)
    assert db.session.scalar(sa.select(LoginLink.used_at)) is None
    assert set_password(client, link).status_code == 302


def test_the_venue_log_names_the_message_but_never_shows_its_link(admin, world):
    link = emailed_link(admin, world.manager.email)
    (message,) = reset_messages()
    listed = admin.get(url("admin.messages", venue_id=world.venue.id)).get_data(as_text=True)
    assert "Password reset link, to a manager" in listed
    shown = admin.get(
        url("admin.message_detail", venue_id=world.venue.id, message_id=message.id)
    ).get_data(as_text=True)
    assert message.subject in shown
    assert link not in shown and link.rsplit("/", 1)[1] not in shown


class TestRateLimit:
    PER_ADDRESS = 3

    @pytest.fixture
    def app_settings(self, app_settings: dict) -> dict:
        return app_settings | {
            "RATELIMIT_ENABLED": True,
            "PASSWORD_RESET_RATE_LIMIT": "10 per minute",
            "PASSWORD_RESET_EMAIL_RATE_LIMIT": f"{self.PER_ADDRESS} per hour",
        }

    def test_asking_too_often_about_one_address_is_refused_with_429(self, app, client, world):
        for _ in range(self.PER_ADDRESS):
            assert ask(client, world.manager.email).status_code == 200
        refused = ask(client, world.manager.email.upper())
        assert refused.status_code == 429
        html = refused.get_data(as_text=True)
        assert "Too many requests" in html and 'name="email"' in html
        assert int(refused.headers["Retry-After"]) > 0
        assert len(reset_messages()) == self.PER_ADDRESS
        # An unknown address runs out the same way; the page itself stays reachable.
        for _ in range(self.PER_ADDRESS):
            ask(client, "nobody@example.com")
        assert ask(client, "nobody@example.com").status_code == 429
        assert client.get(url("admin.forgot_password")).status_code == 200
        # The login keeps its own limits and its own page.
        assert log_in(app.test_client(), world.manager.email).status_code == 302
