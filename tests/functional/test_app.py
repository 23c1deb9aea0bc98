"""The app factory, configuration layers, the clock and the command line."""

from datetime import UTC, datetime

import sqlalchemy as sa

from bookingsite import create_app
from bookingsite.clock import FrozenClock, SystemClock
from bookingsite.extensions import db
from bookingsite.models import Manager, Partner, Scope, Venue


def test_settings_layer_defaults_environment_then_mapping(monkeypatch, tmp_path):
    monkeypatch.setenv("BOOKINGSITE_DEFAULT_HOLD_TTL_MINUTES", "15")
    monkeypatch.setenv("BOOKINGSITE_API_RATE_LIMIT", "5 per minute")
    app = create_app(
        {
            "API_RATE_LIMIT": "7 per minute",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}",
        }
    )
    assert app.config["DEFAULT_HOLD_TTL_MINUTES"] == 15  # environment, parsed as JSON
    assert app.config["API_RATE_LIMIT"] == "7 per minute"  # the mapping wins
    assert app.config["LOGIN_RATE_LIMIT"] == "10 per minute"  # default


def test_database_defaults_to_sqlite_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("BOOKINGSITE_DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/bookingsite.sqlite3")


def test_frozen_now_from_the_environment_freezes_the_clock(monkeypatch, tmp_path):
    monkeypatch.setenv("BOOKINGSITE_FROZEN_NOW", "2026-03-29T00:30:00Z")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    clock = app.extensions["bookingsite.clock"]
    assert isinstance(clock, FrozenClock)
    assert clock.now() == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


def test_without_frozen_now_the_clock_is_the_system_clock(monkeypatch, tmp_path):
    monkeypatch.delenv("BOOKINGSITE_FROZEN_NOW", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    assert isinstance(app.extensions["bookingsite.clock"], SystemClock)


def test_demo_seeds_five_venues_once(app):
    runner = app.test_cli_runner()
    assert "Seeded 5 demo venues" in runner.invoke(args=["demo"]).output
    assert "already has venues" in runner.invoke(args=["demo", "--if-empty"]).output
    assert db.session.scalar(sa.select(sa.func.count(Venue.id))) == 5
    assert db.session.scalar(sa.select(sa.func.count(Manager.id))) == 7


def test_partners_create_prints_the_key_alone_on_the_last_line(app):
    from bookingsite.accounts import partner_for_key

    runner = app.test_cli_runner()
    runner.invoke(args=["demo"])
    result = runner.invoke(
        args=["partners", "create", "Acme", "--venue", "1", "--scope", "book", "--scope", "manage"]
    )
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    partner = partner_for_key(key)
    assert partner is not None and partner.scopes == set(Scope)
    assert partner.scopes_at(1) == set(Scope) and partner.scopes_at(2) is None
    assert key not in db.session.scalar(sa.select(Partner.key_hash))


def test_partners_create_refuses_an_unknown_venue(app):
    result = app.test_cli_runner().invoke(args=["partners", "create", "Acme", "--venue", "42"])
    assert result.exit_code != 0
    assert "no venue with id [42]" in result.output


def test_managers_create(app):
    from bookingsite.accounts import authenticate_manager

    runner = app.test_cli_runner()
    runner.invoke(args=["demo"])
    result = runner.invoke(
        args=["managers", "create", "Boss@Example.com", "--venue", "2", "--password", "s3cret-pass"]
    )
    assert result.exit_code == 0, result.output
    assert authenticate_manager("boss@example.com", "s3cret-pass") is not None
    assert authenticate_manager("boss@example.com", "wrong") is None


def test_setup_upgrades_and_seeds_an_empty_database(tmp_path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.db'}",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    result = app.test_cli_runner().invoke(args=["setup"])
    assert "Seeded 5 demo venues" in result.output, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Venue.id))) == 5
        db.engine.dispose()


def test_healthz(client):
    import tzdata

    # The time-zone rules in use: the tzdata package's, whatever the host's copy says.
    assert client.get("/healthz").get_json() == {"status": "ok", "tzdata": tzdata.IANA_VERSION}
