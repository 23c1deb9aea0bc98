"""Migrations, integrity objects and the UTC column type, on both databases."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from bookingsite.extensions import db
from bookingsite.models import Allocation
from tests import postgres
from tests.factories import make_resource


@pytest.mark.usefixtures("backend")
def test_migrations_reach_head_with_the_guard_installed(app):
    head = ScriptDirectory.from_config(
        app.extensions["migrate"].migrate.get_config()
    ).get_current_head()
    with db.engine.connect() as connection:
        assert (
            connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == head
        )
        if connection.dialect.name == "postgresql":
            guard = "SELECT count(*) FROM pg_constraint WHERE conname = 'ex_occupancies_no_overlap'"
        else:
            guard = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'occupancies_no_overlap_%'"
        assert connection.execute(sa.text(guard)).scalar() >= 1


@pytest.mark.usefixtures("backend")
def test_aware_datetimes_round_trip_as_utc(app):
    resource = make_resource()
    paris_winter = timezone(timedelta(hours=1))
    start = datetime(2026, 3, 1, 10, 0, 0, 123456, tzinfo=paris_winter)
    db.session.add(Allocation(resource=resource, start_at=start, end_at=start + timedelta(hours=1)))
    db.session.commit()
    db.session.expire_all()
    stored = db.session.scalar(sa.select(Allocation))
    assert stored.start_at == start
    assert stored.start_at.tzinfo == UTC
    assert stored.start_at.hour == 9


@pytest.mark.usefixtures("backend")
def test_naive_datetimes_are_refused(app):
    resource = make_resource()
    db.session.add(
        Allocation(
            resource=resource, start_at=datetime(2026, 3, 1, 10), end_at=datetime(2026, 3, 1, 11)
        )
    )
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        db.session.commit()
    db.session.rollback()


def test_migrations_run_up_from_empty(backend, tmp_path, request):
    """A fresh database, built only by `flask db upgrade`."""
    from bookingsite import create_app

    def build(url: str) -> None:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            assert "occupancies" in sa.inspect(db.engine).get_table_names()
            db.engine.dispose()

    if backend == "sqlite":
        build(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    else:
        with postgres.throwaway_database(request.getfixturevalue("postgres_server")) as url:
            build(url)


class _DriverError(Exception):
    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("driver_error", "is_conflict"),
    [
        (_DriverError("conflicting key value violates exclusion constraint", "23P01"), True),
        (_DriverError("deadlock detected", "40P01"), False),
        (_DriverError("slot_taken"), True),  # the SQLite trigger's RAISE(ABORT, ...)
        (_DriverError("duplicate key value violates unique constraint", "23505"), False),
        (_DriverError("database is locked"), False),
    ],
    ids=["exclusion-violation", "deadlock", "sqlite-trigger", "unique-violation", "locked"],
)
def test_which_database_errors_mean_the_slot_is_taken(driver_error, is_conflict):
    from bookingsite.integrity import is_slot_conflict

    error = sa.exc.DBAPIError("INSERT ...", {}, driver_error)
    assert is_slot_conflict(error) is is_conflict


@pytest.mark.parametrize(
    ("sqlstate", "transient"),
    [("40P01", True), ("40001", True), ("23P01", False), ("23505", False), (None, False)],
    ids=["deadlock", "serialisation", "exclusion", "unique", "sqlite"],
)
def test_which_database_errors_are_run_again(sqlstate, transient):
    from bookingsite.integrity import is_transient

    error = sa.exc.DBAPIError("UPDATE ...", {}, _DriverError("x", sqlstate))
    assert is_transient(error) is transient


def test_upgrading_keeps_the_rows_that_point_at_rebuilt_tables(empty_database: str) -> None:
    """SQLite rebuilds a table to alter it (batch mode) and drops the old one: with foreign
    keys enforced, the drop would delete every row that cascades from it, such as a
    service's options and a key's venues. The migrations run with them off."""
    from bookingsite import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        upgrade(revision="9a4f6c1d2e85")  # before the services and partners are rebuilt
        with db.engine.begin() as connection:
            for statement in (
                "INSERT INTO venues (id, slug, name, city, description, timezone, default_locale,"
                " currency, hold_ttl_minutes, travel_buffer_minutes, notification_email,"
                " contact_email, contact_phone, cancel_cutoff_hours, change_cutoff_hours)"
                " VALUES (1, 'v', 'V', '', '', 'UTC', 'en', 'EUR', 10, 0, '', '', '', 0, 0)",
                "INSERT INTO services (id, venue_id, slug, name, description, duration_mode,"
                " buffer_before_minutes, buffer_after_minutes, grid_alignment_minutes,"
                " lead_time_minutes, horizon_days, required_skills, active)"
                " VALUES (1, 1, 's', 'S', '', 'fixed', 0, 0, 15, 0, 90, '[]', true)",
                "INSERT INTO service_variants (id, service_id, name, duration_minutes, guests,"
                " price_cents) VALUES (1, 1, '1 h', 60, 1, 100)",
                "INSERT INTO partners (id, name, key_prefix, key_hash, can_manage, active,"
                " created_at) VALUES (1, 'P', 'pfx', 'h', true, true, '2026-01-01 00:00:00')",
                "INSERT INTO partner_venues (partner_id, venue_id) VALUES (1, 1)",
            ):
                connection.exec_driver_sql(statement)
        upgrade()
        with db.engine.connect() as connection:
            for table in ("service_variants", "partner_venues"):
                count = connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
                assert count == 1, table
            if connection.dialect.name == "sqlite":  # enforced again afterwards
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()
