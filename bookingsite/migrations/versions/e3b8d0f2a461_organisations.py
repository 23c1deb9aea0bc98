"""organisations: venues, people and partner keys belong to one; a role per venue

Existing data: venues linked by a shared manager or a shared partner key form one
organisation (named after its first venue); a venue linked to none is an organisation
of its own, and so is a key that reaches no venue. Every existing manager becomes an
owner of their venues: until now each could do everything there.

Revision ID: e3b8d0f2a461
Revises: d2a7c9e1f350
Create Date: 2026-12-07 09:35:00

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from bookingsite.models import UTCDateTime

revision = "e3b8d0f2a461"
down_revision = "d2a7c9e1f350"
branch_labels = None
depends_on = None

ROLES = ("owner", "manager", "front_desk")


def _groups(venues: list[int], links: list[tuple[int, int]]) -> list[list[int]]:
    """Venues joined by any holder (a manager or a key) of two of them, smallest first."""
    parent = {venue: venue for venue in venues}

    def root(venue: int) -> int:
        while parent[venue] != venue:
            parent[venue] = parent[parent[venue]]
            venue = parent[venue]
        return venue

    by_holder: dict[tuple[str, int], int] = {}
    for holder, venue in links:
        if holder in by_holder:
            parent[root(venue)] = root(by_holder[holder])
        else:
            by_holder[holder] = venue
    groups: dict[int, list[int]] = {}
    for venue in sorted(venues):
        groups.setdefault(root(venue), []).append(venue)
    return sorted(groups.values())


def upgrade():
    bind = op.get_bind()
    now = datetime.now(UTC)
    organisations = op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    for table in ("venues", "partners"):
        if bind.dialect.name == "sqlite":
            # Alembic would add the REFERENCES apart, which SQLite cannot.
            op.execute(
                f"ALTER TABLE {table}"
                " ADD COLUMN organisation_id INTEGER REFERENCES organisations (id)"
            )
        else:
            op.add_column(table, sa.Column("organisation_id", sa.Integer(), nullable=True))
            op.create_foreign_key(
                f"fk_{table}_organisation", table, "organisations", ["organisation_id"], ["id"]
            )
        op.create_index(f"ix_{table}_organisation_id", table, ["organisation_id"])

    names = dict(bind.execute(sa.text("SELECT id, name FROM venues")).all())
    links = [
        (("manager", holder), venue)
        for holder, venue in bind.execute(
            sa.text("SELECT manager_id, venue_id FROM manager_venues")
        )
    ] + [
        (("partner", holder), venue)
        for holder, venue in bind.execute(
            sa.text("SELECT partner_id, venue_id FROM partner_venues")
        )
    ]
    organisation_of: dict[int, int] = {}
    for group in _groups(list(names), links):
        organisation_id = bind.execute(
            organisations.insert()
            .values(name=names[group[0]], created_at=now)
            .returning(organisations.c.id)
        ).scalar_one()
        organisation_of.update(dict.fromkeys(group, organisation_id))
        bind.execute(
            sa.text("UPDATE venues SET organisation_id = :o WHERE id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"o": organisation_id, "ids": group},
        )
    for partner_id, name in bind.execute(sa.text("SELECT id, name FROM partners")).all():
        venue = bind.execute(
            sa.text("SELECT min(venue_id) FROM partner_venues WHERE partner_id = :p"),
            {"p": partner_id},
        ).scalar()
        if venue is None:
            organisation_id = bind.execute(
                organisations.insert()
                .values(name=name, created_at=now)
                .returning(organisations.c.id)
            ).scalar_one()
        else:
            organisation_id = organisation_of[venue]
        bind.execute(
            sa.text("UPDATE partners SET organisation_id = :o WHERE id = :p"),
            {"o": organisation_id, "p": partner_id},
        )

    for table in ("venues", "partners"):
        _require_organisation(table)
    # manager_venues has no table pointing at it: SQLite may rebuild it (batch mode).
    with op.batch_alter_table("manager_venues") as batch:
        batch.add_column(
            sa.Column("role", sa.String(length=16), nullable=False, server_default="owner")
        )
        batch.create_check_constraint(
            "ck_manager_venues_role", "role IN ('owner', 'manager', 'front_desk')"
        )


def _require_organisation(table: str) -> None:
    """NOT NULL from now on. PostgreSQL alters the column in place. SQLite could only
    rebuild the table (batch mode), and dropping the old one would run the ON DELETE
    CASCADE of every table pointing at it; triggers refuse the null instead."""
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(table, "organisation_id", existing_type=sa.Integer(), nullable=False)
        return
    for event in ("insert", "update"):
        op.execute(
            f"CREATE TRIGGER {table}_organisation_{event} BEFORE {event.upper()} ON {table}"
            " WHEN NEW.organisation_id IS NULL"
            " BEGIN SELECT RAISE(ABORT, 'NOT NULL constraint failed: organisation_id'); END"
        )


def downgrade():
    with op.batch_alter_table("manager_venues") as batch:
        batch.drop_constraint("ck_manager_venues_role", type_="check")
        batch.drop_column("role")
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in ("venues", "partners"):
        if sqlite:
            for event in ("insert", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_organisation_{event}")
        op.drop_index(f"ix_{table}_organisation_id", table_name=table)
        if not sqlite:
            op.drop_constraint(f"fk_{table}_organisation", table, type_="foreignkey")
        # SQLite drops a column (and its REFERENCES) in place since 3.35.
        op.drop_column(table, "organisation_id")
    op.drop_table("organisations")
