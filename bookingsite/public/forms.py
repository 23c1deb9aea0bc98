"""Forms check shape only; the booking service decides whether a time is free."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    Field,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from bookingsite.clock import parse_instant

MAX_GUESTS = 50


def instant_or_none(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return parse_instant(text)
    except ValueError:
        return None


def valid_instant(_form: FlaskForm, field: Field) -> None:
    if field.data and instant_or_none(field.data) is None:
        raise ValidationError(_l("This is not a valid time."))


class GridQueryForm(FlaskForm):
    """The slot grid's query string. Bad values are reported, never fatal."""

    class Meta:
        csrf = False

    date = DateField(_l("Date"), validators=[Optional()])
    # The month a calendar shows ("2026-03"); by default the chosen date's.
    month = StringField(_l("Month"), validators=[Optional(), Regexp(r"^\d{4}-\d{2}$")])
    view = SelectField(
        _l("Show"),
        choices=[
            SelectChoice("month", _l("Month")),
            SelectChoice("week", _l("Week")),
            SelectChoice("day", _l("Day")),
        ],
        default="month",
        validators=[Optional()],
    )
    variant = SelectField(_l("Option"), coerce=int, validate_choice=True, validators=[Optional()])
    guests = IntegerField(
        _l("Guests"), default=1, validators=[Optional(), NumberRange(min=1, max=MAX_GUESTS)]
    )
    resource = SelectField(_l("Place"), coerce=int, validators=[Optional()])
    start = StringField(_l("Start"), validators=[Optional(), valid_instant])
    start_day = DateField(_l("First day"), validators=[Optional()])
    end_day = DateField(_l("Last day"), validators=[Optional()])


class HoldForm(FlaskForm):
    start = StringField(_l("Start"), validators=[DataRequired(), valid_instant])
    end = StringField(_l("End"), validators=[Optional(), valid_instant])
    variant = IntegerField(_l("Option"), validators=[Optional()])
    guests = IntegerField(
        _l("Guests"), default=1, validators=[Optional(), NumberRange(min=1, max=MAX_GUESTS)]
    )
    resource = IntegerField(_l("Place"), validators=[Optional()])


class CheckoutForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    phone = StringField(
        _l("Phone"),
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^\+?[0-9 ()./-]{5,}$", message=_l("Use digits, spaces and an optional +.")),
        ],
    )
    guests = IntegerField(_l("Guests"), validators=[DataRequired(), NumberRange(min=1)])
    notes = TextAreaField(_l("Notes for the venue"), validators=[Optional(), Length(max=1000)])


class RescheduleForm(FlaskForm):
    """A new time for a booking: its start only. The end follows from the booking (its
    length, or its number of days), so a tampered form cannot make it longer."""

    start = StringField(_l("Start"), validators=[DataRequired(), valid_instant])


def stripped(value: str | None) -> str | None:
    return value.strip() if value else value


class FindBookingForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        filters=[stripped],
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
