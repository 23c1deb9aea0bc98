"""The migration that brings kept terms: bookings made before it keep what their service
says at the moment of the upgrade, on both databases; and it can be undone."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from bookingsite import create_app
from bookingsite.extensions import db

BEFORE = "7c2d9e4b1a63"
WITH_TERMS = "472e8a480cbe"

SEED = [
    "INSERT INTO venues (id, slug, name, city, description, timezone, default_locale, currency,"
    " hold_ttl_minutes, travel_buffer_minutes) VALUES (1, 'v', 'Venue', '', '', 'Europe/Berlin',"
    " 'de', 'EUR', 10, 0)",
    "INSERT INTO services (id, venue_id, slug, name, description, duration_mode, min_minutes,"
    " max_minutes, buffer_before_minutes, buffer_after_minutes, grid_alignment_minutes,"
    " lead_time_minutes, horizon_days, required_skills, unit_price_cents, active)"
    " VALUES (1, 1, 'room', 'Meeting room', '', 'hourly', 60, 240, 5, 10, 15, 0, 90, '[]', 3000,"
    " true)",
    "INSERT INTO services (id, venue_id, slug, name, description, duration_mode,"
    " buffer_before_minutes, buffer_after_minutes, grid_alignment_minutes, lead_time_minutes,"
    " horizon_days, required_skills, active)"
    " VALUES (2, 1, 'massage', 'Massage', '', 'fixed', 0, 15, 15, 0, 90, '[]', true)",
    "INSERT INTO service_variants (id, service_id, name, duration_minutes, guests, price_cents)"
    " VALUES (1, 2, '60 minutes', 60, 1, 9500)",
]
BOOKING = (
    "INSERT INTO bookings (id, reference, manage_token, venue_id, service_id, variant_id,"
    " status, start_at, end_at, guests, customer_name, customer_email, customer_phone, notes,"
    " locale, channel, created_at) VALUES (:id, :ref, :token, 1, :service, :variant,"
    " 'confirmed', :start, :end, 1, '', '', '', '', 'de', 'web', :start)"
)


def _booking(n: int, service: int, variant: int | None, start: str, end: str) -> dict:
    return {
        "id": n,
        "ref": f"BK-{n}",
        "token": f"t{n}",
        "service": service,
        "variant": variant,
        "start": start,
        "end": end,
    }


def test_bookings_made_before_keep_their_service_s_terms(empty_database: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            for statement in SEED:
                connection.execute(sa.text(statement))
            connection.execute(
                sa.text(BOOKING),
                [
                    _booking(1, 1, None, "2026-03-02 09:00:00+00", "2026-03-02 10:30:00+00"),
                    _booking(2, 2, 1, "2026-03-02 11:00:00+00", "2026-03-02 12:00:00+00"),
                ],
            )
        upgrade(revision=WITH_TERMS)
        with db.engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT service_name, option_name, price_cents, currency,"
                    " buffer_before_minutes, buffer_after_minutes, calendar_sequence"
                    " FROM bookings ORDER BY id"
                )
            ).all()
        assert [tuple(r) for r in rows] == [
            ("Meeting room", "", 4500, "EUR", 5, 10, 0),  # 90 minutes at 30.00 an hour
            ("Massage", "60 minutes", 9500, "EUR", 0, 15, 0),
        ]
        downgrade(revision=BEFORE)
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("bookings")}
        assert "service_name" not in columns
        assert "messages" not in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()
