"""The venue's API keys page: the keys that reach the venue (and only those), a key
created and shown once that then works against the API, what a key may do here changed
and enforced by the API, the rate limit set and refused inline, withdrawing, rotating and
revoking, and the whole-key actions refused to a manager who does not manage every venue
the key reaches. Other venues' keys answer 404; every change needs the CSRF token."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from bookingsite.accounts import EVERY_SCOPE, create_manager, create_partner, record_key_use
from bookingsite.extensions import db
from bookingsite.i18n import local_datetime
from bookingsite.models import Partner, Scope
from tests.functional.admin.conftest import MONDAY_10, PASSWORD, World, log_in, url

KEY = re.compile(r"bk_[A-Za-z0-9_-]{32}")


def page(response) -> str:
    return unescape(response.get_data(as_text=True))


def input_tag(text: str, field_id: str) -> str:
    tag = re.search(rf'<input[^>]*\bid="{field_id}"[^>]*>', text)
    assert tag, f"no input {field_id}"
    return tag.group()


def marked_invalid(text: str, field_id: str) -> bool:
    return 'aria-invalid="true"' in input_tag(text, field_id)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def venue_status(client, world: World, key: str) -> int:
    path = url("api.get_venue", venue_id=world.venue.id)
    return client.get(path, headers=bearer(key)).status_code


def hold_status(client, world: World, key: str, hours: int = 2) -> int:
    start = (MONDAY_10 + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
    response = client.post(
        url("api.create_booking"),
        json={"serviceId": world.service.id, "startTime": start},
        headers=bearer(key),
    )
    return response.status_code


def key_url(endpoint: str, world: World, partner: Partner) -> str:
    return url(endpoint, venue_id=world.venue.id, partner_id=partner.id)


def fresh(partner_id: int) -> Partner:
    db.session.expire_all()
    return db.session.get(Partner, partner_id)


def new_key(clock, name: str, *venues, scopes=EVERY_SCOPE) -> tuple[Partner, str]:
    return create_partner(name, [w.venue for w in venues], scopes=scopes, now=clock.now())


def create(admin, world: World, **fields):
    data = {"name": "Hotel app", "book": "y"} | fields
    return admin.post(url("admin.key_create", venue_id=world.venue.id), data=data)


def test_the_list_shows_the_keys_that_reach_this_venue_only(
    admin, app, clock, world: World, other_world: World
) -> None:
    here, _key = new_key(clock, "Channel manager", world)
    new_key(clock, "Elsewhere only", other_world)
    clock.advance(timedelta(hours=2))
    both, _key = new_key(clock, "Shared app", world, other_world, scopes={Scope.READ})
    both.rate_limit = "600/minute"
    db.session.commit()
    record_key_use(here, clock.now() + timedelta(minutes=5))
    assert "API keys" in page(admin.get(url("admin.venue_home", venue_id=world.venue.id)))

    listing = page(admin.get(url("admin.keys", venue_id=world.venue.id)))

    assert "Channel manager" in listing and "Shared app" in listing
    assert "Elsewhere only" not in listing
    assert f"{here.key_prefix}…" in listing and f"{both.key_prefix}…" in listing
    assert "Read, Book, Manage" in listing and "600/minute" in listing
    assert "API default" in listing and "never" in listing and "Active" in listing
    with app.test_request_context():  # Babel's words for the venue's zone (Berlin)
        created = local_datetime(here.created_at, "Europe/Berlin", "medium")
        used = local_datetime(fresh(here.id).last_used_at, "Europe/Berlin", "medium")
    assert created in listing and used in listing
    assert "1:00:00" in created and "3:05:00" in used  # UTC+1
    assert not KEY.search(listing)


def test_a_new_key_is_shown_once_and_works_against_the_api(admin, client, world: World) -> None:
    created = create(admin, world, rate_limit=" 600/minute ")

    assert created.status_code == 201
    assert created.headers["Cache-Control"] == "no-store"
    text = page(created)
    assert "Copy it now: it will not be shown again" in text
    keys = set(KEY.findall(text))
    assert len(keys) == 1
    key = keys.pop()
    partner = db.session.scalars(sa.select(Partner)).one()
    assert partner.name == "Hotel app" and partner.rate_limit == "600/minute"
    assert partner.scopes == {Scope.READ, Scope.BOOK}
    assert partner.scopes_at(world.venue.id) == {Scope.READ, Scope.BOOK}
    assert key.startswith(partner.key_prefix)
    for later in (
        url("admin.keys", venue_id=world.venue.id),
        key_url("admin.key_detail", world, partner),
    ):
        assert key not in page(admin.get(later))

    assert venue_status(client, world, key) == 200
    assert hold_status(client, world, key) == 201


def test_a_key_created_to_read_only_may_not_book(admin, client, world: World) -> None:
    created = create(admin, world, name="Read-only widget", book="")
    key = KEY.search(page(created)).group()

    assert venue_status(client, world, key) == 200
    assert hold_status(client, world, key) == 403
    assert fresh(db.session.scalars(sa.select(Partner.id)).one()).scopes == {Scope.READ}


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"name": "  "}, "name", "This field is required."),
        ({"name": "x" * 201}, "name", "Field cannot be longer than 200 characters."),
        ({"rate_limit": "lots"}, "rate_limit", "for example 600/minute"),
        ({"rate_limit": "0/minute"}, "rate_limit", "for example 600/minute"),
        ({"rate_limit": "1" * 50 + "/minute"}, "rate_limit", "for example 600/minute"),
    ],
    ids=["blank-name", "long-name", "words", "zero", "too-long"],
)
def test_bad_input_on_create_is_said_inline_and_creates_nothing(
    admin, world: World, fields, field, message
) -> None:
    response = create(admin, world, **fields)

    assert response.status_code == 422
    text = page(response)
    assert marked_invalid(text, field)
    assert f'id="{field}-error"' in text and message in text
    assert db.session.scalars(sa.select(Partner)).all() == []


def test_what_a_key_may_do_here_changes_and_the_api_follows(
    admin, client, clock, world: World
) -> None:
    partner, key = new_key(clock, "Channel manager", world)
    assert hold_status(client, world, key) == 201

    response = admin.post(key_url("admin.key_scopes", world, partner), data={"manage": "y"})

    assert response.status_code == 303
    assert response.headers["Location"].endswith(key_url("admin.key_detail", world, partner))
    assert fresh(partner.id).scopes_at(world.venue.id) == {Scope.READ, Scope.MANAGE}
    assert fresh(partner.id).scopes == EVERY_SCOPE  # the key's own scopes are not touched
    assert "may now: Read, Manage" in page(admin.get(response.headers["Location"]))
    listing = page(admin.get(url("admin.keys", venue_id=world.venue.id)))
    assert re.search(r'data-label="May do here">Read, Manage<', listing)
    assert hold_status(client, world, key, hours=7) == 403

    admin.post(key_url("admin.key_scopes", world, partner), data={"book": "y"})
    assert hold_status(client, world, key, hours=7) == 201


def test_a_scope_beyond_the_key_s_own_is_explained_and_refused(admin, clock, world: World) -> None:
    partner, _key = new_key(clock, "Widget", world, scopes={Scope.READ, Scope.BOOK})
    detail = page(admin.get(key_url("admin.key_detail", world, partner)))
    assert " disabled" in input_tag(detail, "manage")
    assert "Not for this key: it was created without it" in detail
    assert " disabled" not in input_tag(detail, "book")

    response = admin.post(
        key_url("admin.key_scopes", world, partner), data={"book": "y", "manage": "y"}
    )

    assert response.status_code == 422
    assert "This key may not do this anywhere" in page(response)
    assert 'id="manage-error"' in page(response)
    assert fresh(partner.id).scopes_at(world.venue.id) == {Scope.READ, Scope.BOOK}


def test_the_rate_limit_is_set_refused_inline_and_cleared(admin, clock, world: World) -> None:
    partner, _key = new_key(clock, "Channel manager", world)
    limit = key_url("admin.key_limit", world, partner)

    assert admin.post(limit, data={"rate_limit": "2/minute"}).status_code == 303
    assert fresh(partner.id).rate_limit == "2/minute"
    assert "The rate limit of “Channel manager” is now 2/minute." in page(
        admin.get(key_url("admin.key_detail", world, partner))
    )
    assert "2/minute" in page(admin.get(url("admin.keys", venue_id=world.venue.id)))

    refused = admin.post(limit, data={"rate_limit": "twice a minute"})
    assert refused.status_code == 422
    text = page(refused)
    assert marked_invalid(text, "rate_limit")
    assert "Write a limit as a number of requests per period, for example 600/minute." in text
    assert fresh(partner.id).rate_limit == "2/minute"

    assert admin.post(limit, data={"rate_limit": ""}).status_code == 303
    assert fresh(partner.id).rate_limit is None
    assert "API default" in page(admin.get(key_url("admin.key_detail", world, partner)))


class TestRateLimitEnforced:
    @pytest.fixture
    def app_settings(self, app_settings: dict) -> dict:
        return app_settings | {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}

    def test_the_api_counts_with_the_limit_set_here(
        self, admin, client, clock, world: World
    ) -> None:
        partner, key = new_key(clock, "Channel manager", world)
        limit = key_url("admin.key_limit", world, partner)
        assert admin.post(limit, data={"rate_limit": "2/minute"}).status_code == 303
        assert [venue_status(client, world, key) for _ in range(3)] == [200, 200, 429]


def test_a_key_withdrawn_from_the_venue_no_longer_finds_it(
    admin, client, clock, world: World, other_world: World
) -> None:
    create_manager("both@example.com", PASSWORD, [world.venue, other_world.venue])
    partner, key = new_key(clock, "Shared app", world, other_world)
    confirm = admin.get(key_url("admin.key_withdraw_confirm", world, partner))
    assert confirm.status_code == 200
    assert "Withdraw “Shared app” from Alpha?" in page(confirm)
    assert fresh(partner.id).scopes_at(world.venue.id) is not None  # asking changed nothing

    response = admin.post(key_url("admin.key_withdraw", world, partner))

    assert response.status_code == 303
    assert response.headers["Location"].endswith(url("admin.keys", venue_id=world.venue.id))
    assert venue_status(client, world, key) == 404
    assert venue_status(client, other_world, key) == 200
    listing = page(admin.get(response.headers["Location"]))
    assert "“Shared app” no longer reaches Alpha." in listing
    assert "No key reaches this venue yet." in listing
    assert admin.get(key_url("admin.key_detail", world, partner)).status_code == 404


def test_withdrawing_from_the_last_venue_says_so(admin, clock, world: World) -> None:
    partner, _key = new_key(clock, "Widget", world)
    confirm = page(admin.get(key_url("admin.key_withdraw_confirm", world, partner)))
    assert "This is the only venue the key reaches" in confirm


def test_a_rotated_key_replaces_the_old_one(admin, client, clock, world: World) -> None:
    partner, old = new_key(clock, "Channel manager", world)
    assert venue_status(client, world, old) == 200
    assert admin.get(key_url("admin.key_rotate_confirm", world, partner)).status_code == 200

    rotated = admin.post(key_url("admin.key_rotate", world, partner))

    assert rotated.status_code == 200
    assert rotated.headers["Cache-Control"] == "no-store"
    text = page(rotated)
    assert "the old one no longer works" in text
    [new] = set(KEY.findall(text))
    assert new != old
    assert venue_status(client, world, old) == 401
    assert venue_status(client, world, new) == 200
    assert fresh(partner.id).key_prefix == new[: len(fresh(partner.id).key_prefix)]


def test_a_revoked_key_is_refused_and_can_be_given_a_new_one(
    admin, client, clock, world: World
) -> None:
    partner, key = new_key(clock, "Channel manager", world)
    assert "Revoke the key of “Channel manager”?" in page(
        admin.get(key_url("admin.key_revoke_confirm", world, partner))
    )

    response = admin.post(key_url("admin.key_revoke", world, partner))

    assert response.status_code == 303
    assert venue_status(client, world, key) == 401
    detail = page(admin.get(response.headers["Location"]))
    assert "is revoked: its next call is refused" in detail and "Revoked" in detail
    assert "Give it a new key and reactivate it" in detail
    assert "Revoked" in page(admin.get(url("admin.keys", venue_id=world.venue.id)))

    again = admin.post(key_url("admin.key_rotate", world, partner))
    assert venue_status(client, world, KEY.search(page(again)).group()) == 200


def test_another_venue_s_manager_gets_404(
    app, client, clock, world: World, other_world: World
) -> None:
    partner, key = new_key(clock, "Channel manager", world)
    log_in(client, other_world.manager.email)
    assert client.get(url("admin.keys", venue_id=world.venue.id)).status_code == 404
    assert client.post(url("admin.key_create", venue_id=world.venue.id)).status_code == 404
    endpoints = [
        "admin.key_detail",
        "admin.key_withdraw_confirm",
        "admin.key_rotate_confirm",
        "admin.key_revoke_confirm",
    ]
    actions = ["admin.key_scopes", "admin.key_limit", "admin.key_withdraw"]
    actions += ["admin.key_rotate", "admin.key_revoke"]
    for venue in (world.venue, other_world.venue):  # their venue in the URL, or mine
        for endpoint in endpoints:
            path = url(endpoint, venue_id=venue.id, partner_id=partner.id)
            assert client.get(path).status_code == 404, (endpoint, venue.name)
        for endpoint in actions:
            path = url(endpoint, venue_id=venue.id, partner_id=partner.id)
            data = {"rate_limit": "1/minute", "book": "y"}
            assert client.post(path, data=data).status_code == 404, (endpoint, venue.name)
    after = fresh(partner.id)
    assert after.active and after.rate_limit is None and after.scopes_at(world.venue.id)
    assert venue_status(client, world, key) == 200
    missing = url("admin.key_detail", venue_id=other_world.venue.id, partner_id=10**6)
    assert client.get(missing).status_code == 404


def test_whole_key_changes_need_a_manager_of_every_venue_it_reaches(
    admin, client, clock, world: World, other_world: World
) -> None:
    partner, key = new_key(clock, "Shared app", world, other_world)
    detail = page(admin.get(key_url("admin.key_detail", world, partner)))
    assert "also reaches 1 venue that you do not manage" in detail
    assert re.search(r"<button[^>]*disabled[^>]*>Rotate the key…", detail)
    assert re.search(r"<button[^>]*disabled[^>]*>Revoke the key…", detail)
    assert key_url("admin.key_rotate_confirm", world, partner) not in detail

    for endpoint in ("admin.key_rotate_confirm", "admin.key_revoke_confirm"):
        assert admin.get(key_url(endpoint, world, partner)).status_code == 403
    for endpoint in ("admin.key_rotate", "admin.key_revoke", "admin.key_limit"):
        refused = admin.post(key_url(endpoint, world, partner), data={"rate_limit": "1/minute"})
        assert refused.status_code == 403, endpoint
        assert "Only a manager of every venue it reaches" in page(refused)
        assert not KEY.search(page(refused))
    after = fresh(partner.id)
    assert after.active and after.rate_limit is None
    assert venue_status(client, world, key) == 200

    # What it may do at this venue is this venue's business.
    changed = admin.post(key_url("admin.key_scopes", world, partner), data={})
    assert changed.status_code == 303
    assert fresh(partner.id).scopes_at(world.venue.id) == {Scope.READ}
    assert fresh(partner.id).scopes_at(other_world.venue.id) == EVERY_SCOPE

    # A manager of both venues may.
    admin.post(url("admin.logout"))
    create_manager("both@example.com", PASSWORD, [world.venue, other_world.venue])
    log_in(client, "both@example.com")
    assert client.post(key_url("admin.key_revoke", world, partner)).status_code == 303
    assert venue_status(client, world, key) == 401


class TestWithCsrf:
    @pytest.fixture
    def csrf_enabled(self) -> bool:
        return True

    @staticmethod
    def token(client, path: str) -> str:
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page(client.get(path)))
        assert match, "no CSRF token on the page"
        return match.group(1)

    def test_every_change_needs_the_token(self, client, clock, world: World) -> None:
        login = url("admin.login")
        client.post(
            login,
            data={
                "email": world.manager.email,
                "password": PASSWORD,
                "csrf_token": self.token(client, login),
            },
        )
        partner, key = new_key(clock, "Channel manager", world)
        listing = url("admin.keys", venue_id=world.venue.id)

        create_path = url("admin.key_create", venue_id=world.venue.id)
        assert client.post(create_path, data={"name": "X"}).status_code == 400
        for endpoint in ("admin.key_scopes", "admin.key_limit", "admin.key_withdraw"):
            assert client.post(key_url(endpoint, world, partner), data={}).status_code == 400
        for endpoint in ("admin.key_rotate", "admin.key_revoke"):
            assert client.post(key_url(endpoint, world, partner)).status_code == 400
        after = fresh(partner.id)
        assert after.active and after.scopes_at(world.venue.id) == EVERY_SCOPE
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Partner)) == 1

        token = self.token(client, listing)
        revoke = key_url("admin.key_revoke", world, partner)
        assert client.post(revoke, data={"csrf_token": token}).status_code == 303
        assert venue_status(client, world, key) == 401
