"""flask --app app demo | partners create | managers create"""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from bookingsite import accounts, demo
from bookingsite.clock import utcnow
from bookingsite.extensions import db
from bookingsite.models import Venue

partners_cli = AppGroup("partners", help="Partner API keys.")
managers_cli = AppGroup("managers", help="Venue manager accounts.")


def _venues(ids: tuple[int, ...]) -> list[Venue]:
    venues = list(db.session.scalars(sa.select(Venue).where(Venue.id.in_(ids))))
    missing = set(ids) - {v.id for v in venues}
    if missing:
        raise click.BadParameter(f"no venue with id {sorted(missing)}", param_hint="--venue")
    return venues


@partners_cli.command("create")
@click.argument("name")
@click.option("--venue", "venue_ids", type=int, multiple=True, help="Venue id (repeatable).")
@click.option("--manage", is_flag=True, help="Allow set-up calls (venues, resources...).")
def create_partner(name: str, venue_ids: tuple[int, ...], manage: bool) -> None:
    """Create a partner and print its API key, alone on the last line (shown once)."""
    partner, key = accounts.create_partner(
        name, _venues(venue_ids), can_manage=manage, now=utcnow()
    )
    click.echo(f"Partner {partner.id} '{partner.name}' created. Its key (shown only once):")
    click.echo(key)


@managers_cli.command("create")
@click.argument("email")
@click.option("--venue", "venue_ids", type=int, multiple=True, required=True)
@click.option("--name", default="")
@click.password_option()
def create_manager(email: str, venue_ids: tuple[int, ...], name: str, password: str) -> None:
    """Create a venue manager account."""
    manager = accounts.create_manager(email, password, _venues(venue_ids), name=name)
    click.echo(f"Manager {manager.email} created for venues {list(venue_ids)}.")


@click.command("demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing when venues already exist.")
def demo_command(if_empty: bool) -> None:
    """Seed the four demo venues."""
    if if_empty and db.session.scalar(sa.select(sa.func.count(Venue.id))):
        click.echo("Database already has venues; demo data not added.")
        return
    venues = demo.seed(utcnow())
    click.echo(f"Seeded {len(venues)} demo venues: " + ", ".join(v.name for v in venues))


@click.command("setup")
@with_appcontext
def setup_command() -> None:
    """Bring the database schema up to date and seed the demo venues if it is empty."""
    from flask_migrate import upgrade

    upgrade()
    demo_command.callback(if_empty=True)


def init_app(app: Flask) -> None:
    app.cli.add_command(setup_command)
    app.cli.add_command(partners_cli)
    app.cli.add_command(managers_cli)
    app.cli.add_command(demo_command)
