"""Webhooks end to end, on both databases, to a real HTTP receiver on a loopback port:
recorded in the transaction of the change, delivered by the job queue after the commit
(jobs run at once here), signed so that the `standardwebhooks` verifier accepts them,
retried on a schedule driven by the clock (the retry sweep is called, nothing sleeps),
and an endpoint that never answers ends up disabled.

The clock is frozen at the real time: the verifier checks webhook-timestamp against the
system clock (5 minutes either way)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from bookingsite.booking import service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.clock import FrozenClock, format_instant
from bookingsite.extensions import db
from bookingsite.models import (
    Booking,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookDisabledReason,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
)
from bookingsite.webhooks import delivery, endpoints, events
from tests.factories import make_allocation, make_resource, make_service, make_venue
from tests.webhook_receiver import LOOPBACK_SETTINGS, Receiver

pytestmark = pytest.mark.usefixtures("backend")
HOUR = timedelta(hours=1)
ALL_TYPES = [t.value for t in WebhookEventType]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC).replace(second=0, microsecond=0))


@pytest.fixture
def app_settings(app_settings: dict) -> dict:
    return app_settings | LOOPBACK_SETTINGS | {"WEBHOOKS_CONNECT_TIMEOUT_SECONDS": 2}


@pytest.fixture
def room(app):
    venue = make_venue(hold_ttl_minutes=1)
    return make_service([make_resource(venue)], name="Meeting room")


@pytest.fixture
def endpoint(app, room, receiver: Receiver, clock: FrozenClock) -> WebhookEndpoint:
    made = endpoints.create(room.venue_id, receiver.url, ALL_TYPES, clock.now())
    db.session.commit()
    return made


@pytest.fixture
def day(clock: FrozenClock) -> datetime:
    """Midnight UTC after the test's start: bookings go there."""
    return (clock.now() + timedelta(days=1)).replace(hour=0, minute=0)


def at(day: datetime, hours: int) -> datetime:
    return day + timedelta(hours=hours)


def hold(room, day: datetime, hours: int = 10, **fields) -> Booking:
    return service.hold(HoldRequest(service_id=room.id, start=at(day, hours), **fields))


def fresh(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(WebhookEndpoint, endpoint.id)


def deliveries() -> list[WebhookDelivery]:
    db.session.rollback()  # a fresh read: delivery writes through sessions of its own
    return list(db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_every_event_type_arrives_signed(
    receiver: Receiver, endpoint: WebhookEndpoint, room, clock: FrozenClock, day: datetime
) -> None:
    booking = hold(room, day)
    service.confirm(booking.id, Customer(name="Ada", email="ada@example.test"))
    service.reschedule(booking.id, start=at(day, 12))
    service.cancel(booking.id)
    lapsing = hold(room, day, 14)
    clock.advance(timedelta(minutes=1, seconds=1))
    assert service.sweep_lapsed_holds() == 1

    assert sorted(set(receiver.types)) == sorted(ALL_TYPES)
    assert [r.type for r in receiver.received if r.type.startswith("booking.")] == [
        "booking.held",
        "booking.confirmed",
        "booking.moved",
        "booking.cancelled",
        "booking.held",
        "booking.expired",
    ]
    verifier = Webhook(endpoint.secret)
    for message in receiver.received:
        assert message.path == "/hooks"
        assert message.headers["content-type"] == "application/json"
        payload = verifier.verify(message.body, message.headers)
        assert set(payload) == {"type", "timestamp", "data"}
    (moved,) = receiver.of_type("booking.moved")
    data = moved.json["data"]
    assert data["id"] == booking.id and data["status"] == "confirmed"
    assert data["startTime"] == format_instant(at(day, 12))
    assert data["previousStartTime"] == format_instant(at(day, 10))
    (expired,) = receiver.of_type("booking.expired")
    assert expired.json["data"]["id"] == lapsing.id
    assert expired.json["data"]["status"] == "expired"
    assert {d.status for d in deliveries()} == {WebhookDeliveryStatus.SUCCEEDED}


def test_one_changed_byte_fails_verification(
    receiver: Receiver, endpoint: WebhookEndpoint, room, clock: FrozenClock, day: datetime
) -> None:
    hold(room, day)
    message = receiver.of_type("booking.held")[0]
    verifier = Webhook(endpoint.secret)
    verifier.verify(message.body, message.headers)
    for index in (0, len(message.body) // 2, len(message.body) - 1):
        tampered = bytearray(message.body)
        tampered[index] ^= 0x01
        with pytest.raises(WebhookVerificationError):
            verifier.verify(bytes(tampered), message.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoints.signing.new_secret()).verify(message.body, message.headers)


def test_availability_changes_are_one_event_per_transaction(
    receiver: Receiver, endpoint: WebhookEndpoint, room, clock: FrozenClock, day: datetime
) -> None:
    booking = service.confirm(hold(room, day).id)
    resource_id = booking.occupancies[0].resource_id
    receiver.received.clear()

    service.reschedule(booking.id, start=at(day, 15))
    (change,) = receiver.of_type("availability.changed")
    assert change.json["data"] == {
        "venueId": room.venue_id,
        "changes": [
            {
                "resourceId": resource_id,
                "startTime": format_instant(at(day, 10)),
                "endTime": format_instant(at(day, 11)),
            },
            {
                "resourceId": resource_id,
                "startTime": format_instant(at(day, 15)),
                "endTime": format_instant(at(day, 16)),
            },
        ],
    }

    receiver.received.clear()
    hold(room, day, 1)
    hold(room, day, 2)
    receiver.received.clear()
    clock.advance(timedelta(minutes=2))
    assert service.sweep_lapsed_holds() == 2  # one transaction: one availability event
    (change,) = receiver.of_type("availability.changed")
    # Ranges of one resource that touch are merged.
    assert [(c["startTime"], c["endTime"]) for c in change.json["data"]["changes"]] == [
        (format_instant(at(day, 1)), format_instant(at(day, 3)))
    ]
    assert len(receiver.of_type("booking.expired")) == 2


def test_a_receiver_failing_three_times_gets_the_event_once_more(
    receiver: Receiver, endpoint: WebhookEndpoint, room, clock: FrozenClock, day: datetime
) -> None:
    endpoint.event_types = ["booking.held"]
    db.session.commit()
    receiver.answers = [500, 500, 500]
    hold(room, day)
    (first,) = deliveries()
    assert first.status == WebhookDeliveryStatus.RETRYING and first.attempts == 1
    assert first.last_status_code == 500 and first.last_error == "HTTP 500"
    assert first.next_attempt_at == clock.now() + timedelta(seconds=30)

    clock.advance(timedelta(seconds=29))
    assert delivery.hand_over_due() == 0  # not due yet
    assert len(receiver.received) == 1
    for wait in (1, 60, 120):  # 30 s, then doubling
        clock.advance(timedelta(seconds=wait))
        assert delivery.hand_over_due() == 1
    (done,) = deliveries()
    assert done.status == WebhookDeliveryStatus.SUCCEEDED
    assert done.attempts == 4 and done.last_status_code == 200 and done.last_error == ""
    assert [r.headers["webhook-id"] for r in receiver.received] == [done.event.uid] * 4
    assert {r.body for r in receiver.received} == {receiver.received[0].body}
    Webhook(endpoint.secret).verify(receiver.received[-1].body, receiver.received[-1].headers)

    clock.advance(timedelta(days=2))
    assert delivery.hand_over_due() == 0
    assert len(receiver.received) == 4  # exactly once more after the three failures


def test_a_receiver_that_never_answers_gets_its_endpoint_disabled(
    app, receiver: Receiver, endpoint: WebhookEndpoint, room, clock: FrozenClock, day: datetime
) -> None:
    app.config |= {"WEBHOOKS_ATTEMPTS": 3, "WEBHOOKS_DISABLE_AFTER_FAILED_DELIVERIES": 1}
    endpoint.event_types = ["booking.held"]
    db.session.commit()
    receiver.hang = True
    hold(room, day)
    (attempt,) = deliveries()
    assert attempt.status == WebhookDeliveryStatus.RETRYING
    assert "ReadTimeout" in attempt.last_error and attempt.last_status_code is None
    clock.advance(timedelta(seconds=30))
    delivery.hand_over_due()
    clock.advance(timedelta(seconds=60))
    delivery.hand_over_due()

    (given_up,) = deliveries()
    assert given_up.status == WebhookDeliveryStatus.FAILED and given_up.attempts == 3
    off = fresh(endpoint)
    assert not off.enabled and off.disabled_reason == WebhookDisabledReason.FAILING
    assert off.disabled_at == clock.now()
    assert "ReadTimeout" in off.last_error
    assert "kept failing" in endpoints.disabled_text(off)
    assert len(receiver.received) == 3

    hold(room, day, 13)  # nothing more is recorded for a disabled endpoint
    assert len(deliveries()) == 1 and len(receiver.received) == 3


def test_an_endpoint_failing_for_the_whole_window_is_disabled(
    app, receiver: Receiver, endpoint: WebhookEndpoint, room, clock: FrozenClock, day: datetime
) -> None:
    app.config |= {"WEBHOOKS_ATTEMPTS": 1, "WEBHOOKS_DISABLE_AFTER_FAILING_HOURS": 24}
    endpoint.event_types = ["booking.held"]
    db.session.commit()
    receiver.answers = [503] * 10
    hold(room, day, 1)  # lost: one failed delivery is not enough
    assert fresh(endpoint).enabled
    clock.advance(timedelta(hours=24))
    hold(room, day, 30)  # still failing a day later: switched off
    off = fresh(endpoint)
    assert not off.enabled and off.disabled_reason == WebhookDisabledReason.FAILING


def test_a_success_resets_the_count_of_lost_deliveries(
    app, receiver: Receiver, endpoint: WebhookEndpoint, room, clock: FrozenClock, day: datetime
) -> None:
    app.config |= {"WEBHOOKS_ATTEMPTS": 1, "WEBHOOKS_DISABLE_AFTER_FAILED_DELIVERIES": 2}
    endpoint.event_types = ["booking.held"]
    db.session.commit()
    receiver.answers = [500, 200, 500, 200]
    for hours in (1, 3, 5, 7):
        hold(room, day, hours)
    assert fresh(endpoint).enabled
    receiver.answers = [500, 500]
    hold(room, day, 9)
    hold(room, day, 11)
    assert not fresh(endpoint).enabled


def test_nothing_is_sent_when_the_transaction_rolls_back(
    receiver: Receiver, endpoint: WebhookEndpoint, room, clock: FrozenClock, day: datetime
) -> None:
    booking = hold(room, day)
    receiver.received.clear()
    booking = db.session.get(Booking, booking.id)
    events.booking_changed(WebhookEventType.BOOKING_CONFIRMED, [booking], clock.now())
    events.availability_of([booking], clock.now())
    assert db.session.scalar(sa.select(sa.func.count(WebhookEvent.id))) == 4  # in the open tx
    db.session.rollback()

    assert db.session.scalar(sa.select(sa.func.count(WebhookEvent.id))) == 2  # the hold's
    with pytest.raises(Exception, match="SLOT_TAKEN"):
        hold(room, day)  # a change the database refuses sends nothing either
    service.confirm(booking.id)  # a later commit does not carry the rolled-back ones
    assert receiver.types == ["booking.confirmed"]


def test_a_partner_endpoint_hears_only_its_own_bookings(
    app, receiver: Receiver, room, clock: FrozenClock, day: datetime
) -> None:
    from bookingsite.accounts import create_partner

    partner, _key = create_partner("Acme", [room.venue], now=clock.now())
    endpoints.create(room.venue_id, receiver.url, ALL_TYPES, clock.now(), partner_id=partner.id)
    db.session.commit()
    hold(room, day, 9)  # a web visitor's
    assert receiver.types == ["availability.changed"]
    ours = hold(room, day, 11, partner_id=partner.id)
    assert receiver.types[1:] == ["booking.held", "availability.changed"]
    assert receiver.of_type("booking.held")[0].json["data"]["id"] == ours.id


def test_a_partner_endpoint_falls_silent_when_its_key_no_longer_reaches_the_venue(
    app, receiver: Receiver, room, clock: FrozenClock, day: datetime
) -> None:
    from bookingsite.accounts import create_partner, revoke_partner, withdraw_venue

    withdrawn, _ = create_partner("Withdrawn", [room.venue], now=clock.now())
    revoked, _ = create_partner("Revoked", [room.venue], now=clock.now())
    for partner in (withdrawn, revoked):
        endpoints.create(room.venue_id, receiver.url, ALL_TYPES, clock.now(), partner_id=partner.id)
    db.session.commit()
    hold(room, day, 9)
    assert receiver.types == ["availability.changed"] * 2

    withdraw_venue(withdrawn, room.venue_id)
    revoke_partner(revoked)  # commits both
    receiver.received.clear()
    hold(room, day, 11)
    assert receiver.types == []


def test_after_a_rotation_both_secrets_verify_for_a_while(
    app, receiver: Receiver, endpoint: WebhookEndpoint, room, clock: FrozenClock, day: datetime
) -> None:
    old = endpoint.secret
    new = endpoints.rotate(endpoint, clock.now())
    db.session.commit()
    hold(room, day)
    message = receiver.of_type("booking.held")[0]
    assert len(message.headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(message.body, message.headers)
    Webhook(new).verify(message.body, message.headers)

    clock.advance(timedelta(hours=25))
    service.sweep_lapsed_holds()  # signed now with the new secret only
    message = receiver.of_type("booking.expired")[0]
    assert len(message.headers["webhook-signature"].split(" ")) == 1


def test_a_private_target_is_refused_at_delivery_time(
    app, receiver: Receiver, endpoint: WebhookEndpoint, room, clock: FrozenClock, day: datetime
) -> None:
    app.config["WEBHOOKS_ALLOW_PRIVATE_TARGETS"] = False  # registered while allowed
    hold(room, day)
    assert receiver.received == []
    statuses = {d.status for d in deliveries()}
    assert statuses == {WebhookDeliveryStatus.RETRYING}
    assert all("private" in d.last_error for d in deliveries())


def test_the_sweep_job_sends_what_was_never_queued(
    app, receiver: Receiver, endpoint: WebhookEndpoint, room, clock: FrozenClock, day: datetime
) -> None:
    from bookingsite import jobs

    queued = []
    queue = app.extensions[jobs.EXTENSION]
    working, queue.deliver_webhook = queue.deliver_webhook, queued.append  # "down"
    try:
        hold(room, day)
    finally:
        queue.deliver_webhook = working
    assert receiver.received == [] and len(queued) == 2
    assert delivery.hand_over_due() == 0  # too fresh: its own hand-over may still come
    clock.advance(delivery.NOT_TAKEN_AFTER + timedelta(seconds=1))
    jobs.jobs().sweep.call_local()  # hands them over (and expires the hold meanwhile)
    assert sorted(receiver.types[:2]) == ["availability.changed", "booking.held"]
    assert receiver.received[0].headers["webhook-id"] != receiver.received[1].headers["webhook-id"]


def test_holds_that_end_otherwise_are_announced_expired(
    receiver: Receiver, endpoint: WebhookEndpoint, room, clock: FrozenClock, day: datetime
) -> None:
    late = hold(room, day, 9)
    clock.advance(timedelta(minutes=1))
    with pytest.raises(Exception, match="HOLD_EXPIRED"):
        service.confirm(late.id)  # marks it expired, and says so
    first = hold(room, day, 11)
    hold(room, day, 13, replaces_booking_id=first.id)  # a visitor's new hold replaces the old
    assert [r.json["data"]["id"] for r in receiver.of_type("booking.expired")] == [
        late.id,
        first.id,
    ]
    Webhook(endpoint.secret).verify(receiver.received[-1].body, receiver.received[-1].headers)


def test_a_manager_s_move_is_announced_with_both_ranges(
    receiver: Receiver, endpoint: WebhookEndpoint, room, clock: FrozenClock, day: datetime
) -> None:
    booking = service.confirm(hold(room, day, 9).id)
    resource_id = booking.occupancies[0].resource_id
    receiver.received.clear()
    service.move(
        booking.id, start=at(day, 14), end=at(day, 15), resource_id=resource_id, manager_id=None
    )
    assert receiver.types == ["booking.moved", "availability.changed"]
    moved, change = receiver.received
    assert moved.json["data"]["previousStartTime"] == format_instant(at(day, 9))
    assert moved.json["data"]["startTime"] == format_instant(at(day, 14))
    assert [c["startTime"] for c in change.json["data"]["changes"]] == [
        format_instant(at(day, 9)),
        format_instant(at(day, 14)),
    ]
    receiver.received.clear()
    service.move(  # to where it is: nothing changed, nothing announced
        booking.id, start=at(day, 14), end=at(day, 15), resource_id=resource_id, manager_id=None
    )
    assert receiver.received == []


def test_set_up_changes_go_out_as_availability_events(
    receiver: Receiver, endpoint: WebhookEndpoint, room, clock: FrozenClock, day: datetime
) -> None:
    """Blocks, hours and the like reach the feed through the database's triggers; the
    same rows go out as the transaction's one availability event."""
    resource = room.resources[0]
    receiver.received.clear()

    block = make_allocation(resource, at(day, 12), at(day, 14))
    (added,) = receiver.of_type("availability.changed")
    assert added.json["data"] == {
        "venueId": room.venue_id,
        "changes": [
            {
                "resourceId": resource.id,
                "startTime": format_instant(at(day, 12)),
                "endTime": format_instant(at(day, 14)),
            }
        ],
    }

    receiver.received.clear()
    resource.name = "Renamed room"  # availability does not depend on it
    db.session.commit()
    assert receiver.of_type("availability.changed") == []

    resource.weekly_hours = {"mon": [["09:00", "17:00"]]}
    db.session.commit()
    (hours,) = receiver.of_type("availability.changed")
    (change,) = hours.json["data"]["changes"]
    assert change["resourceId"] == resource.id and change["endTime"] is None  # from now on

    receiver.received.clear()
    db.session.delete(block)
    db.session.commit()
    (removed,) = receiver.of_type("availability.changed")
    assert removed.json["data"]["changes"] == added.json["data"]["changes"]
