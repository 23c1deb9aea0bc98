"""Messages after a booking, end to end through a real SMTP server (aiosmtpd on a
loopback port): written in the booking's transaction, delivered by the job queue after
the commit (jobs run at once here), one e-mail per event, calendar invitations that
update the same event, retries that end in a visible failure, and a booking that never
depends on any of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from bookingsite.booking import service
from bookingsite.booking.service import Customer, HoldRequest
from bookingsite.clock import FrozenClock
from bookingsite.extensions import db
from bookingsite.mail import delivery, outbox
from bookingsite.mail.reminders import send_due_reminders
from bookingsite.models import Booking, BookingStatus, Message, MessageKind, MessageStatus
from tests.factories import make_resource, make_service, make_venue
from tests.smtp import Inbox

MONDAY_10 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
HOUR = timedelta(hours=1)
CUSTOMER = "ada@example.test"
VENUE_DESK = "desk@example.test"


@pytest.fixture
def app_settings(app_settings: dict, inbox: Inbox) -> dict:
    return app_settings | {
        "MAIL_HOST": inbox.host,
        "MAIL_PORT": inbox.port,
        "MAIL_SENDER": "Bookings <bookings@example.test>",
        "PUBLIC_URL": "https://book.example.test",
        "MESSAGE_TRIES": 3,
    }


@pytest.fixture
def service_id(app, backend: str) -> int:
    venue = make_venue(notification_email=VENUE_DESK)
    return make_service([make_resource(venue)], name="Meeting room").id


def book(service_id: int, start: datetime = MONDAY_10, *, locale: str = "en") -> Booking:
    held = service.hold(HoldRequest(service_id=service_id, start=start, locale=locale))
    return service.confirm(held.id, Customer(name="Ada Lovelace", email=CUSTOMER))


def invitation(message) -> Calendar:
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_content())


def event_of(message):
    (event,) = invitation(message).walk("VEVENT")
    return event


def messages() -> list[Message]:
    db.session.rollback()  # a fresh read: delivery writes through sessions of its own
    return list(db.session.scalars(sa.select(Message).order_by(Message.id)))


def test_a_confirmation_reaches_the_customer_once_with_its_invitation(
    inbox: Inbox, service_id: int
) -> None:
    booking = book(service_id)

    (email,) = inbox.to(CUSTOMER)
    assert email["To"] == CUSTOMER
    assert "Meeting room" in email["Subject"]
    stored = next(m for m in messages() if m.recipient == CUSTOMER)
    assert email["Message-ID"] == f"<{stored.uid}@example.test>"
    assert stored.status == MessageStatus.SENT and stored.attempts == 1
    assert stored.kind == MessageKind.BOOKING_CONFIRMED and stored.booking_id == booking.id
    text = email.get_body(("plain",)).get_content()
    assert booking.reference in text
    assert f"https://book.example.test/bookings/{booking.manage_token}" in text
    assert email.get_body(("html",)) is not None
    calendar = invitation(email)
    assert str(calendar["METHOD"]) == "REQUEST"
    event = event_of(email)
    assert event.decoded("DTSTART") == MONDAY_10
    assert int(event["SEQUENCE"]) == 0
    # The venue hears of it too; nobody hears twice.
    (notice,) = inbox.to(VENUE_DESK)
    assert booking.reference in notice.get_body(("plain",)).get_content()
    assert len(inbox.received) == 2


def test_confirming_twice_sends_nothing_more(inbox: Inbox, service_id: int) -> None:
    booking = book(service_id)
    service.confirm(booking.id, Customer(name="Ada Lovelace", email=CUSTOMER))
    assert len(inbox.to(CUSTOMER)) == 1


def test_a_cancellation_cancels_the_same_calendar_event(inbox: Inbox, service_id: int) -> None:
    booking = book(service_id)
    service.cancel(booking.id)

    confirmed, cancelled = inbox.to(CUSTOMER)
    assert str(invitation(cancelled)["METHOD"]) == "CANCEL"
    assert event_of(cancelled)["UID"] == event_of(confirmed)["UID"]
    assert int(event_of(cancelled)["SEQUENCE"]) == int(event_of(confirmed)["SEQUENCE"]) + 1
    assert len(inbox.to(VENUE_DESK)) == 2
    service.cancel(booking.id)  # cancelling twice is harmless, and silent
    assert len(inbox.to(CUSTOMER)) == 2


def test_letting_a_hold_go_sends_nothing(inbox: Inbox, service_id: int) -> None:
    held = service.hold(HoldRequest(service_id=service_id, start=MONDAY_10))
    service.cancel(held.id)
    assert inbox.received == [] and messages() == []


def test_a_new_time_updates_the_event_with_a_higher_sequence(inbox: Inbox, service_id: int) -> None:
    booking = book(service_id)
    (resource_id,) = {o.resource_id for o in booking.occupancies}
    later = MONDAY_10 + timedelta(hours=2)
    service.move(
        booking.id,
        start=later,
        end=later + timedelta(hours=1),
        resource_id=resource_id,
        manager_id=None,
    )

    confirmed, moved = inbox.to(CUSTOMER)
    assert str(invitation(moved)["METHOD"]) == "REQUEST"
    assert event_of(moved)["UID"] == event_of(confirmed)["UID"]
    assert int(event_of(moved)["SEQUENCE"]) == 1
    assert event_of(moved).decoded("DTSTART") == later
    assert [m.kind for m in messages()][-2:] == [MessageKind.BOOKING_MOVED, MessageKind.VENUE_MOVED]


def test_a_message_in_each_language(inbox: Inbox, service_id: int) -> None:
    for n, locale in enumerate(("en", "fr", "de")):
        book(service_id, MONDAY_10 + timedelta(days=n), locale=locale)
    subjects = [m.subject for m in messages() if m.recipient == CUSTOMER]
    assert len(set(subjects)) == 3
    assert [m.locale for m in messages() if m.recipient == CUSTOMER] == ["en", "fr", "de"]


def test_a_mail_server_that_is_down_is_retried_then_shown_failed(
    app, inbox: Inbox, service_id: int, clock: FrozenClock
) -> None:
    inbox.refuse = True  # 451: try again later
    booking = book(service_id)
    assert booking.status == BookingStatus.CONFIRMED  # the booking never depends on mail

    (message,) = [m for m in messages() if m.recipient == CUSTOMER]
    assert message.status == MessageStatus.RETRYING and message.attempts == 1
    assert "451" in message.last_error
    assert message.next_attempt_at == clock.now() + timedelta(seconds=60)

    clock.advance(timedelta(minutes=1))
    assert delivery.deliver(message.id) == timedelta(seconds=120)  # the wait doubles
    clock.advance(timedelta(minutes=2))
    assert delivery.deliver(message.id) is None  # the third and last try
    (message,) = [m for m in messages() if m.recipient == CUSTOMER]
    assert message.status == MessageStatus.FAILED and message.attempts == 3
    assert inbox.received == []

    inbox.refuse = False  # a manager sends it again once the server is back
    outbox.send_again(message)
    (message,) = [m for m in messages() if m.recipient == CUSTOMER]
    assert message.status == MessageStatus.SENT and len(inbox.to(CUSTOMER)) == 1


def test_a_refused_connection_is_retried(app, service_id: int) -> None:
    from tests.smtp import free_port

    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    book(service_id)
    (message,) = [m for m in messages() if m.recipient == CUSTOMER]
    assert message.status == MessageStatus.RETRYING
    assert "ConnectionRefusedError" in message.last_error


def test_without_a_mail_server_messages_are_kept_in_the_log(
    app, inbox: Inbox, service_id: int
) -> None:
    app.config["MAIL_HOST"] = ""
    book(service_id)
    assert inbox.received == []
    assert {m.status for m in messages()} == {MessageStatus.LOGGED}
    assert {m.recipient for m in messages()} == {CUSTOMER, VENUE_DESK}


def test_a_change_that_rolls_back_leaves_no_message(inbox: Inbox, service_id: int) -> None:
    held = service.hold(HoldRequest(service_id=service_id, start=MONDAY_10))
    booking = db.session.get(Booking, held.id)
    booking.customer_email = CUSTOMER
    outbox.record(
        [booking], MONDAY_10, customer=MessageKind.BOOKING_CONFIRMED, venue=MessageKind.VENUE_NEW
    )
    db.session.rollback()
    db.session.commit()  # a later commit hands over nothing left from the rolled-back one
    assert messages() == [] and inbox.received == []


def test_the_sweep_hands_over_what_was_never_queued(
    app, inbox: Inbox, service_id: int, clock: FrozenClock, monkeypatch
) -> None:
    from bookingsite import jobs

    def queue_down(_message_id: int) -> None:
        raise ConnectionError("the queue is down")

    monkeypatch.setattr(jobs, "deliver_later", queue_down)
    book(service_id)  # committed; the hand-over failed
    assert inbox.received == []
    assert {m.status for m in messages()} == {MessageStatus.PENDING}

    monkeypatch.undo()
    assert outbox.hand_over_unsent() == 0  # too fresh: its own hand-over may still come
    clock.advance(outbox.NOT_TAKEN_AFTER + timedelta(seconds=1))
    assert outbox.hand_over_unsent() == 2
    assert len(inbox.to(CUSTOMER)) == 1 and len(inbox.to(VENUE_DESK)) == 1
    assert outbox.hand_over_unsent() == 0  # and never twice


def test_a_worker_that_died_mid_send_is_taken_over_after_its_lease(
    app, inbox: Inbox, service_id: int, clock: FrozenClock
) -> None:
    app.config["MAIL_HOST"] = ""
    booking = book(service_id)
    app.config["MAIL_HOST"] = inbox.host
    # As a worker killed with SIGKILL after claiming it leaves it:
    db.session.execute(
        sa.update(Message)
        .where(Message.booking_id == booking.id)
        .values(status=MessageStatus.SENDING, claimed_at=clock.now(), attempts=1)
    )
    db.session.commit()
    (first, *_) = messages()
    assert delivery.deliver(first.id) is None and inbox.received == []  # claimed: left alone
    clock.advance(outbox.CLAIM_LEASE + timedelta(seconds=1))
    assert outbox.hand_over_unsent() == 2
    assert len(inbox.to(CUSTOMER)) == 1 and len(inbox.to(VENUE_DESK)) == 1


@pytest.fixture
def reminded_service_id(app, backend: str) -> int:
    venue = make_venue(reminder_hours=24)
    return make_service([make_resource(venue, capacity=1)], name="Tennis court").id


def reminders_to(inbox: Inbox) -> list:
    return [m for m in inbox.to(CUSTOMER) if m["Subject"].startswith("Reminder")]


def test_a_reminder_goes_out_once_when_it_falls_due(
    inbox: Inbox, reminded_service_id: int, clock: FrozenClock
) -> None:
    book(reminded_service_id)
    assert send_due_reminders() == 0  # 33 hours ahead: not yet
    clock.set(MONDAY_10 - timedelta(hours=24))
    assert send_due_reminders() == 1
    assert send_due_reminders() == 0  # never twice
    (reminder,) = reminders_to(inbox)
    assert "Tennis court" in reminder["Subject"]
    assert not [p for p in reminder.iter_attachments()]  # the event itself has not changed
    assert (
        next(m for m in messages() if m.kind == MessageKind.REMINDER).booking.reminder_sent_at
        == clock.now()
    )


def test_no_reminder_for_a_cancelled_booking_and_a_moved_one_is_reminded_of_its_new_time(
    inbox: Inbox, reminded_service_id: int, clock: FrozenClock
) -> None:
    cancelled, moved = book(reminded_service_id), book(reminded_service_id, MONDAY_10 + HOUR)
    service.cancel(cancelled.id, by_customer=True)
    tuesday = MONDAY_10 + timedelta(days=1)
    service.reschedule(moved.id, start=tuesday)
    clock.set(MONDAY_10 - timedelta(hours=23))
    assert send_due_reminders() == 0
    clock.set(tuesday - timedelta(hours=23))
    assert send_due_reminders() == 1
    (reminder,) = reminders_to(inbox)
    assert "Tue, Mar 3" in reminder["Subject"]


def test_the_sweep_job_sends_due_reminders(
    app, inbox: Inbox, reminded_service_id: int, clock: FrozenClock
) -> None:
    from bookingsite import jobs

    book(reminded_service_id)
    clock.set(MONDAY_10 - timedelta(hours=1))
    jobs.jobs().sweep()  # the periodic job, run at once here
    assert len(reminders_to(inbox)) == 1


def test_find_my_booking_sends_each_venue_s_list_to_the_address(
    app, inbox: Inbox, service_id: int, reminded_service_id: int
) -> None:
    first, second = book(service_id), book(reminded_service_id)
    outbox.send_bookings_list("  ADA@Example.test ")
    lists = [m for m in inbox.to(CUSTOMER) if "upcoming bookings" in m["Subject"]]
    assert len(lists) == 2  # one per venue, each in that venue's message log
    texts = " ".join(m.get_body(("plain",)).get_content() for m in lists)
    for booking in (first, second):
        assert f"https://book.example.test/bookings/{booking.manage_token}" in texts
    before = len(inbox.received)
    outbox.send_bookings_list("nobody@example.test")
    assert len(inbox.received) == before


def test_messages_state_the_kept_terms(inbox: Inbox, app, backend: str) -> None:
    venue = make_venue(cancel_cutoff_hours=24, change_cutoff_hours=2, notification_email="")
    service_id = make_service([make_resource(venue)], name="Sauna").id
    book(service_id)
    text = inbox.to(CUSTOMER)[0].get_body(("plain",)).get_content()
    assert "You can cancel online until 24 hours before the start." in " ".join(text.split())
    assert "You can change the time online until 2 hours before the start." in " ".join(
        text.split()
    )
