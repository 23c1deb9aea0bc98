"""The venue's message log: the list (newest first, filters, search, pages), one message
in full (its HTML part only ever escaped into a sandboxed frame), the calendar
attachment, and sending a failed message again. (The venue's notification address is set
on the settings page: test_venue_settings.py.)"""

from __future__ import annotations

import re
from datetime import timedelta
from html import escape, unescape

import pytest
import sqlalchemy as sa

from bookingsite.admin.messages import kind_text
from bookingsite.extensions import db
from bookingsite.mail.delivery import message_id_header
from bookingsite.models import Message, MessageKind, MessageStatus
from tests.functional.admin.conftest import MONDAY_10, World, log_in, url

pytestmark = pytest.mark.usefixtures("backend")

SCRIPT = "<script>alert('owned')</script>"
CALENDAR = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"


def page(response) -> str:
    return response.get_data(as_text=True)


def make_message(world: World, **overrides) -> Message:
    fields = {
        "venue_id": world.venue.id,
        "booking_id": world.booking.id,
        "kind": MessageKind.BOOKING_CONFIRMED,
        "recipient": "ada@example.com",
        "locale": "en",
        "subject": "Your booking is confirmed",
        "body_text": "Hello Ada,\nsee you on Monday.",
        "body_html": "<p>Hello Ada,</p>",
        "status": MessageStatus.SENT,
        "attempts": 1,
        "created_at": MONDAY_10 - timedelta(days=1),
    }
    message = Message(**(fields | overrides))
    db.session.add(message)
    db.session.commit()
    return message


@pytest.fixture
def world(world: World) -> World:
    """The world without the messages its booking's confirmation may have recorded."""
    db.session.execute(sa.delete(Message))
    db.session.commit()
    return world


def log_url(world: World, **args) -> str:
    return url("admin.messages", venue_id=world.venue.id, **args)


def detail_url(world: World, message: Message, endpoint: str = "admin.message_detail") -> str:
    return url(endpoint, venue_id=world.venue.id, message_id=message.id)


def subjects(html: str) -> list[str]:
    return [unescape(s) for s in re.findall(r'<td><a href="[^"]*/messages/\d+">([^<]*)</a>', html)]


def test_the_log_lists_messages_newest_first_in_words(admin, world):
    make_message(world, subject="Oldest", created_at=MONDAY_10 - timedelta(days=3))
    make_message(
        world,
        subject="Newest",
        status=MessageStatus.LOGGED,
        attempts=0,
        kind=MessageKind.VENUE_NEW,
        recipient="desk@alpha.example",
        created_at=MONDAY_10,
    )
    make_message(
        world,
        subject="Middle",
        status=MessageStatus.FAILED,
        attempts=5,
        last_error="550 mailbox unavailable",
        created_at=MONDAY_10 - timedelta(days=2),
    )
    response = admin.get(log_url(world))
    html = page(response)
    assert response.status_code == 200
    assert subjects(html) == ["Newest", "Middle", "Oldest"]
    assert "Not sent: no mail server configured" in html
    assert "Failed" in html and "550 mailbox unavailable" in html
    assert "New booking, to the venue" in html
    assert 'class="table-scroll"' in html
    # In the venue's zone (Berlin, UTC+1): 09:00Z is 10:00.
    assert "10:00" in html


def test_the_log_filters_by_status(admin, world):
    make_message(world, subject="Went out")
    make_message(world, subject="Bounced", status=MessageStatus.FAILED)
    html = page(admin.get(log_url(world, status="failed")))
    assert subjects(html) == ["Bounced"]


def test_an_unknown_status_is_refused(admin, world):
    assert admin.get(log_url(world, status="lost")).status_code == 422


@pytest.mark.parametrize(
    ("needle", "expected"),
    [
        ("GRACE@", ["To Grace"]),
        ("booking-ref", ["To Ada"]),
        ("%", []),
        ("nobody", []),
    ],
    ids=["recipient-any-case", "booking-reference", "wildcard-is-literal", "no-match"],
)
def test_the_search_finds_recipient_or_booking_reference(admin, world, needle, expected):
    make_message(world, subject="To Ada", recipient="ada@example.com")
    make_message(world, subject="To Grace", recipient="grace@example.com", booking_id=None)
    if needle == "booking-ref":
        needle = world.booking.reference.lower()
    html = page(admin.get(log_url(world, q=needle)))
    assert subjects(html) == expected


def test_the_log_shows_only_this_venues_messages(admin, world, other_world):
    make_message(world, subject="Ours")
    make_message(other_world, subject="Theirs")
    assert subjects(page(admin.get(log_url(world)))) == ["Ours"]


def pages_from(admin, path: str) -> list[list[str]]:
    pages = []
    while path:
        html = page(admin.get(path))
        pages.append(subjects(html))
        older = re.search(r'<a href="([^"]+)" rel="next">', html)
        path = unescape(older.group(1)) if older else None
    return pages


def test_the_log_pages_by_fifty_and_back(admin, world):
    # Three messages to an instant: pages must break ties without losing or repeating.
    for n in range(120):
        make_message(
            world, subject=f"Message {n:03}", created_at=MONDAY_10 - timedelta(minutes=n // 3)
        )
    pages = pages_from(admin, log_url(world))
    assert [len(p) for p in pages] == [50, 50, 20]
    shown = [subject for p in pages for subject in p]
    # Newest first; within one instant, the last written first.
    assert shown == [f"Message {n:03}" for t in range(40) for n in (3 * t + 2, 3 * t + 1, 3 * t)]
    second = page(admin.get(log_url(world, before=db.session.scalar(_id_of(pages[0][-1])))))
    newer = re.search(r'<a href="([^"]+)" rel="prev">', second)
    assert newer, "the second page links to the first"
    assert subjects(page(admin.get(unescape(newer.group(1))))) == pages[0]
    assert 'rel="prev"' not in page(admin.get(log_url(world)))


def _id_of(subject: str):
    return sa.select(Message.id).where(Message.subject == subject)


def test_pages_keep_the_filters(admin, world):
    for n in range(55):
        make_message(
            world,
            subject=f"Failed {n:02}",
            status=MessageStatus.FAILED,
            created_at=MONDAY_10 - timedelta(minutes=n),
        )
    make_message(world, subject="Sent one", created_at=MONDAY_10 - timedelta(days=5))
    pages = pages_from(admin, log_url(world, status="failed"))
    assert [len(p) for p in pages] == [50, 5]
    assert "Sent one" not in pages[1]


def test_a_cursor_of_another_venue_is_not_found(admin, world, other_world):
    theirs = make_message(other_world)
    assert admin.get(log_url(world, before=theirs.id)).status_code == 404


def test_the_log_query_runs_on_the_venue_and_time_index(admin, world):
    make_message(world)
    statements: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if "FROM messages" in statement and "ORDER BY" in statement:
            statements.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        assert admin.get(log_url(world, status="sent")).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    assert statements
    connection = db.session.connection()
    for statement, parameters in statements:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            explain = "EXPLAIN "
        else:
            explain = "EXPLAIN QUERY PLAN "
        plan = connection.exec_driver_sql(explain + statement, parameters).all()
        assert "ix_messages_venue_created" in str(plan), plan
    db.session.rollback()


def test_a_message_in_full_with_its_html_escaped_into_a_sandbox(admin, world):
    message = make_message(
        world,
        body_text="Hello Ada,\n<b>not bold</b>",
        body_html=f'<p class="x">Hello Ada</p>{SCRIPT}',
        calendar=CALENDAR,
        last_error="421 try later\n" + "x" * 300,
        attempts=2,
        status=MessageStatus.RETRYING,
        next_attempt_at=MONDAY_10 + timedelta(minutes=5),
    )
    response = admin.get(detail_url(world, message))
    html = page(response)
    assert response.status_code == 200
    assert SCRIPT not in html and "<b>not bold</b>" not in html
    frame = re.search(r'<iframe sandbox srcdoc="([^"]*)"', html)
    assert frame, "the HTML part sits in a sandboxed frame"
    assert unescape(frame.group(1)) == message.body_html
    assert "&lt;script&gt;" in frame.group(1)
    assert re.search(r"<pre[^>]*>Hello Ada,\n&lt;b&gt;not bold&lt;/b&gt;</pre>", html)
    assert escape(message_id_header(message)) in html and message.uid in html
    assert "Will retry" in html and "x" * 300 in html
    booking = url("admin.booking_detail", venue_id=world.venue.id, booking_id=world.booking.id)
    assert f'href="{booking}"' in html
    assert detail_url(world, message, "admin.message_calendar") in html
    assert "Send again" not in html


def test_the_calendar_attachment_downloads(admin, world):
    message = make_message(world, calendar=CALENDAR)
    response = admin.get(detail_url(world, message, "admin.message_calendar"))
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.get_data(as_text=True) == CALENDAR
    assert "attachment" in response.headers["Content-Disposition"]


def test_a_message_without_calendar_has_no_attachment(admin, world):
    message = make_message(world, calendar=None, booking_id=None)
    assert admin.get(detail_url(world, message, "admin.message_calendar")).status_code == 404
    assert "invite.ics" not in page(admin.get(detail_url(world, message)))


@pytest.mark.parametrize(
    ("endpoint", "method"),
    [
        ("admin.message_detail", "GET"),
        ("admin.message_calendar", "GET"),
        ("admin.message_resend", "POST"),
    ],
)
def test_another_venues_message_is_not_found(admin, world, other_world, endpoint, method):
    theirs = make_message(other_world, calendar=CALENDAR, status=MessageStatus.FAILED)
    response = admin.open(detail_url(world, theirs, endpoint), method=method)
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Message, theirs.id).status == MessageStatus.FAILED


def test_another_venues_manager_is_not_found(client, world, other_world):
    message = make_message(world)
    log_in(client, other_world.manager.email)
    assert client.get(log_url(world)).status_code == 404
    assert client.get(detail_url(world, message)).status_code == 404


def test_a_failed_message_can_be_sent_again(admin, world):
    message = make_message(world, status=MessageStatus.FAILED, attempts=5, last_error="550")
    assert "Send again" in page(admin.get(detail_url(world, message)))
    response = admin.post(detail_url(world, message, "admin.message_resend"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(detail_url(world, message))
    db.session.expire_all()
    assert db.session.get(Message, message.id).status != MessageStatus.FAILED
    assert "The message will be sent again." in page(admin.get(detail_url(world, message)))


@pytest.mark.parametrize("status", [MessageStatus.SENT, MessageStatus.LOGGED])
def test_only_a_failed_message_can_be_sent_again(admin, world, status):
    message = make_message(world, status=status)
    response = admin.post(detail_url(world, message, "admin.message_resend"))
    assert response.status_code == 409
    assert "Only a failed message can be sent again" in page(response)
    db.session.expire_all()
    assert db.session.get(Message, message.id).status == status


def test_the_venue_page_links_to_the_log(admin, world):
    html = page(admin.get(url("admin.venue_home", venue_id=world.venue.id)))
    assert f'href="{log_url(world)}"' in html


@pytest.mark.parametrize("kind", list(MessageKind))
def test_every_kind_of_message_is_named_in_the_log_and_in_full(admin, world, kind):
    message = make_message(world, kind=kind, subject="Any")
    listed = page(admin.get(log_url(world)))
    shown = page(admin.get(detail_url(world, message)))
    assert kind_text(kind) in listed and kind_text(kind) in shown
