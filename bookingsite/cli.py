"""flask --app app setup | serve | demo | jobs work | holds sweep
| partners create|list|scopes|limit|revoke|rotate | managers create"""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import selectinload
from werkzeug.serving import run_simple

from bookingsite import accounts, demo, jobs
from bookingsite.booking.service import sweep_lapsed_holds
from bookingsite.clock import format_instant, utcnow
from bookingsite.extensions import db
from bookingsite.models import Partner, Role, Scope, Venue

partners_cli = AppGroup("partners", help="Partner API keys.")
managers_cli = AppGroup("managers", help="Venue manager accounts.")
holds_cli = AppGroup("holds", help="Holds that were never confirmed.")
jobs_cli = AppGroup("jobs", help="Background jobs: messages, and the sweeps every minute.")


def _venues(ids: tuple[int, ...]) -> list[Venue]:
    """The venues, all of one organisation: a key or a person belongs to one."""
    venues = list(db.session.scalars(sa.select(Venue).where(Venue.id.in_(ids))))
    missing = set(ids) - {v.id for v in venues}
    if missing:
        raise click.BadParameter(f"no venue with id {sorted(missing)}", param_hint="--venue")
    if len({v.organisation_id for v in venues}) > 1:
        raise click.BadParameter(
            "the venues belong to different organisations", param_hint="--venue"
        )
    return venues


SCOPES = click.option(
    "--scope",
    "scopes",
    type=click.Choice([scope.value for scope in Scope]),
    multiple=True,
    help="read, book or manage (repeatable); read is always included. Default: read, book.",
)


@partners_cli.command("create")
@click.argument("name")
@click.option("--venue", "venue_ids", type=int, multiple=True, help="Venue id (repeatable).")
@SCOPES
def create_partner(name: str, venue_ids: tuple[int, ...], scopes: tuple[str, ...]) -> None:
    """Create a partner and print its API key, alone on the last line (shown once). The
    key has its scopes at each venue given (and at venues it creates, with manage)."""
    partner, key = accounts.create_partner(
        name,
        _venues(venue_ids),
        scopes=map(Scope, scopes) if scopes else accounts.BOOKING_SCOPES,
        now=utcnow(),
    )
    click.echo(f"Partner {partner.id} '{partner.name}' created. Its key (shown only once):")
    click.echo(key)


KEY_ID = click.argument("key_id", metavar="KEY_ID")
KEY_ID_HELP = "KEY_ID is the partner's id or its key prefix, as `partners list` shows them."


def _partner(key_id: str) -> Partner:
    partner = accounts.find_partner(key_id.strip())
    if partner is None:
        raise click.BadParameter(
            f"no partner with id or key prefix {key_id!r} (see `partners list`)",
            param_hint="KEY_ID",
        )
    return partner


def _scope_names(scopes: frozenset[Scope]) -> str:
    return ",".join(scope.value for scope in Scope if scope in scopes)


def _partner_row(partner: Partner) -> tuple[str, ...]:
    """A venue where the key may do less than its scopes shows what it may do there."""
    venues = [
        str(grant.venue_id)
        + (
            ""
            if grant.scopes >= partner.scopes
            else f"({_scope_names(partner.scopes_at(grant.venue_id))})"
        )
        for grant in partner.grants
    ]
    return (
        str(partner.id),
        partner.name,
        partner.key_prefix,
        _scope_names(partner.scopes),
        " ".join(venues) or "-",
        partner.rate_limit or "default",
        "active" if partner.active else "revoked",
        format_instant(partner.created_at),
        format_instant(partner.last_used_at) if partner.last_used_at else "never",
    )


@partners_cli.command("list")
def list_partners() -> None:
    """List partners and their keys (never the secret part): scopes, venue ids (with the
    scopes there when narrower), rate limit, status, and when the key was created and
    last used (UTC; a use is noted to within a minute)."""
    partners = db.session.scalars(
        sa.select(Partner).options(selectinload(Partner.grants)).order_by(Partner.id)
    ).all()
    if not partners:
        click.echo("No partners yet.")
        return
    header = (
        "ID", "NAME", "KEY PREFIX", "SCOPES", "VENUES", "LIMIT", "STATUS", "CREATED", "LAST USED"
    )  # fmt: skip
    rows = [header, *(_partner_row(p) for p in partners)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


@partners_cli.command("scopes", epilog=KEY_ID_HELP)
@KEY_ID
@SCOPES
@click.option("--venue", "venue_id", type=int, help="Set the scopes at this venue only.")
def set_partner_scopes(key_id: str, scopes: tuple[str, ...], venue_id: int | None) -> None:
    """Set what a key may do: everywhere (its own scopes, the most it may do at any
    venue), or with --venue at that venue alone (reaching it if it did not)."""
    partner = _partner(key_id)
    chosen = frozenset(map(Scope, scopes)) | {Scope.READ}
    if venue_id is None:
        partner.scopes = chosen
        where = "everywhere (at most)"
    else:
        (venue,) = _venues((venue_id,))
        accounts.set_scopes_at(partner, venue, chosen)
        where = f"at venue {venue.id}"
    db.session.commit()
    click.echo(f"Partner {partner.id} '{partner.name}': {_scope_names(chosen)} {where}.")


@partners_cli.command("limit", epilog=KEY_ID_HELP)
@KEY_ID
@click.argument("limit")
def set_partner_limit(key_id: str, limit: str) -> None:
    """Set a key's own rate limit (for example 600/minute), or `default` for the API's."""
    partner = _partner(key_id)
    limit = limit.strip()
    if limit != "default" and (error := accounts.rate_limit_error(limit)):
        raise click.BadParameter(error, param_hint="LIMIT")
    partner.rate_limit = None if limit == "default" else limit
    db.session.commit()
    click.echo(f"Partner {partner.id} '{partner.name}': rate limit {limit}.")


@partners_cli.command("revoke", epilog=KEY_ID_HELP)
@KEY_ID
def revoke_partner(key_id: str) -> None:
    """Revoke a partner's key: its next call answers 401."""
    partner = _partner(key_id)
    if not partner.active:
        click.echo(f"Partner {partner.id} '{partner.name}' was already revoked.")
        return
    accounts.revoke_partner(partner)
    click.echo(
        f"Partner {partner.id} '{partner.name}' revoked: key {partner.key_prefix}... "
        "now answers 401."
    )


@partners_cli.command("rotate", epilog=KEY_ID_HELP)
@KEY_ID
def rotate_partner_key(key_id: str) -> None:
    """Give a partner a new key and print it, alone on the last line (shown once). The
    old key answers 401 at once; a revoked partner is active again with the new key."""
    partner = _partner(key_id)
    old_prefix = partner.key_prefix
    key = accounts.rotate_key(partner)
    click.echo(
        f"Partner {partner.id} '{partner.name}': key {old_prefix}... no longer works. "
        "Its new key (shown only once):"
    )
    click.echo(key)


@managers_cli.command("create")
@click.argument("email")
@click.option("--venue", "venue_ids", type=int, multiple=True, required=True)
@click.option("--name", default="")
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    default=Role.OWNER.value,
    show_default=True,
    help="owner: everything; manager: set-up and bookings; front_desk: timeline and bookings.",
)
@click.password_option()
def create_manager(
    email: str, venue_ids: tuple[int, ...], name: str, role: str, password: str
) -> None:
    """Create a person's account with a role at each venue (the first owner; owners
    invite the others in admin)."""
    manager = accounts.create_manager(
        email, password, _venues(venue_ids), name=name, role=Role(role)
    )
    click.echo(f"{manager.email} created: {role} at venues {list(venue_ids)}.")


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


@holds_cli.command("sweep")
def sweep_holds() -> None:
    """Mark every lapsed hold expired. Reads already ignore lapsed holds and each new hold
    marks those on its own resources, so this only tidies up; run it every few minutes."""
    click.echo(f"Lapsed holds marked expired: {sweep_lapsed_holds()}")


def _workers(workers: int | None) -> int:
    return workers or int(current_app.config["JOBS_WORKERS"])


WORKERS = click.option("--workers", type=click.IntRange(1, 64), help="Job threads (JOBS_WORKERS).")


@jobs_cli.command("work")
@WORKERS
def work_jobs(workers: int | None) -> None:
    """Work through the job queue until stopped (Ctrl-C or SIGTERM finish the jobs in
    hand). With JOBS_URL=redis://..., run as many as you like, on any machine."""
    jobs.jobs().consumer(_workers(workers)).run()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=5000, show_default=True)
@WORKERS
@with_appcontext
def serve_command(host: str, port: int, workers: int | None) -> None:
    """Run the site and a job worker in one process: messages are delivered and the
    sweeps run with no other server. For development and small sites; in production run
    gunicorn and `flask jobs work` (README)."""
    consumer = jobs.EmbeddedConsumer(
        jobs.jobs().huey, workers=_workers(workers), worker_type="thread", periodic=True
    )
    consumer.start()
    try:
        run_simple(host, port, current_app._get_current_object(), threaded=True)
    finally:
        consumer.stop(graceful=True)


def init_app(app: Flask) -> None:
    app.cli.add_command(setup_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(holds_cli)
    app.cli.add_command(partners_cli)
    app.cli.add_command(managers_cli)
    app.cli.add_command(demo_command)
