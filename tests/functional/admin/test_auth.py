"""Logging in and out, the safe `next` redirect, and the login rate limit."""

from __future__ import annotations

import pytest
from werkzeug.security import check_password_hash

from bookingsite.models import Manager
from tests.functional.admin.conftest import PASSWORD, log_in, url


def test_login_page_renders_the_form(client, world):
    page = client.get(url("admin.login")).get_data(as_text=True)
    assert 'name="email"' in page and 'name="password"' in page


def test_good_credentials_log_in_and_land_on_the_venue_list(client, world):
    response = log_in(client, world.manager.email)
    assert response.status_code == 302
    assert response.headers["Location"] == url("admin.index")
    assert world.venue.name in client.get(url("admin.index")).get_data(as_text=True)


def test_email_is_case_insensitive(client, world):
    assert log_in(client, world.manager.email.upper()).status_code == 302


@pytest.mark.parametrize(
    "email, password",
    [
        ("manager@example.com", "wrong password"),
        ("nobody@example.com", PASSWORD),
    ],
    ids=["wrong-password", "unknown-email"],
)
def test_bad_credentials_get_one_message_and_422(client, world, email, password):
    response = log_in(client, email, password)
    assert response.status_code == 422
    assert "The e-mail address or the password is not right." in response.get_data(as_text=True)


def test_an_inactive_manager_cannot_log_in(client, world, app):
    world.manager.active = False
    from bookingsite.extensions import db

    db.session.commit()
    assert log_in(client, world.manager.email).status_code == 422


def test_passwords_are_stored_hashed_with_scrypt_by_default(app, world):
    from bookingsite.config import Defaults

    assert Defaults.PASSWORD_HASH_METHOD == "scrypt"  # tests use a fast hash instead
    stored = world.manager.password_hash
    assert stored.startswith(app.config["PASSWORD_HASH_METHOD"].split(":")[0] + ":")
    assert PASSWORD not in stored and check_password_hash(stored, PASSWORD)


def test_next_is_followed_only_on_this_site(client, world):
    timeline = url("admin.timeline", venue_id=world.venue.id)
    response = client.post(
        url("admin.login", next=timeline), data={"email": world.manager.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == timeline
    client.post(url("admin.logout"))
    response = client.post(
        url("admin.login", next="//evil.example/steal"),
        data={"email": world.manager.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == url("admin.index")


def test_logout_ends_the_session(admin, world):
    assert admin.post(url("admin.logout")).status_code == 302
    response = admin.get(url("admin.index"))
    assert response.status_code == 302 and url("admin.login") in response.headers["Location"]


def test_logout_is_post_only(admin):
    assert admin.get(url("admin.logout")).status_code == 405


def test_missing_fields_are_explained(client, world):
    response = client.post(url("admin.login"), data={"email": "", "password": ""})
    assert response.status_code == 422
    assert response.get_data(as_text=True).count('class="field-error"') == 2


class TestRateLimit:
    @pytest.fixture
    def app_settings(self, app_settings: dict) -> dict:
        return {**app_settings, "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}

    def test_too_many_attempts_are_refused_with_429(self, client, world):
        for _ in range(3):
            assert log_in(client, world.manager.email, "guess").status_code == 422
        response = log_in(client, world.manager.email, PASSWORD)
        assert response.status_code == 429
        # Only attempts count: the page itself stays reachable.
        assert client.get(url("admin.login")).status_code == 200


def test_manager_rows_are_found_by_loader(app, world):
    from bookingsite.admin.auth import load_manager

    assert isinstance(load_manager(world.manager.get_id()), Manager)
    assert load_manager("not-a-number") is None
    # The id alone (a session from before session versions) logs no one in.
    assert load_manager(str(world.manager.id)) is None
    assert load_manager(f"{world.manager.id}:not-a-number") is None
