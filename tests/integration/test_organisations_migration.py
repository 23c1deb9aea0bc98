"""The migration that brings organisations, on a database with data, on both databases:
venues joined by a shared manager or key become one organisation, the others one each;
every manager becomes an owner; a venue or key without an organisation is refused
afterwards; and it can be undone."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from bookingsite import create_app
from bookingsite.extensions import db

BEFORE = "d2a7c9e1f350"
WITH_ORGANISATIONS = "e3b8d0f2a461"

VENUE = (
    "INSERT INTO venues (id, slug, name, city, description, timezone, default_locale, currency,"
    " hold_ttl_minutes, travel_buffer_minutes, notification_email, contact_email, contact_phone,"
    " cancel_cutoff_hours, change_cutoff_hours, active)"
    " VALUES (:id, :slug, :name, '', '', 'Europe/Berlin', 'en', 'EUR', 10, 0, '', '', '', 0, 0,"
    " true)"
)
MANAGER = (
    "INSERT INTO managers (id, email, name, password_hash, active)"
    " VALUES (:id, :email, '', 'x', true)"
)
PARTNER = (
    "INSERT INTO partners (id, name, key_prefix, key_hash, scopes, active, created_at)"
    " VALUES (:id, :name, :prefix, 'h', 'read book', true, '2026-01-01 00:00:00+00')"
)


def test_linked_venues_become_one_organisation(empty_database: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            run = connection.execute
            run(
                sa.text(VENUE),
                [
                    {"id": n, "slug": f"v{n}", "name": name}
                    for n, name in enumerate(("Alpha", "Beta", "Gamma", "Delta", "Omega"), 1)
                ],
            )
            run(sa.text(MANAGER), [{"id": 1, "email": "a@x"}, {"id": 2, "email": "b@x"}])
            run(sa.text(PARTNER), [{"id": 1, "name": "Acme", "prefix": "p1"}])
            run(sa.text(PARTNER), [{"id": 2, "name": "Loner", "prefix": "p2"}])
            # Alpha-Beta by manager 1, Beta-Gamma by manager 2: one group of three.
            # Delta by a key only; Omega by nobody.
            run(
                sa.text("INSERT INTO manager_venues (manager_id, venue_id) VALUES (:m, :v)"),
                [{"m": 1, "v": 1}, {"m": 1, "v": 2}, {"m": 2, "v": 2}, {"m": 2, "v": 3}],
            )
            run(
                sa.text(
                    "INSERT INTO partner_venues (partner_id, venue_id, scopes)"
                    " VALUES (1, 4, 'read book')"
                )
            )

        upgrade(revision=WITH_ORGANISATIONS)

        with db.engine.connect() as connection:
            organisation = dict(
                connection.execute(
                    sa.text(
                        "SELECT v.name, o.name FROM venues v"
                        " JOIN organisations o ON o.id = v.organisation_id"
                    )
                ).all()
            )
            assert organisation == {
                "Alpha": "Alpha",
                "Beta": "Alpha",
                "Gamma": "Alpha",
                "Delta": "Delta",
                "Omega": "Omega",
            }
            keys = dict(
                connection.execute(
                    sa.text(
                        "SELECT p.name, o.name FROM partners p"
                        " JOIN organisations o ON o.id = p.organisation_id"
                    )
                ).all()
            )
            assert keys == {"Acme": "Delta", "Loner": "Loner"}
            roles = connection.execute(sa.text("SELECT DISTINCT role FROM manager_venues"))
            assert roles.scalars().all() == ["owner"]
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            connection.execute(sa.text(VENUE), {"id": 6, "slug": "v6", "name": "Nobody's"})
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE manager_venues SET role = 'janitor' WHERE manager_id = 1")
            )

        downgrade(revision=BEFORE)
        with db.engine.connect() as connection:
            assert "organisations" not in sa.inspect(connection).get_table_names()
            count = connection.execute(sa.text("SELECT count(*) FROM manager_venues")).scalar()
            assert count == 4
        db.engine.dispose()
