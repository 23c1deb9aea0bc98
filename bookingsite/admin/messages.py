"""The venue's message log: every e-mail the site recorded for the venue (sent, waiting,
failed, or only logged when no mail server is configured), one message in full, and
sending a failed one again. Where the venue's own announcements go is set on the venue's
settings page (settings.py); the log only says where.

The log pages newest first by keyset on (created_at, id), which the index
ix_messages_venue_created (venue_id, created_at) serves: no OFFSET, so a deep page costs
what the first one does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from bookingsite.admin import bp
from bookingsite.admin.forms import ActionForm, strip
from bookingsite.bounds import MAX_ID
from bookingsite.extensions import db
from bookingsite.mail.delivery import message_id_header
from bookingsite.mail.outbox import send_again
from bookingsite.models import Booking, Message, MessageKind, MessageStatus

PAGE_SIZE = 50

STATUS_TEXT = {
    MessageStatus.SENT: _l("Sent"),
    MessageStatus.PENDING: _l("Waiting to be sent"),
    MessageStatus.SENDING: _l("Sending"),
    MessageStatus.RETRYING: _l("Will retry"),
    MessageStatus.FAILED: _l("Failed"),
    MessageStatus.LOGGED: _l("Not sent: no mail server configured"),
}

KIND_TEXT = {
    MessageKind.BOOKING_CONFIRMED: _l("Booking confirmed, to the customer"),
    MessageKind.BOOKING_CANCELLED: _l("Booking cancelled, to the customer"),
    MessageKind.BOOKING_MOVED: _l("Booking moved, to the customer"),
    MessageKind.VENUE_NEW: _l("New booking, to the venue"),
    MessageKind.VENUE_CANCELLED: _l("Cancelled booking, to the venue"),
    MessageKind.VENUE_MOVED: _l("Moved booking, to the venue"),
    MessageKind.REMINDER: _l("Reminder, to the customer"),
    MessageKind.BOOKINGS_LIST: _l("Upcoming bookings asked for, to the customer"),
    MessageKind.PASSWORD_RESET: _l("Password reset link, to a manager"),
    MessageKind.INVITATION: _l("Invitation to the admin, with its link"),
}

# Messages whose body opens an account (a one-time link to set a password): the log
# names them, but only their recipient ever reads what they say.
PRIVATE_KINDS = frozenset({MessageKind.PASSWORD_RESET, MessageKind.INVITATION})


def status_text(status: MessageStatus) -> str:
    return str(STATUS_TEXT[status])


def kind_text(kind: MessageKind) -> str:
    return str(KIND_TEXT[kind])


class MessageFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a search form: GET, changes nothing

    status = SelectField(_l("Status"), validators=[Optional()])
    q = StringField(
        _l("Recipient or booking reference"),
        filters=[strip],
        validators=[Optional(), Length(max=200)],
    )
    # Keyset cursors: the id of the last row of the page before, or the first of the next.
    before = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_ID)])
    after = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_ID)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [SelectChoice("", _l("Any status"))] + [
            SelectChoice(s.value, label) for s, label in STATUS_TEXT.items()
        ]


def venue_message(message_id: int) -> Message:
    message = db.session.get(Message, message_id)
    if message is None or message.venue_id != g.venue.id:
        abort(404)
    return message


def _filtered(form: MessageFilterForm) -> sa.Select:
    query = sa.select(Message).where(Message.venue_id == g.venue.id)
    if form.status.data:
        query = query.where(Message.status == MessageStatus(form.status.data))
    if form.q.data:
        references = sa.select(Booking.id).where(
            Booking.venue_id == g.venue.id,
            Booking.reference.icontains(form.q.data, autoescape=True),
        )
        query = query.where(
            sa.or_(
                Message.recipient.icontains(form.q.data, autoescape=True),
                Message.booking_id.in_(references),
            )
        )
    return query


def _older_than(cursor: Message) -> sa.ColumnElement[bool]:
    # `created_at <=` bounds the index range; the rest breaks ties within one instant.
    return sa.and_(
        Message.created_at <= cursor.created_at,
        sa.or_(Message.created_at < cursor.created_at, Message.id < cursor.id),
    )


def _newer_than(cursor: Message) -> sa.ColumnElement[bool]:
    return sa.and_(
        Message.created_at >= cursor.created_at,
        sa.or_(Message.created_at > cursor.created_at, Message.id > cursor.id),
    )


NEWEST_FIRST = (Message.created_at.desc(), Message.id.desc())
OLDEST_FIRST = (Message.created_at.asc(), Message.id.asc())


@dataclass(frozen=True)
class LogPage:
    rows: list[Message]  # newest first
    newer: int | None  # the cursor (`after`) of the page of newer messages, if there are any
    older: int | None  # the cursor (`before`) of the page of older messages, if any


def _first(query: sa.Select, order: tuple) -> list[Message]:
    return list(db.session.scalars(query.order_by(*order).limit(PAGE_SIZE + 1)))


def _exists(query: sa.Select) -> bool:
    return db.session.scalar(query.with_only_columns(Message.id).limit(1)) is not None


def message_page(form: MessageFilterForm) -> LogPage:
    """One page of the log: the first, or the one after or before a cursor message."""
    query = _filtered(form)
    if form.after.data:
        cursor = venue_message(form.after.data)
        rows = _first(query.where(_newer_than(cursor)), OLDEST_FIRST)
        if rows:
            newer = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
            rows = rows[:PAGE_SIZE][::-1]
            older = rows[-1].id if _exists(query.where(_older_than(rows[-1]))) else None
            return LogPage(rows, newer, older)
        cursor = None  # nothing newer: the first page
    elif form.before.data:
        cursor = venue_message(form.before.data)
    else:
        cursor = None
    rows = _first(query.where(_older_than(cursor)) if cursor else query, NEWEST_FIRST)
    older = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    rows = rows[:PAGE_SIZE]
    newer = None
    if cursor is not None:
        edge = rows[0] if rows else cursor
        newer = edge.id if _exists(query.where(_newer_than(edge))) else None
    return LogPage(rows, newer, older)


def _log():
    form = MessageFilterForm(request.args)
    page = LogPage([], None, None)
    status = 200
    if form.validate():
        page = message_page(form)
    else:
        status = 422
    filters = {"status": form.status.data or None, "q": form.q.data or None}
    return render_template(
        "admin/messages.html",
        form=form,
        rows=page.rows,
        newer_url=page.newer and url_for("admin.messages", after=page.newer, **filters),
        older_url=page.older and url_for("admin.messages", before=page.older, **filters),
        status_text=status_text,
        kind_text=kind_text,
    ), status


@bp.get("/venues/<int:venue_id>/messages")
def messages():
    return _log()


def _detail(message: Message, action_form: ActionForm | None = None, status: int = 200):
    return render_template(
        "admin/message.html",
        message=message,
        private=message.kind in PRIVATE_KINDS,
        action_form=action_form or ActionForm(formdata=None),
        can_resend=message.status == MessageStatus.FAILED,
        message_id_header=message_id_header(message),
        status_text=status_text,
        kind_text=kind_text,
    ), status


@bp.get("/venues/<int:venue_id>/messages/<int:message_id>")
def message_detail(message_id: int):
    return _detail(venue_message(message_id))


@bp.get("/venues/<int:venue_id>/messages/<int:message_id>/invite.ics")
def message_calendar(message_id: int):
    message = venue_message(message_id)
    if not message.calendar:
        abort(404)
    return Response(
        message.calendar,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="invite.ics"'},
    )


@bp.post("/venues/<int:venue_id>/messages/<int:message_id>/resend")
def message_resend(message_id: int):
    message = venue_message(message_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return _detail(message, action_form=form, status=422)
    if message.status != MessageStatus.FAILED:
        form.form_errors.append(
            _(
                "Only a failed message can be sent again; this one is: %(status)s.",
                status=status_text(message.status),
            )
        )
        return _detail(message, action_form=form, status=409)
    send_again(message)
    flash(_("The message will be sent again."), "success")
    return redirect(url_for("admin.message_detail", message_id=message.id))
