"""`flask partners list | scopes | limit | revoke | rotate`: the key lifecycle from the
command line."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bookingsite.accounts import EVERY_SCOPE, create_partner, partner_for_key, record_key_use
from bookingsite.extensions import db
from bookingsite.models import Partner, Scope
from tests.factories import make_venue


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["partners", *args])


def table(output: str) -> list[list[str]]:
    """The rows of `partners list`, split into cells (columns are two spaces or more apart)."""
    return [re.split(r" {2,}", line) for line in output.splitlines()]


def test_list_shows_each_key_without_its_secret(app, clock):
    first, second = make_venue(), make_venue()
    acme, acme_key = create_partner("Acme", [first, second], scopes=EVERY_SCOPE, now=clock.now())
    clock.advance(timedelta(hours=2))
    hotel, hotel_key = create_partner("Hotel app", [first], now=clock.now())
    record_key_use(acme, clock.now())
    run(app, "revoke", str(hotel.id))

    result = run(app, "list")

    assert result.exit_code == 0, result.output
    assert table(result.output) == [
        [
            "ID",
            "NAME",
            "KEY PREFIX",
            "SCOPES",
            "VENUES",
            "LIMIT",
            "STATUS",
            "CREATED",
            "LAST USED",
        ],
        [
            str(acme.id),
            "Acme",
            acme.key_prefix,
            "read,book,manage",
            f"{first.id} {second.id}",
            "default",
            "active",
            "2026-03-01T00:00:00Z",
            "2026-03-01T02:00:00Z",
        ],
        [
            str(hotel.id),
            "Hotel app",
            hotel.key_prefix,
            "read,book",
            str(first.id),
            "default",
            "revoked",
            "2026-03-01T02:00:00Z",
            "never",
        ],
    ]
    assert acme.key_prefix == acme_key[:12] and acme.key_prefix.startswith("bk_")
    assert acme_key not in result.output and hotel_key not in result.output


def test_list_without_partners(app):
    result = run(app, "list")
    assert result.exit_code == 0
    assert result.output == "No partners yet.\n"


def test_revoke_by_id_refuses_the_key(app, clock):
    partner, key = create_partner("Acme", [], now=clock.now())

    result = run(app, "revoke", str(partner.id))

    assert result.exit_code == 0, result.output
    assert f"Partner {partner.id} 'Acme' revoked" in result.output
    db.session.expire_all()
    assert partner_for_key(key) is None
    again = run(app, "revoke", partner.key_prefix)
    assert again.exit_code == 0
    assert "already revoked" in again.output


def test_rotate_by_prefix_prints_only_the_new_key_last(app, clock):
    partner, old_key = create_partner("Acme", [make_venue()], scopes=EVERY_SCOPE, now=clock.now())
    record_key_use(partner, clock.now())
    old_prefix = partner.key_prefix

    result = run(app, "rotate", old_prefix)

    assert result.exit_code == 0, result.output
    new_key = result.output.strip().splitlines()[-1]
    assert new_key.startswith("bk_") and new_key != old_key
    assert old_key not in result.output
    db.session.expire_all()
    assert partner_for_key(old_key) is None
    assert partner_for_key(new_key).id == partner.id
    rotated = db.session.get(Partner, partner.id)
    assert rotated.key_prefix == new_key[:12] != old_prefix
    assert rotated.last_used_at is None  # the new key has not been used yet
    assert rotated.scopes == EVERY_SCOPE and len(rotated.venues) == 1


def test_rotating_a_revoked_key_makes_the_partner_active_again(app, clock):
    partner, _key = create_partner("Acme", [], now=clock.now())
    run(app, "revoke", str(partner.id))

    new_key = run(app, "rotate", str(partner.id)).output.strip().splitlines()[-1]

    db.session.expire_all()
    assert partner_for_key(new_key).id == partner.id


@pytest.mark.parametrize("command", ["revoke", "rotate"])
@pytest.mark.parametrize(
    "key_id", ["42", "bk_notakey12", "9" * 40, ""], ids=["id", "prefix", "huge-id", "empty"]
)
def test_an_unknown_key_id_is_a_clear_error(app, clock, command, key_id):
    partner, key = create_partner("Acme", [], now=clock.now())

    result = run(app, command, key_id)

    assert result.exit_code == 2
    assert "Invalid value for KEY_ID: no partner with id or key prefix" in result.output
    db.session.expire_all()
    assert partner_for_key(key).id == partner.id  # nothing changed


def test_scopes_everywhere_and_at_one_venue_and_a_rate_limit(app, clock):
    first, second = make_venue(), make_venue()
    acme, _key = create_partner("Acme", [first, second], scopes=EVERY_SCOPE, now=clock.now())

    assert run(app, "scopes", str(acme.id), "--venue", str(second.id)).exit_code == 0
    assert run(app, "limit", acme.key_prefix, "120/minute").exit_code == 0
    db.session.expire_all()
    assert acme.scopes_at(first.id) == EVERY_SCOPE
    assert acme.scopes_at(second.id) == {Scope.READ}
    assert acme.rate_limit == "120/minute"
    row = table(run(app, "list").output)[1]
    assert row[3:6] == ["read,book,manage", f"{first.id} {second.id}(read)", "120/minute"]

    # The key's own scopes bound every venue's.
    assert run(app, "scopes", str(acme.id), "--scope", "book").exit_code == 0
    db.session.expire_all()
    assert acme.scopes_at(first.id) == {Scope.READ, Scope.BOOK}

    refused = run(app, "limit", str(acme.id), "lots")
    assert refused.exit_code != 0 and "600/minute" in refused.output
    assert run(app, "limit", str(acme.id), "default").exit_code == 0
    db.session.expire_all()
    assert acme.rate_limit is None
