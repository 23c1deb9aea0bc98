"""Five demo venues of one group that exercise all three product documents."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bookingsite import accounts
from bookingsite.extensions import db
from bookingsite.models import (
    Allocation,
    DurationMode,
    Organisation,
    Resource,
    ResourceKind,
    Role,
    Service,
    ServiceVariant,
    StaffShift,
    TravelTime,
    Venue,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
ALL_DAYS = (*WEEKDAYS, "sat", "sun")
DEMO_PASSWORD = "demo-password"


def hours(days: tuple[str, ...], *periods: tuple[str, str]) -> dict[str, list[list[str]]]:
    return {day: [list(p) for p in periods] for day in days}


def _local(zone: str, day: datetime, at: time) -> datetime:
    return datetime.combine(day.date(), at, tzinfo=ZoneInfo(zone))


def seed(now: datetime) -> list[Venue]:
    tomorrow = now + timedelta(days=1)

    rooms = Venue(
        slug="spreeblick-rooms",
        name="Spreeblick Meeting Rooms",
        city="Berlin",
        timezone="Europe/Berlin",
        default_locale="de",
        currency="EUR",
        description="Meeting rooms and a studio by the river, bookable by the hour.",
        contact_email="hallo@spreeblick.example",
        contact_phone="+49 30 1234 5678",
        notification_email="empfang@spreeblick.example",
        reminder_hours=24,
        cancel_cutoff_hours=24,
        change_cutoff_hours=2,
    )
    room_a = Resource(
        venue=rooms,
        name="Room Alster",
        kind=ResourceKind.ROOM,
        capacity=6,
        attributes={"floor": "2"},
        weekly_hours=hours(WEEKDAYS, ("08:00", "20:00")),
    )
    room_b = Resource(
        venue=rooms,
        name="Room Bode",
        kind=ResourceKind.ROOM,
        capacity=12,
        attributes={"floor": "3"},
        weekly_hours=hours((*WEEKDAYS, "sat"), ("07:00", "22:00")),
    )
    studio = Resource(
        venue=rooms,
        name="Studio",
        kind=ResourceKind.ROOM,
        capacity=4,
        attributes={"floor": "1"},
        weekly_hours=hours(WEEKDAYS, ("08:00", "20:00")),
    )
    rooms_hour = Service(
        venue=rooms,
        slug="meeting-room-1h",
        name="Meeting room, 1 hour",
        description="One hour in a meeting room, from any quarter hour; 15 minutes to reset "
        "afterwards.",
        buffer_after_minutes=15,
        grid_alignment_minutes=15,
        # On the clock: every quarter hour of Berlin time, whichever room opens when.
        grid_step_minutes=15,
        start_alignment="clock",
        variants=[ServiceVariant(name="1 hour", duration_minutes=60, guests=1, price_cents=3500)],
        resources=[room_a, room_b],
    )
    rooms_range = Service(
        venue=rooms,
        slug="workspace-by-the-hour",
        name="Studio by the hour (1–8 h)",
        description="Book the studio for one to eight hours.",
        duration_mode=DurationMode.HOURLY,
        min_minutes=60,
        max_minutes=480,
        grid_alignment_minutes=30,
        grid_step_minutes=30,
        unit_price_cents=2500,
        resources=[studio, room_b],
    )
    block_day = _local("Europe/Berlin", tomorrow, time(9))
    maintenance = Allocation(
        resource=room_a,
        start_at=block_day,
        end_at=block_day + timedelta(hours=1),
        reason="Maintenance",
    )

    spa = Venue(
        slug="lumiere-spa",
        name="Hôtel Lumière Spa",
        city="Paris",
        timezone="Europe/Paris",
        default_locale="fr",
        currency="EUR",
        travel_buffer_minutes=30,
        description="Massages and facials in the hotel spa.",
        contact_email="spa@lumiere.example",
        contact_phone="+33 1 23 45 67 89",
        notification_email="reception@lumiere.example",
        reminder_hours=24,
        cancel_cutoff_hours=48,
        change_cutoff_hours=24,
    )
    spa_hours = hours(ALL_DAYS, ("09:00", "20:00"))
    cabin = Resource(
        venue=spa, name="Cabine Iris", kind=ResourceKind.ROOM, capacity=1, weekly_hours=spa_hours
    )
    duo = Resource(
        venue=spa, name="Suite Duo", kind=ResourceKind.ROOM, capacity=2, weekly_hours=spa_hours
    )
    claire = Resource(
        venue=spa,
        name="Claire",
        kind=ResourceKind.STAFF,
        skills=["massage", "facial"],
        weekly_hours=hours(("tue", "wed", "thu", "fri", "sat"), ("09:00", "17:00")),
    )
    marc = Resource(
        venue=spa,
        name="Marc",
        kind=ResourceKind.STAFF,
        skills=["massage"],
        weekly_hours=hours(("mon", "tue", "wed", "thu", "fri"), ("11:00", "20:00")),
    )
    lina = Resource(
        venue=spa,
        name="Lina",
        kind=ResourceKind.STAFF,
        skills=["massage", "facial"],
        weekly_hours=hours(("sat", "sun", "mon"), ("10:00", "19:00")),
    )
    therapists = [claire, marc, lina]
    massage = Service(
        venue=spa,
        slug="swedish-massage",
        name="Swedish massage",
        description="A classic full-body massage.",
        buffer_after_minutes=15,
        grid_alignment_minutes=30,
        grid_step_minutes=30,
        lead_time_minutes=120,
        required_skills=["massage"],
        variants=[
            ServiceVariant(name="60 minutes", duration_minutes=60, guests=1, price_cents=9500),
            ServiceVariant(name="90 minutes", duration_minutes=90, guests=1, price_cents=13000),
            # One room for two, and a therapist for each guest.
            ServiceVariant(
                name="Duo, 60 minutes",
                duration_minutes=60,
                guests=2,
                price_cents=18000,
                staff_count=2,
            ),
        ],
        resources=[cabin, duo, *therapists],
    )
    facial = Service(
        venue=spa,
        slug="radiance-facial",
        name="Radiance facial",
        description="Cleansing and hydrating facial, every 75 minutes from opening.",
        buffer_after_minutes=15,
        # Seed 000's rule: each start follows the last one's hour plus its 15 minutes of
        # reset (no step given), counted from the opening: 09:00, 10:15, 11:30...
        grid_alignment_minutes=15,
        lead_time_minutes=120,
        required_skills=["facial"],
        variants=[
            ServiceVariant(name="60 minutes", duration_minutes=60, guests=1, price_cents=8500)
        ],
        resources=[cabin, claire, lina],
    )
    lunch_start = _local("Europe/Paris", now, time(12, 30))
    lunch = Allocation(
        resource=claire,
        start_at=lunch_start,
        end_at=lunch_start + timedelta(hours=1),
        reason="Lunch break",
        weekdays=list(range(7)),
    )

    tennis = Venue(
        slug="riverside-tennis",
        name="Riverside Tennis Club",
        city="New York",
        timezone="America/New_York",
        default_locale="en",
        currency="USD",
        description="Four hard courts, bookable by the half hour.",
        contact_email="desk@riverside-tennis.example",
        contact_phone="+1 212 555 0142",
        notification_email="desk@riverside-tennis.example",
        reminder_hours=3,
    )
    court_hours = hours(ALL_DAYS, ("07:00", "22:00"))
    courts = [
        Resource(
            venue=tennis,
            name=f"Court {n}",
            kind=ResourceKind.COURT,
            capacity=4,
            attributes={"surface": "hard"},
            weekly_hours=court_hours,
        )
        for n in range(1, 5)
    ]
    court_service = Service(
        venue=tennis,
        slug="court",
        name="Tennis court",
        description="Singles or doubles, 30 or 60 minutes.",
        grid_alignment_minutes=30,
        grid_step_minutes=30,
        variants=[
            ServiceVariant(name="30 minutes", duration_minutes=30, guests=1, price_cents=2000),
            ServiceVariant(name="60 minutes", duration_minutes=60, guests=1, price_cents=3600),
        ],
        resources=courts,
    )

    rentals = Venue(
        slug="harbour-rentals",
        name="Harbour Rentals",
        city="Sydney",
        timezone="Australia/Sydney",
        default_locale="en",
        currency="AUD",
        description="Camera kits by the day, and a van around the clock.",
        contact_email="hire@harbour-rentals.example",
        contact_phone="+61 2 9876 5432",
        reminder_hours=24,
        cancel_cutoff_hours=72,
        change_cutoff_hours=24,
    )
    kit_hours = hours(ALL_DAYS, ("09:00", "18:00"))
    kits = [
        Resource(
            venue=rentals,
            name=f"Camera kit {n}",
            kind=ResourceKind.EQUIPMENT,
            capacity=1,
            attributes={"location": "Front desk"},
            weekly_hours=kit_hours,
        )
        for n in ("A", "B")
    ]
    van = Resource(
        venue=rentals,
        name="Van",
        kind=ResourceKind.VEHICLE,
        capacity=3,
        attributes={"location": "Car park"},
        weekly_hours=None,
    )
    kit_rental = Service(
        venue=rentals,
        slug="camera-kit",
        name="Camera kit rental",
        description="A full camera kit, 1 to 5 days, collected and returned 09:00–18:00.",
        duration_mode=DurationMode.DAILY,
        min_days=1,
        max_days=5,
        unit_price_cents=9000,
        resources=kits,
    )
    van_rental = Service(
        venue=rentals,
        slug="van",
        name="Van rental",
        description="The van by the day, 1 to 14 days, around the clock.",
        duration_mode=DurationMode.DAILY,
        min_days=1,
        max_days=14,
        unit_price_cents=15000,
        resources=[van],
    )

    # Seed 002's shared staff: a second spa of the group, where Claire also works on
    # Mondays and Saturday afternoons. Between her bookings at the two spas 25 minutes
    # stay free (the pair's own time: across the Seine, less than the 30 minutes the
    # hotel spa keeps for any other venue). Its duo massage needs two therapists: on
    # Claire's days there, Sophie and Claire.
    marais = Venue(
        slug="lumiere-marais",
        name="Lumière Marais Day Spa",
        city="Paris",
        timezone="Europe/Paris",
        default_locale="fr",
        currency="EUR",
        travel_buffer_minutes=20,
        description="The hotel spa's sister in the Marais: massages for one or two.",
        contact_email="marais@lumiere.example",
        contact_phone="+33 1 98 76 54 32",
        reminder_hours=24,
        cancel_cutoff_hours=24,
        change_cutoff_hours=12,
    )
    marais_hours = hours((*WEEKDAYS, "sat"), ("10:00", "19:00"))
    rose = Resource(
        venue=marais, name="Cabine Rose", kind=ResourceKind.ROOM, weekly_hours=marais_hours
    )
    marais_duo = Resource(
        venue=marais,
        name="Salon Duo",
        kind=ResourceKind.ROOM,
        capacity=2,
        weekly_hours=marais_hours,
    )
    sophie = Resource(
        venue=marais,
        name="Sophie",
        kind=ResourceKind.STAFF,
        skills=["massage"],
        weekly_hours=marais_hours,
    )
    claire.shifts.append(
        StaffShift(
            venue=marais,
            weekly_hours=hours(("mon",), ("10:00", "19:00")) | hours(("sat",), ("13:00", "19:00")),
            hour_exceptions={},
        )
    )
    marais_massage = Service(
        venue=marais,
        slug="massage",
        name="Massage",
        description="A full-body massage, alone or side by side with two therapists.",
        buffer_after_minutes=15,
        grid_alignment_minutes=30,
        grid_step_minutes=30,
        lead_time_minutes=60,
        required_skills=["massage"],
        variants=[
            ServiceVariant(name="60 minutes", duration_minutes=60, guests=1, price_cents=9000),
            ServiceVariant(
                name="Duo, 60 minutes",
                duration_minutes=60,
                guests=2,
                price_cents=17000,
                staff_count=2,
            ),
        ],
        resources=[rose, marais_duo, sophie, claire],
    )

    venues = [rooms, spa, tennis, rentals, marais]
    # Written first and named by id, so that the rows below keep the order (and ids) in
    # which they are listed.
    group = Organisation(name="Spreeblick Group", created_at=now)
    db.session.add(group)
    db.session.flush()
    for venue in venues:
        venue.organisation_id = group.id
    db.session.add_all(
        [
            *venues,
            rooms_hour,
            rooms_range,
            massage,
            facial,
            court_service,
            kit_rental,
            van_rental,
            marais_massage,
            maintenance,
            lunch,
        ]
    )
    db.session.flush()
    db.session.add(TravelTime(first_venue_id=spa.id, second_venue_id=marais.id, minutes=25))
    db.session.commit()
    for venue in venues:
        accounts.create_manager(
            f"{venue.slug}@example.com",
            DEMO_PASSWORD,
            [venue],
            name=f"{venue.name} manager",
            role=Role.MANAGER,
        )
    accounts.create_manager(
        "frontdesk@example.com",
        DEMO_PASSWORD,
        [rooms],
        name="Spreeblick front desk",
        role=Role.FRONT_DESK,
    )
    accounts.create_manager("admin@example.com", DEMO_PASSWORD, venues, name="All venues")
    return venues
