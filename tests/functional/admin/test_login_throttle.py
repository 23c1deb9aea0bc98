"""Login attempts are limited per client address and per account. Behind a trusted proxy
(TRUSTED_PROXIES=1) the address is the one the proxy forwards, so one attacker's address
runs out alone, and a bot rotating addresses still runs out of guesses at one account.
Over a limit the form answers 429 with a message. On the default storage and on Redis."""

from __future__ import annotations

import pytest

from tests.functional.admin.conftest import PASSWORD, url
from tests.redis_storage import LimitStorage

PER_ADDRESS = 3
PER_ACCOUNT = 5
TOO_MANY = "Too many attempts to log in. Please wait a few minutes, then try again."
WRONG = "The e-mail address or the password is not right."


@pytest.fixture
def app_settings(app_settings: dict, storage: LimitStorage) -> dict:
    return (
        app_settings
        | storage.settings
        | {
            "RATELIMIT_ENABLED": True,
            "LOGIN_RATE_LIMIT": f"{PER_ADDRESS} per minute",
            "LOGIN_ACCOUNT_RATE_LIMIT": f"{PER_ACCOUNT} per hour",
            "TRUSTED_PROXIES": 1,
        }
    )


def attempt(client, email: str, password: str, *, address: str):
    """A login post that reached us through the proxy, from `address`."""
    return client.post(
        url("admin.login"),
        data={"email": email, "password": password},
        headers={"X-Forwarded-For": address},
    )


def test_a_bot_rotating_addresses_runs_out_of_guesses_at_one_account(
    client, world, other_world, storage
):
    for n in range(PER_ACCOUNT):
        guess = attempt(client, world.manager.email, f"guess {n}", address=f"203.0.113.{n}")
        assert guess.status_code == 422
    # Fresh address, right password, account spelled differently: still refused.
    refused = attempt(client, " Manager@Example.COM", PASSWORD, address="198.51.100.1")
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert TOO_MANY in page and WRONG not in page
    assert 'name="email"' in page and 'name="password"' in page
    assert int(refused.headers["Retry-After"]) > 0
    assert client.get(url("admin.index")).status_code == 302  # not logged in
    # Another manager is not affected.
    other = attempt(client, other_world.manager.email, PASSWORD, address="198.51.100.2")
    assert other.status_code == 302


def test_one_address_over_its_limit_does_not_lock_out_others_behind_the_proxy(
    app, client, world, storage
):
    for n in range(PER_ADDRESS):
        guess = attempt(client, f"nobody{n}@example.com", "guess", address="203.0.113.9")
        assert guess.status_code == 422
    assert attempt(client, "nobody@example.com", "guess", address="203.0.113.9").status_code == 429
    colleague = attempt(app.test_client(), world.manager.email, PASSWORD, address="198.51.100.7")
    assert colleague.status_code == 302


@pytest.mark.parametrize("storage", ["redis"], indirect=True)
def test_the_account_count_lives_in_the_shared_storage(client, world, storage):
    attempt(client, world.manager.email, "guess", address="203.0.113.1")
    keys = storage.stored_keys()
    assert any("login-account:" in key for key in keys)
    assert not any(world.manager.email in key for key in keys)  # hashed, not stored


def test_only_attempts_count_not_the_page(client, world, storage):
    for n in range(PER_ADDRESS + 1):
        attempt(client, f"nobody{n}@example.com", "guess", address="203.0.113.9")
    page = client.get(url("admin.login"), headers={"X-Forwarded-For": "203.0.113.9"})
    assert page.status_code == 200


class TestWithoutTrustedProxies:
    """With no proxy trusted, X-Forwarded-For is the client's own claim: ignored."""

    @pytest.fixture
    def app_settings(self, app_settings: dict) -> dict:
        return app_settings | {"TRUSTED_PROXIES": 0}

    def test_forged_forwarded_for_does_not_buy_more_attempts(self, client, world):
        for n in range(PER_ADDRESS):
            guess = attempt(client, f"nobody{n}@example.com", "guess", address=f"203.0.113.{n}")
            assert guess.status_code == 422
        forged = attempt(client, world.manager.email, PASSWORD, address="198.51.100.1")
        assert forged.status_code == 429
