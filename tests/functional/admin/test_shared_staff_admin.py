"""Shared staff in admin: a staff member's shifts at another venue of the organisation,
the other venue's services drawing on them, and the travel time between two venues.

The world's venue (Europe/Berlin) gets a therapist; a sibling venue of the same
organisation gets a massage service. The clock stands at Sunday 1 March 2026."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from bookingsite.accounts import create_manager
from bookingsite.booking.questions import ask, grid
from bookingsite.extensions import db
from bookingsite.i18n import local_time
from bookingsite.models import Resource, ResourceKind, Role, Service, StaffShift, TravelTime
from tests.factories import make_organisation, make_resource, make_service, make_venue
from tests.functional.admin.conftest import log_in, url
from tests.functional.admin.test_hours_editor import error_of, page, set_week

pytestmark = pytest.mark.usefixtures("backend")

MONDAY = date(2026, 3, 2)


class Group:
    def __init__(self, world) -> None:
        self.world = world
        self.home = world.venue
        self.sibling = make_venue(
            name="Sibling spa", timezone="Europe/Berlin", organisation=self.home.organisation
        )
        self.claire = make_resource(
            self.home,
            name="Claire",
            kind=ResourceKind.STAFF,
            skills=["massage"],
            weekly_hours={"tue": [["09:00", "17:00"]]},
        )
        cabin = make_resource(self.sibling, name="Cabin", capacity=1)
        self.massage = make_service(
            [cabin], name="Massage", required_skills=[], grid_step_minutes=60
        )

    def shift_path(self, at_venue_id: int | None = None, resource_id: int | None = None) -> str:
        return url(
            "admin.resource_shift",
            venue_id=self.home.id,
            resource_id=resource_id or self.claire.id,
            at_venue_id=at_venue_id or self.sibling.id,
        )

    def shift(self) -> StaffShift | None:
        db.session.expire_all()
        return db.session.get(Resource, self.claire.id).shift_at(self.sibling.id)


@pytest.fixture
def group(world) -> Group:
    return Group(world)


def test_a_shift_at_another_venue_is_set_from_the_staff_member_s_hours_page(admin, group):
    hours = admin.get(
        url("admin.resource_hours", venue_id=group.home.id, resource_id=group.claire.id)
    )
    assert "Shifts at other venues" in page(hours)
    assert "Sibling spa" in page(hours) and "Does not work there" in page(hours)
    form = admin.get(group.shift_path())
    assert form.status_code == 200
    assert "Shifts of Claire at Sibling spa" in page(form)
    assert "open around the clock" not in page(form).lower()  # a shift has hours
    saved = admin.post(group.shift_path(), data=set_week(mon="10:00-18:00"))
    assert saved.status_code == 302
    assert group.shift().weekly_hours["mon"] == [["10:00", "18:00"]]
    listed = admin.get(
        url("admin.resource_hours", venue_id=group.home.id, resource_id=group.claire.id)
    )
    assert "10:00" in page(listed) and "Does not work there" not in page(listed)


def test_a_bad_shift_is_refused_inline_and_nothing_is_stored(admin, group):
    response = admin.post(group.shift_path(), data=set_week(mon="18:00-10:00"))
    assert response.status_code == 422
    assert error_of(page(response), "mon")
    assert group.shift() is None


@pytest.mark.parametrize("where", ["own venue", "another organisation", "unknown"])
def test_a_shift_only_at_another_venue_of_the_organisation(admin, group, where):
    venue_id = {
        "own venue": group.home.id,
        "another organisation": make_venue(organisation=make_organisation("Other group")).id,
        "unknown": 99999,
    }[where]
    assert admin.get(group.shift_path(at_venue_id=venue_id)).status_code == 404
    assert (
        admin.post(
            group.shift_path(at_venue_id=venue_id), data=set_week(mon="10:00-18:00")
        ).status_code
        == 404
    )


def test_a_place_has_no_shifts(admin, group):
    assert admin.get(group.shift_path(resource_id=group.world.room.id)).status_code == 404


def _offered_monday(app, service_id: int) -> list[str]:
    with app.test_request_context():
        db.session.expire_all()
        service = db.session.get(Service, service_id)
        answer = grid(ask(service), MONDAY, 1, datetime(2026, 3, 1, tzinfo=UTC))
        return [local_time(s.start, "Europe/Berlin") for s in answer.days[0].slots]


def test_the_other_venue_s_service_draws_on_the_visiting_therapist(app, admin, group):
    admin.post(group.shift_path(), data=set_week(mon="10:00-13:00"))
    owner = create_manager("sibling@example.com", "a sibling password", [group.sibling])
    assert owner.role_at(group.sibling.id) is Role.OWNER
    client = app.test_client()
    log_in(client, "sibling@example.com", "a sibling password")
    edit = url("admin.service_edit", venue_id=group.sibling.id, service_id=group.massage.id)
    form = page(client.get(edit))
    assert f"Claire, on shift here from {group.home.name}" in form
    service = db.session.get(Service, group.massage.id)
    service.required_skills = ["massage"]
    service.resources.append(db.session.get(Resource, group.claire.id))
    db.session.commit()
    assert _offered_monday(app, group.massage.id) == ["10:00", "11:00", "12:00"]
    # The shift removed, the service no longer draws on her (and offers nothing).
    removed = admin.post(
        url(
            "admin.resource_shift_delete",
            venue_id=group.home.id,
            resource_id=group.claire.id,
            at_venue_id=group.sibling.id,
        )
    )
    assert removed.status_code == 302
    db.session.expire_all()
    assert group.claire.id not in {
        r.id for r in db.session.get(Service, group.massage.id).resources
    }
    assert _offered_monday(app, group.massage.id) == []


def _pair() -> TravelTime | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(TravelTime))


def test_owners_set_a_pair_s_travel_time_on_the_settings_page(admin, group):
    settings = url("admin.venue_settings", venue_id=group.home.id)
    shown = page(admin.get(settings))
    assert "Travel time to each venue" in shown and "Sibling spa" in shown
    travel = url("admin.venue_travel_times", venue_id=group.home.id)
    field = f"venue_{group.sibling.id}"
    assert admin.post(travel, data={field: "25"}).status_code == 302
    assert _pair().minutes == 25
    refused = admin.post(travel, data={field: "-5"})
    assert refused.status_code == 422
    assert error_of(page(refused), field)
    assert _pair().minutes == 25
    assert admin.post(travel, data={field: ""}).status_code == 302
    assert _pair() is None


@pytest.mark.parametrize("role", [Role.MANAGER, Role.FRONT_DESK])
def test_only_owners_set_travel_times(client, group, role):
    create_manager("someone@example.com", "a role password", [group.home], role=role)
    log_in(client, "someone@example.com", "a role password")
    travel = url("admin.venue_travel_times", venue_id=group.home.id)
    assert client.post(travel, data={f"venue_{group.sibling.id}": "25"}).status_code == 403
    assert _pair() is None


def test_the_other_venue_s_timeline_shows_her_time_elsewhere_and_the_way_there(app, group):
    """The sibling's timeline has a lane for the visiting therapist: her booking at the
    home venue as "At …" (not whose), the travel time either side, and no free time to
    book or block there (her own venue does that)."""
    from bookingsite.admin.timeline import SegmentKind, build_lanes, window_for
    from bookingsite.booking import service as booking_service
    from bookingsite.booking.service import Customer, HoldRequest
    from bookingsite.staff import set_shift, set_travel_time

    claire = db.session.get(Resource, group.claire.id)
    set_shift(claire, group.sibling, {"tue": [["08:00", "18:00"]]})
    set_travel_time(group.home, group.sibling, 20)
    home_massage = make_service(
        [make_resource(group.home, name="Home cabin"), claire],
        required_skills=["massage"],
        grid_step_minutes=60,
    )
    start = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in Berlin
    held = booking_service.hold(HoldRequest(service_id=home_massage.id, start=start))
    booking_service.confirm(held.id, Customer(name="Ada Secret", email="ada@example.test"))

    window = window_for(date(2026, 3, 3), "day", "Europe/Berlin")
    (lane,) = build_lanes([claire], window, datetime(2026, 3, 1, tzinfo=UTC), group.sibling)
    taken = {(s.kind, s.start, s.end) for s in lane.segments if s.kind != SegmentKind.CLOSED}
    minutes = timedelta(minutes=20)
    assert taken == {
        (SegmentKind.ELSEWHERE, start, start + timedelta(hours=1)),
        (SegmentKind.TRAVEL, start - minutes, start),
        (SegmentKind.TRAVEL, start + timedelta(hours=1), start + timedelta(hours=1) + minutes),
    }
    create_manager("desk@example.com", "a desk password", [group.sibling], role=Role.FRONT_DESK)
    desk = app.test_client()
    log_in(desk, "desk@example.com", "a desk password")
    timeline = url("admin.timeline", venue_id=group.sibling.id, date="2026-03-03")
    page_text = page(desk.get(timeline))
    assert f"At {group.home.name}" in page_text and "travel" in page_text
    assert "Ada Secret" not in page_text
    assert f"from {group.home.name}" in page_text
