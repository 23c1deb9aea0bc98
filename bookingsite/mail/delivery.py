"""Sending one message over SMTP, at least once and in the normal case exactly once.

A worker first claims the message in a short transaction of its own (status SENDING, one
more attempt), sends it with no transaction open, then records the outcome. A claim is
taken only from a message that is waiting, or whose claim has outlived CLAIM_LEASE (its
worker died mid-send): two workers never send the same message at once, and a worker
killed mid-send leaves a message the outbox sweep hands over again. The Message-ID is
the message's own, so a resend after such a crash is recognisably the same e-mail."""

from __future__ import annotations

import smtplib
import ssl
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from bookingsite.clock import utcnow
from bookingsite.extensions import db
from bookingsite.mail.outbox import CLAIM_LEASE
from bookingsite.models import Message, MessageStatus


class PermanentFailure(Exception):
    """The mail server refused the message for good (a 5xx answer): no retry helps."""


def message_id_header(message: Message) -> str:
    _, sender = parseaddr(current_app.config["MAIL_SENDER"])
    domain = sender.rpartition("@")[2] or "bookingsite"
    return f"<{message.uid}@{domain}>"


def as_email(message: Message) -> EmailMessage:
    """The message as sent: plain text and HTML alternatives, the calendar attached."""
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = current_app.config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Message-ID"] = message_id_header(message)
    email["Date"] = format_datetime(message.created_at)
    email.set_content(message.body_text)
    email.add_alternative(message.body_html, subtype="html")
    if message.calendar:
        email.add_attachment(
            message.calendar.encode(),
            maintype="text",
            subtype="calendar",
            filename="invite.ics",
            params={"method": _calendar_method(message.calendar)},
        )
    email["Content-Language"] = message.locale  # after the parts: setting them drops it
    return email


def _calendar_method(calendar: str) -> str:
    for line in calendar.splitlines():
        if line.startswith("METHOD:"):
            return line.removeprefix("METHOD:").strip()
    return "PUBLISH"


def _claimable(now) -> sa.ColumnElement[bool]:
    return sa.or_(
        Message.status.in_((MessageStatus.PENDING, MessageStatus.RETRYING)),
        sa.and_(Message.status == MessageStatus.SENDING, Message.claimed_at < now - CLAIM_LEASE),
    )


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: MESSAGE_RETRY_SECONDS, doubling."""
    first = timedelta(seconds=current_app.config["MESSAGE_RETRY_SECONDS"])
    return first * 2 ** (attempts - 1)


def deliver(message_id: int) -> timedelta | None:
    """Send the message if it still needs sending. Returns how long to wait before the
    next try when this one failed and tries are left; None when done (sent, given up on,
    kept in the log only, or nothing to do). Tries are counted on the message itself, so
    a sweep's resend and a crash do not reset them."""
    config = current_app.config
    with Session(db.engine, expire_on_commit=False) as session:
        now = utcnow()
        if not config["MAIL_HOST"]:
            session.execute(
                sa.update(Message)
                .where(Message.id == message_id, _claimable(now))
                .values(status=MessageStatus.LOGGED)
            )
            session.commit()
            return None
        claimed = session.execute(
            sa.update(Message)
            .where(Message.id == message_id, _claimable(now))
            .values(
                status=MessageStatus.SENDING,
                claimed_at=now,
                attempts=Message.attempts + 1,
                next_attempt_at=None,
            )
        )
        message = session.get(Message, message_id) if claimed.rowcount == 1 else None
        session.commit()  # nothing stays open while the mail server is talked to
        if message is None:
            return None  # sent, given up on, or claimed by another worker
        wait = None
        try:
            _send(as_email(message))
        except PermanentFailure as error:
            outcome = {"status": MessageStatus.FAILED, "last_error": str(error)}
        except (OSError, smtplib.SMTPException) as error:
            outcome = {
                "status": MessageStatus.FAILED,
                "last_error": f"{type(error).__name__}: {error}",
            }
            if message.attempts < config["MESSAGE_TRIES"]:
                wait = retry_delay(message.attempts)
                outcome |= {"status": MessageStatus.RETRYING, "next_attempt_at": utcnow() + wait}
        else:
            outcome = {"status": MessageStatus.SENT, "sent_at": utcnow(), "last_error": ""}
        session.execute(sa.update(Message).where(Message.id == message_id).values(**outcome))
        session.commit()
        return wait


def _send(email: EmailMessage) -> None:
    config = current_app.config
    security = config["MAIL_SECURITY"]
    timeout = config["MAIL_TIMEOUT_SECONDS"]
    host, port = config["MAIL_HOST"], int(config["MAIL_PORT"])
    context = ssl.create_default_context()
    if security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if security == "starttls":
            smtp.starttls(context=context)
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        try:
            smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentFailure(f"recipient refused: {error.recipients}") from error
        except smtplib.SMTPResponseException as error:
            if error.smtp_code >= 500:
                raise PermanentFailure(f"{error.smtp_code} {error.smtp_error!r}") from error
            raise
