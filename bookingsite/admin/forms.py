"""The admin forms. Forms check shape; settings that contradict each other are judged by
bookingsite.setup_rules (the same rules as the API's), and whether a time is free is only
ever decided by the booking service."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from bookingsite.admin.hours import WEEKDAY_KEYS, HoursError, parse_periods
from bookingsite.models import BookingStatus, DurationMode, ResourceKind
from bookingsite.setup_rules import (
    MINUTES_PER_DAY,
    ChosenResource,
    Mode,
    ServicePolicy,
    service_problems,
)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def kind_labels() -> dict[str, Any]:
    return {
        ResourceKind.ROOM: _l("Room"),
        ResourceKind.COURT: _l("Court"),
        ResourceKind.DESK: _l("Desk"),
        ResourceKind.EQUIPMENT: _l("Equipment"),
        ResourceKind.VEHICLE: _l("Vehicle"),
        ResourceKind.STAFF: _l("Staff member"),
    }


def kind_choices() -> list[SelectChoice]:
    return [SelectChoice(kind.value, label) for kind, label in kind_labels().items()]


def weekday_names() -> list[Any]:
    return [_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"),
            _l("Saturday"), _l("Sunday")]


def weekday_choices() -> list[SelectChoice]:
    return [SelectChoice(index, name) for index, name in enumerate(weekday_names())]


def status_label(status: BookingStatus) -> Any:
    return {
        BookingStatus.HOLD: _l("on hold"),
        BookingStatus.CONFIRMED: _l("confirmed"),
        BookingStatus.CANCELLED: _l("cancelled"),
        BookingStatus.EXPIRED: _l("expired"),
    }[status]


def split_words(text: str | None) -> list[str]:
    """'massage, Facial ,massage' -> ['facial', 'massage']."""
    return sorted({w.strip().lower() for w in (text or "").split(",") if w.strip()})


class ActionForm(FlaskForm):
    """A button that changes something: the CSRF token is all it carries."""


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me logged in on this device"))


def _valid_zone(_form: Any, field: Any) -> None:
    if field.data and field.data not in available_timezones():
        raise ValidationError(_l("Use a time zone name such as Europe/Paris."))


def _valid_attributes(_form: Any, field: Any) -> None:
    for line in (field.data or "").splitlines():
        if line.strip() and ":" not in line:
            raise ValidationError(_l("Write one “name: value” per line."))


class ResourceForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=kind_choices)
    capacity = IntegerField(
        _l("Capacity (guests at once)"), default=1,
        validators=[InputRequired(), NumberRange(min=1, max=10000)],
    )
    timezone = StringField(
        _l("Time zone"), validators=[Optional(), Length(max=64), _valid_zone]
    )
    skills = StringField(_l("Skills"), validators=[Optional(), Length(max=500)])
    attributes = TextAreaField(_l("Details"), validators=[Optional(), _valid_attributes])
    active = BooleanField(_l("Active (can be booked)"), default=True)

    def validate_skills(self, field: Any) -> None:
        if field.data and self.kind.data != ResourceKind.STAFF.value:
            raise ValidationError(_l("Only staff members have skills."))

    def attribute_dict(self) -> dict[str, str]:
        pairs = (line.split(":", 1) for line in (self.attributes.data or "").splitlines() if ":" in line)
        return {k.strip(): v.strip() for k, v in pairs if k.strip()}


class HoursForm(FlaskForm):
    always_open = BooleanField(_l("Open around the clock (no working hours)"))
    mon = StringField(_l("Monday"))
    tue = StringField(_l("Tuesday"))
    wed = StringField(_l("Wednesday"))
    thu = StringField(_l("Thursday"))
    fri = StringField(_l("Friday"))
    sat = StringField(_l("Saturday"))
    sun = StringField(_l("Sunday"))

    def day_fields(self) -> list[Any]:
        return [getattr(self, key) for key in WEEKDAY_KEYS]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        self.weekly: dict[str, list[list[str]]] | None = None
        if self.always_open.data:
            return valid
        weekly = {}
        for key, field in zip(WEEKDAY_KEYS, self.day_fields(), strict=True):
            try:
                weekly[key] = parse_periods(field.data)
            except HoursError as error:
                field.errors.append(str(error))
                valid = False
        if valid and not any(weekly.values()):
            self.form_errors.append(
                _l("Give at least one opening period, or choose “open around the clock”.")
            )
            valid = False
        self.weekly = weekly
        return valid


class ExceptionForm(FlaskForm):
    day = DateField(_l("Date"), validators=[InputRequired()])
    periods = StringField(_l("Hours that day"))

    def validate_periods(self, field: Any) -> None:
        try:
            self.parsed = parse_periods(field.data)
        except HoursError as error:
            raise ValidationError(str(error)) from None


class BlockForm(FlaskForm):
    start_date = DateField(_l("Date"), validators=[InputRequired()])
    start_time = TimeField(_l("From"), validators=[InputRequired()])
    end_date = DateField(_l("Until date (if not the same day)"), validators=[Optional()])
    end_time = TimeField(_l("To"), validators=[InputRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])
    weekdays = MultiCheckboxField(_l("Repeat every week on"), coerce=int, choices=weekday_choices)
    repeat_until = DateField(_l("Repeat until (inclusive)"), validators=[Optional()])

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        start = (self.start_date.data, self.start_time.data)
        end = (self.end_date.data or self.start_date.data, self.end_time.data)
        if end <= start:
            self.end_time.errors.append(_l("The block must end after it starts."))
            return False
        if self.weekdays.data:
            if self.end_date.data and self.end_date.data != self.start_date.data:
                self.end_date.errors.append(
                    _l("A weekly block lasts less than a day: leave the end date empty.")
                )
                return False
            if self.repeat_until.data and self.repeat_until.data < self.start_date.data:
                self.repeat_until.errors.append(_l("The repetition cannot end before it starts."))
                return False
        elif self.repeat_until.data:
            self.weekdays.errors.append(_l("Choose the weekdays to repeat on."))
            return False
        return True


class VariantForm(Form):
    """One fixed option of a service; a row left without a duration is ignored."""

    variant_id = HiddenField()
    name = StringField(_l("Option name"), validators=[Optional(), Length(max=200)])
    duration_minutes = IntegerField(
        _l("Minutes"), validators=[Optional(), NumberRange(min=1, max=MINUTES_PER_DAY)]
    )
    guests = IntegerField(_l("Guests"), default=1, validators=[Optional(), NumberRange(min=1)])
    price = DecimalField(_l("Price"), places=2, validators=[Optional(), NumberRange(min=0)])

    @property
    def is_blank(self) -> bool:
        return self.duration_minutes.data is None


def _minutes(label: Any, **kw: Any) -> IntegerField:
    return IntegerField(label, validators=[Optional(), NumberRange(min=0, **kw)])


class ServiceForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Address name"),
        validators=[
            DataRequired(), Length(max=80),
            Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                   message=_l("Use lower-case letters, digits and hyphens only.")),
        ],
    )
    description = TextAreaField(_l("Description"), validators=[Optional()])
    duration_mode = SelectField(
        _l("Duration"),
        choices=[
            SelectChoice(DurationMode.FIXED.value, _l("Fixed options (below)")),
            SelectChoice(DurationMode.HOURLY.value, _l("A range of minutes or hours")),
            SelectChoice(DurationMode.DAILY.value, _l("A range of whole days")),
        ],
    )
    variants = FieldList(FormField(VariantForm), min_entries=1)
    min_minutes = IntegerField(_l("Shortest (minutes)"), validators=[Optional(), NumberRange(min=1)])
    max_minutes = IntegerField(_l("Longest (minutes)"), validators=[Optional(), NumberRange(min=1)])
    min_days = IntegerField(_l("Shortest (days)"), validators=[Optional(), NumberRange(min=1)])
    max_days = IntegerField(_l("Longest (days)"), validators=[Optional(), NumberRange(min=1)])
    unit_price = DecimalField(
        _l("Price per hour or per day"), places=2, validators=[Optional(), NumberRange(min=0)]
    )
    buffer_before_minutes = IntegerField(
        _l("Buffer before (minutes)"), default=0, validators=[InputRequired(), NumberRange(min=0)]
    )
    buffer_after_minutes = IntegerField(
        _l("Buffer after (minutes)"), default=0, validators=[InputRequired(), NumberRange(min=0)]
    )
    grid_alignment_minutes = IntegerField(
        _l("Start times align to (minutes)"), default=15,
        validators=[InputRequired(), NumberRange(min=1, max=MINUTES_PER_DAY)],
    )
    grid_step_minutes = IntegerField(
        _l("Step between start times (minutes)"),
        validators=[Optional(), NumberRange(min=1, max=MINUTES_PER_DAY)],
    )
    lead_time_minutes = IntegerField(
        _l("Lead time (minutes of notice)"), default=0,
        validators=[InputRequired(), NumberRange(min=0)],
    )
    horizon_days = IntegerField(
        _l("Horizon (days ahead)"), default=90,
        validators=[InputRequired(), NumberRange(min=1, max=3660)],
    )
    required_skills = StringField(_l("Required staff skills"), validators=[Optional()])
    resources = MultiCheckboxField(_l("Resources that can serve it"), coerce=int)
    active = BooleanField(_l("Active (offered to customers)"), default=True)

    def __init__(self, *args: Any, resources: list[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._venue_resources = {r.id: r for r in resources}
        self.resources.choices = [
            SelectChoice(r.id, r.name if r.active else f"{r.name} ({_l('inactive')})")
            for r in resources
        ]

    @property
    def filled_variants(self) -> list[VariantForm]:
        return [entry.form for entry in self.variants if not entry.form.is_blank]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if not valid:
            return False
        problems = service_problems(self.policy())
        for problem in problems:
            getattr(self, problem.field).errors.append(problem.message)
        return not problems

    def policy(self) -> ServicePolicy:
        """The set-up as plain values, for the rules every audience shares."""
        chosen = [self._venue_resources[i] for i in self.resources.data or []]
        return ServicePolicy(
            mode=Mode(self.duration_mode.data),
            variant_minutes=tuple(v.duration_minutes.data for v in self.filled_variants),
            min_minutes=self.min_minutes.data,
            max_minutes=self.max_minutes.data,
            min_days=self.min_days.data,
            max_days=self.max_days.data,
            alignment_minutes=self.grid_alignment_minutes.data,
            step_minutes=self.grid_step_minutes.data,
            lead_time_minutes=self.lead_time_minutes.data,
            horizon_days=self.horizon_days.data,
            required_skills=frozenset(split_words(self.required_skills.data)),
            resources=tuple(
                ChosenResource(r.is_staff, frozenset(r.skills or ())) for r in chosen
            ),
        )


class CancelForm(FlaskForm):
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=1000)])


class MoveForm(FlaskForm):
    offer_override = False  # set when the service refused the move for a rule
    day = DateField(_l("New date"), validators=[InputRequired()])
    at = TimeField(_l("New start time"), validators=[InputRequired()])
    resource = SelectField(_l("Resource"), coerce=int)
    override = BooleanField(_l("Override the booking rules for this move"))
    override_reason = TextAreaField(
        _l("Why the rule is overridden"), validators=[Length(max=1000)]
    )

    def validate_override_reason(self, field: Any) -> None:
        if self.override.data and not (field.data or "").strip():
            raise ValidationError(_l("Say why you override the rules; it is recorded."))


class BookingFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a search form: GET, changes nothing

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])
    resource = SelectField(_l("Resource"), validators=[Optional()])
    q = StringField(_l("Customer or reference"), validators=[Optional(), Length(max=200)])

    def __init__(self, *args: Any, resources: list[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [SelectChoice("", _l("Any status"))] + [
            SelectChoice(s.value, status_label(s)) for s in BookingStatus
        ]
        self.resource.choices = [SelectChoice("", _l("Any resource"))] + [
            SelectChoice(str(r.id), r.name) for r in resources
        ]

    def validate_date_to(self, field: Any) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end of the range comes before its start."))


class RangeForm(FlaskForm):
    """A date range for the export and the utilisation figures."""

    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[InputRequired()])
    date_to = DateField(_l("To (inclusive)"), validators=[InputRequired()])

    def validate_date_to(self, field: Any) -> None:
        if field.data and self.date_from.data:
            if field.data < self.date_from.data:
                raise ValidationError(_l("The end of the range comes before its start."))
            if (field.data - self.date_from.data).days > 366:
                raise ValidationError(_l("Choose at most a year."))


SLUG_CLEAN = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    return SLUG_CLEAN.sub("-", text.lower()).strip("-")[:80]
