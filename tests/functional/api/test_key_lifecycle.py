"""Revoked and rotated keys over HTTP, and the key's last use."""

from __future__ import annotations

from datetime import timedelta

from bookingsite.clock import FrozenClock
from bookingsite.extensions import db
from bookingsite.models import Partner
from tests.functional.api.conftest import Api, error_code


def partners_cli(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["partners", *args])
    assert result.exit_code == 0, result.output
    return result.output


def the_partner() -> Partner:
    db.session.expire_all()
    return db.session.scalar(db.select(Partner))


def test_a_revoked_key_gets_401_on_its_next_call(app, api: Api) -> None:
    assert api.get("/v1/venues").status_code == 200

    partners_cli(app, "revoke", str(the_partner().id))

    response = api.get("/v1/venues")
    assert response.status_code == 401
    assert error_code(response) == "UNAUTHORIZED"


def test_a_rotated_key_old_value_gets_401_and_the_new_one_200(app, api: Api, client) -> None:
    new_key = partners_cli(app, "rotate", the_partner().key_prefix).strip().splitlines()[-1]

    assert api.get("/v1/venues").status_code == 401
    rotated = Api(client, new_key)
    assert rotated.get("/v1/venues").status_code == 200
    assert rotated.post("/v1/venues", {"name": "Studio", "timezone": "UTC"}).status_code == 201


def test_the_last_use_is_recorded_at_most_once_a_minute(api: Api, clock: FrozenClock) -> None:
    assert the_partner().last_used_at is None
    first_call = clock.now()

    api.get("/v1/venues")
    assert the_partner().last_used_at == first_call

    clock.advance(timedelta(seconds=59))
    api.get("/v1/venues")
    assert the_partner().last_used_at == first_call  # not rewritten on every call

    clock.advance(timedelta(seconds=1))
    api.post("/v1/venues", {"name": "Studio", "timezone": "UTC"})
    assert the_partner().last_used_at == first_call + timedelta(minutes=1)


def test_a_refused_key_is_not_recorded_as_used(api: Api, client) -> None:
    Api(client, api.key[:-1] + ("A" if api.key[-1] != "A" else "B")).get("/v1/venues")
    assert the_partner().last_used_at is None
