"""The admin forms. Forms check shape; settings that contradict each other are judged by
bookingsite.setup_rules (the same rules as the API's), and whether a time is free is only
ever decided by the booking service."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import available_timezones

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
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
    RadioField,
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
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget, TimeInput

from bookingsite.admin.hours import (
    HoursError,
    NonexistentTime,
    parse_pairs,
    parse_periods,
    to_utc,
)
from bookingsite.booking.inputs import WEEKDAY_KEYS
from bookingsite.booking.reasons import STATUS_TEXT
from bookingsite.bounds import EARLIEST_YEAR, LATEST_YEAR, in_supported_years
from bookingsite.models import BookingStatus, DurationMode, ResourceKind
from bookingsite.setup_rules import (
    MAX_BUFFER_MINUTES,
    MAX_CAPACITY,
    MAX_CUTOFF_HOURS,
    MAX_DURATION_DAYS,
    MAX_DURATION_MINUTES,
    MAX_EMAIL_LENGTH,
    MAX_GRID_MINUTES,
    MAX_HORIZON_DAYS,
    MAX_LEAD_TIME_MINUTES,
    MAX_PHONE_LENGTH,
    MAX_PRICE_CENTS,
    MAX_REMINDER_HOURS,
    MAX_STAFF_COUNT,
    SLUG_MAX_LENGTH,
    SLUG_PATTERN,
    Block,
    ChosenResource,
    Mode,
    Problem,
    ServicePolicy,
    StartAlignment,
    block_problems,
    normalise_skills,
    resource_problems,
    service_problems,
    weekly_hours_problems,
)

MAX_PRICE = MAX_PRICE_CENTS // 100


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
    return [
        _l("Monday"),
        _l("Tuesday"),
        _l("Wednesday"),
        _l("Thursday"),
        _l("Friday"),
        _l("Saturday"),
        _l("Sunday"),
    ]


def weekday_choices() -> list[SelectChoice]:
    return [SelectChoice(index, name) for index, name in enumerate(weekday_names())]


def split_words(text: str | None) -> list[str]:
    """Skills typed with commas, spelled as every audience spells them:
    'massage, Facial ,massage' -> ['facial', 'massage']."""
    return normalise_skills((text or "").split(","))


def put_problems(form: Any, problems: list[Problem]) -> bool:
    """Each set-up problem on the form field of its name; True when there were none."""
    for problem in problems:
        getattr(form, problem.field).errors.append(problem.message)
    return not problems


class ActionForm(FlaskForm):
    """A button that changes something: the CSRF token is all it carries."""


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me logged in on this device"))


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def address_field(label: Any, *, required: bool = False) -> EmailField:
    """An e-mail address: the shape only; nothing is asked of a mail server."""
    return EmailField(
        label,
        filters=[strip],
        validators=[
            DataRequired() if required else Optional(),
            Email(check_deliverability=False),
            Length(max=MAX_EMAIL_LENGTH),
        ],
    )


class ForgotPasswordForm(FlaskForm):
    email = address_field(_l("E-mail address"), required=True)


def _long_enough(_form: Any, field: Any) -> None:
    shortest = current_app.config["PASSWORD_MIN_LENGTH"]
    if field.data and len(field.data) < shortest:
        raise ValidationError(
            ngettext(
                "Choose a password of at least %(num)d character.",
                "Choose a password of at least %(num)d characters.",
                shortest,
            )
        )


class NewPasswordForm(FlaskForm):
    # No filters: a password is kept exactly as typed, spaces included.
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), _long_enough, Length(max=200)]
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )


class JoinForm(NewPasswordForm):
    """Taking up an invitation with a new account."""

    name = StringField(
        _l("Your name"), filters=[strip], validators=[DataRequired(), Length(max=200)]
    )


class JoinWithAccountForm(FlaskForm):
    """Taking up an invitation with the account the address already has."""

    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)])


def _cutoff_field(label: Any, *, required: bool) -> IntegerField:
    presence = InputRequired() if required else Optional()
    return IntegerField(label, validators=[presence, NumberRange(min=0, max=MAX_CUTOFF_HOURS)])


def _valid_zone(_form: Any, field: Any) -> None:
    if field.data and field.data not in available_timezones():
        raise ValidationError(_l("Use a time zone name such as Europe/Paris."))


MAX_HOLD_TTL_MINUTES = 1440  # the API's bound
MAX_TRAVEL_BUFFER_MINUTES = 240
LANGUAGE_NAMES = [
    SelectChoice("en", "English"),
    SelectChoice("fr", "Français"),
    SelectChoice("de", "Deutsch"),
]


class VenueSettingsForm(FlaskForm):
    """The venue itself, what customers see of it and the terms they book under, and
    where the venue hears of its bookings: its owners' form, to add a venue or edit it."""

    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    city = StringField(_l("City"), filters=[strip], validators=[Optional(), Length(max=120)])
    timezone = StringField(
        _l("Time zone"), filters=[strip], validators=[DataRequired(), _valid_zone]
    )
    default_locale = SelectField(_l("Language of its pages and e-mails"), choices=LANGUAGE_NAMES)
    currency = StringField(
        _l("Currency"),
        filters=[strip, lambda v: v.upper() if v else v],
        validators=[
            DataRequired(),
            Regexp(r"^[A-Z]{3}$", message=_l("Use a three-letter code such as EUR.")),
        ],
    )
    hold_ttl_minutes = IntegerField(
        _l("Holds last (minutes)"),
        validators=[InputRequired(), NumberRange(min=1, max=MAX_HOLD_TTL_MINUTES)],
    )
    travel_buffer_minutes = IntegerField(
        _l("Travel time of shared staff to and from another venue (minutes)"),
        validators=[InputRequired(), NumberRange(min=0, max=MAX_TRAVEL_BUFFER_MINUTES)],
    )
    contact_email = address_field(_l("Contact e-mail address"))
    contact_phone = StringField(
        _l("Contact phone number"),
        filters=[strip],
        validators=[Optional(), Length(max=MAX_PHONE_LENGTH)],
    )
    notification_email = address_field(_l("Notification address"))
    reminder_hours = IntegerField(
        _l("Remind customers (hours before the start)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_REMINDER_HOURS)],
    )
    cancel_cutoff_hours = _cutoff_field(
        _l("Customers may cancel until (hours before the start)"), required=True
    )
    change_cutoff_hours = _cutoff_field(
        _l("Customers may change the time until (hours before the start)"), required=True
    )


def supported_date(_form: Any, field: Any) -> None:
    """A date the site can compute with: beyond these years a day's margin overflows."""
    if field.data and not in_supported_years(field.data):
        raise ValidationError(
            _l(
                "Choose a date between the years %(first)d and %(last)d.",
                first=EARLIEST_YEAR,
                last=LATEST_YEAR,
            )
        )


def _valid_attributes(_form: Any, field: Any) -> None:
    for line in (field.data or "").splitlines():
        if line.strip() and ":" not in line:
            raise ValidationError(_l("Write one “name: value” per line."))


class ResourceForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=kind_choices)
    capacity = IntegerField(
        _l("Capacity (guests at once)"),
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_CAPACITY)],
    )
    timezone = StringField(_l("Time zone"), validators=[Optional(), Length(max=64), _valid_zone])
    skills = StringField(_l("Skills"), validators=[Optional(), Length(max=500)])
    attributes = TextAreaField(_l("Details"), validators=[Optional(), _valid_attributes])
    active = BooleanField(_l("Active (can be booked)"), default=True)

    def validate_skills(self, field: Any) -> None:
        is_staff = self.kind.data == ResourceKind.STAFF.value
        problems = resource_problems(is_staff=is_staff, skills=split_words(field.data))
        if problems:
            raise ValidationError(problems[0].message)

    def attribute_dict(self) -> dict[str, str]:
        pairs = (
            line.split(":", 1) for line in (self.attributes.data or "").splitlines() if ":" in line
        )
        return {k.strip(): v.strip() for k, v in pairs if k.strip()}


# Weekly hours ------------------------------------------------------------------------
# "Around the clock" is a choice the manager makes, never a default: the hours form has no
# preselected answer for a resource that has none, and hours typed beside "around the
# clock" are refused, not thrown away.

AROUND_THE_CLOCK = "always"
SET_HOURS = "set"
MAX_PERIODS = 8  # per day; more rows than this in a post are ignored
COPY_TO = ("tue", "wed", "thu", "fri")  # "copy Monday to the other weekdays"


def hours_mode_choices() -> list[SelectChoice]:
    return [
        SelectChoice(SET_HOURS, _l("Open at set hours")),
        SelectChoice(AROUND_THE_CLOCK, _l("Open around the clock (no working hours)")),
    ]


def _hours_mode_field(label: Any) -> RadioField:
    # Checked in the form's validate: one message whether nothing or nonsense was sent.
    return RadioField(label, choices=hours_mode_choices, validate_choice=False)


def _mode_problem(field: Any) -> bool:
    if field.data in (AROUND_THE_CLOCK, SET_HOURS):
        return False
    field.errors.append(_l("Choose whether it opens at set hours or around the clock."))
    return True


class NewResourceForm(ResourceForm):
    hours_mode = _hours_mode_field(_l("Opening hours"))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        return not _mode_problem(self.hours_mode) and valid


class PeriodForm(Form):
    """One opening period: two time inputs, wall-clock time in the resource's zone."""

    opens = StringField(_l("From"), widget=TimeInput(), filters=[strip])
    closes = StringField(_l("To"), widget=TimeInput(), filters=[strip])

    @property
    def is_blank(self) -> bool:
        return not self.opens.data and not self.closes.data


class DayForm(Form):
    closed = BooleanField(_l("Closed all day"))
    periods = FieldList(FormField(PeriodForm), min_entries=1, max_entries=MAX_PERIODS)

    @property
    def typed(self) -> bool:
        return any(not entry.form.is_blank for entry in self.periods)

    def pairs(self) -> list[tuple[str, str]]:
        return [(e.form.opens.data or "", e.form.closes.data or "") for e in self.periods]

    def set_periods(self, periods: list[list[str]] | list[tuple[str, str]]) -> None:
        """Replaces the rows (always at least one, empty when there is no period)."""
        while len(self.periods):
            self.periods.pop_entry()
        for opens, closes in periods or [("", "")]:
            self.periods.append_entry({"opens": opens, "closes": closes})


class HoursForm(FlaskForm):
    """A week of hours: the choice between set hours and around the clock, then for each
    weekday its periods or "closed". Validated, `weekly` holds what to store (None is
    around the clock)."""

    mode = _hours_mode_field(_l("When is it open?"))
    mon = FormField(DayForm, _l("Monday"))
    tue = FormField(DayForm, _l("Tuesday"))
    wed = FormField(DayForm, _l("Wednesday"))
    thu = FormField(DayForm, _l("Thursday"))
    fri = FormField(DayForm, _l("Friday"))
    sat = FormField(DayForm, _l("Saturday"))
    sun = FormField(DayForm, _l("Sunday"))

    weekly: dict[str, list[list[str]]] | None = None

    def day_fields(self) -> list[Any]:
        return [getattr(self, key) for key in WEEKDAY_KEYS]

    def fill(self, weekly: dict[str, list[list[str]]] | None) -> None:
        """Shows stored hours. A week with no period at all (a resource created "at set
        hours" and not yet given any) leaves every day undecided rather than closed."""
        self.mode.data = AROUND_THE_CLOCK if weekly is None else SET_HOURS
        configured = bool(weekly) and any(weekly.values())
        for key, day in zip(WEEKDAY_KEYS, self.day_fields(), strict=True):
            periods = (weekly or {}).get(key) or []
            day.form.set_periods(periods)  # a close of 00:00 is midnight, the end of the day
            day.form.closed.data = configured and not periods

    def add_period(self, key: str) -> bool:
        day = getattr(self, key).form
        if len(day.periods) >= MAX_PERIODS:
            return False
        day.periods.append_entry()
        day.closed.data = False
        return True

    def copy_monday(self) -> None:
        monday = self.mon.form
        pairs = [p for p in monday.pairs() if any(p)]
        for key in COPY_TO:
            day = getattr(self, key).form
            day.set_periods(pairs)
            day.closed.data = monday.closed.data

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        self.weekly = None
        if _mode_problem(self.mode):
            return False
        days = list(zip(WEEKDAY_KEYS, self.day_fields(), strict=True))
        if self.mode.data == AROUND_THE_CLOCK:
            given = [str(d.label.text) for _k, d in days if d.form.typed or d.form.closed.data]
            if given:
                self.mode.errors.append(
                    _l(
                        "You chose “open around the clock” but gave hours for %(days)s. "
                        "Clear them, or choose “Open at set hours”.",
                        days=", ".join(given),
                    )
                )
                return False
            return valid
        weekly: dict[str, list[list[str]]] = {}
        for key, day in days:
            form, name = day.form, str(day.label.text)
            if form.closed.data:
                if form.typed:
                    form.form_errors.append(
                        _l(
                            "%(day)s is marked closed but has hours: "
                            "clear them or untick “Closed all day”.",
                            day=name,
                        )
                    )
                    valid = False
                weekly[key] = []
                continue
            try:
                weekly[key] = parse_pairs(form.pairs())
            except HoursError as error:
                form.form_errors.append(str(error))
                valid = False
                continue
            if not weekly[key]:
                form.form_errors.append(
                    _l("Give the hours of %(day)s, or mark it closed all day.", day=name)
                )
                valid = False
        if valid:
            # The week as a whole has no field of its own: its problems go on the form.
            problems = weekly_hours_problems(weekly)
            self.form_errors.extend(p.message for p in problems)
            valid = not problems
        self.weekly = weekly
        return valid


class ExceptionForm(FlaskForm):
    day = DateField(_l("Date"), validators=[InputRequired(), supported_date])
    periods = StringField(_l("Hours that day"))

    def validate_periods(self, field: Any) -> None:
        try:
            self.parsed = parse_periods(field.data)
        except HoursError as error:
            raise ValidationError(str(error)) from None


class BlockForm(FlaskForm):
    """Local wall-clock times in the resource's zone; validated, `start_at` and `end_at`
    hold the UTC instants."""

    start_date = DateField(_l("Date"), validators=[InputRequired(), supported_date])
    start_time = TimeField(_l("From"), validators=[InputRequired()])
    end_date = DateField(
        _l("Until date (if not the same day)"), validators=[Optional(), supported_date]
    )
    end_time = TimeField(_l("To"), validators=[InputRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=200)])
    weekdays = MultiCheckboxField(_l("Repeat every week on"), coerce=int, choices=weekday_choices)
    repeat_until = DateField(
        _l("Repeat until (inclusive)"), validators=[Optional(), supported_date]
    )

    def __init__(self, *args: Any, zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        self.start_at = self._instant(self.start_date.data, self.start_time)
        self.end_at = self._instant(self.end_date.data or self.start_date.data, self.end_time)
        if self.start_at is None or self.end_at is None:
            return False
        return put_problems(
            self,
            block_problems(
                Block(
                    start=self.start_at,
                    end=self.end_at,
                    zone=self.zone,
                    weekdays=frozenset(self.weekdays.data or ()),
                    repeat_until=self.repeat_until.data,
                )
            ),
        )

    def _instant(self, day: Any, field: Any) -> datetime | None:
        try:
            return to_utc(day, field.data, self.zone)
        except NonexistentTime:
            field.errors.append(_l("This time does not exist that day: the clocks go forward."))
            return None


class VariantForm(Form):
    """One fixed option of a service; a row left without a duration is ignored."""

    variant_id = HiddenField()
    name = StringField(_l("Option name"), validators=[Optional(), Length(max=200)])
    duration_minutes = IntegerField(
        _l("Minutes"), validators=[Optional(), NumberRange(min=1, max=MAX_DURATION_MINUTES)]
    )
    guests = IntegerField(
        _l("Guests"), default=1, validators=[Optional(), NumberRange(min=1, max=MAX_CAPACITY)]
    )
    staff_count = IntegerField(
        _l("Staff needed"),
        default=1,
        validators=[Optional(), NumberRange(min=1, max=MAX_STAFF_COUNT)],
    )
    price = DecimalField(
        _l("Price"), places=2, validators=[Optional(), NumberRange(min=0, max=MAX_PRICE)]
    )

    @property
    def is_blank(self) -> bool:
        return self.duration_minutes.data is None


def _resource_label(resource: Any, venue_id: int | None) -> str:
    """A resource as a service's form lists it: staff of another venue say which."""
    name = resource.name
    if venue_id is not None and resource.venue_id != venue_id:
        name = _l("%(name)s, on shift here from %(venue)s", name=name, venue=resource.venue.name)
    return name if resource.active else f"{name} ({_l('inactive')})"


class ServiceForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Address name"),
        validators=[
            Optional(),
            Length(max=SLUG_MAX_LENGTH),
            Regexp(SLUG_PATTERN, message=_l("Use lower-case letters, digits and hyphens only.")),
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
    min_minutes = IntegerField(
        _l("Shortest (minutes)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_DURATION_MINUTES)],
    )
    max_minutes = IntegerField(
        _l("Longest (minutes)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_DURATION_MINUTES)],
    )
    min_days = IntegerField(
        _l("Shortest (days)"), validators=[Optional(), NumberRange(min=1, max=MAX_DURATION_DAYS)]
    )
    max_days = IntegerField(
        _l("Longest (days)"), validators=[Optional(), NumberRange(min=1, max=MAX_DURATION_DAYS)]
    )
    unit_price = DecimalField(
        _l("Price per hour or per day"),
        places=2,
        validators=[Optional(), NumberRange(min=0, max=MAX_PRICE)],
    )
    buffer_before_minutes = IntegerField(
        _l("Buffer before (minutes)"),
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=MAX_BUFFER_MINUTES)],
    )
    buffer_after_minutes = IntegerField(
        _l("Buffer after (minutes)"),
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=MAX_BUFFER_MINUTES)],
    )
    grid_alignment_minutes = IntegerField(
        _l("Start times align to (minutes)"),
        default=15,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_GRID_MINUTES)],
    )
    grid_step_minutes = IntegerField(
        _l("Step between start times (minutes)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_GRID_MINUTES)],
    )
    start_alignment = RadioField(
        _l("Start times count from"),
        choices=[
            SelectChoice(
                StartAlignment.CLOCK.value,
                _l("The clock: :00, :15, :30… (steps from midnight), whatever the opening time"),
            ),
            SelectChoice(
                StartAlignment.OPENING.value,
                _l("Each opening: steps from the opening time (9:10, 9:40… for a 9:10 opening)"),
            ),
        ],
        default=StartAlignment.OPENING.value,
    )
    lead_time_minutes = IntegerField(
        _l("Lead time (minutes of notice)"),
        default=0,
        validators=[InputRequired(), NumberRange(min=0, max=MAX_LEAD_TIME_MINUTES)],
    )
    horizon_days = IntegerField(
        _l("Horizon (days ahead)"),
        default=90,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_HORIZON_DAYS)],
    )
    cancel_cutoff_hours = _cutoff_field(
        _l("Customers may cancel until (hours before the start)"), required=False
    )
    change_cutoff_hours = _cutoff_field(
        _l("Customers may change the time until (hours before the start)"), required=False
    )
    required_skills = StringField(_l("Required staff skills"), validators=[Optional()])
    resources = MultiCheckboxField(_l("Resources that can serve it"), coerce=int)
    active = BooleanField(_l("Active (offered to customers)"), default=True)

    def __init__(
        self, *args: Any, resources: list[Any] = (), venue_id: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._venue_resources = {r.id: r for r in resources}
        self.resources.choices = [
            SelectChoice(r.id, _resource_label(r, venue_id)) for r in resources
        ]

    @property
    def filled_variants(self) -> list[VariantForm]:
        return [entry.form for entry in self.variants if not entry.form.is_blank]

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        return put_problems(self, service_problems(self.policy()))

    def policy(self) -> ServicePolicy:
        """The set-up as plain values, for the rules every audience shares."""
        chosen = [self._venue_resources[i] for i in self.resources.data or []]
        return ServicePolicy(
            mode=Mode(self.duration_mode.data),
            variant_minutes=tuple(v.duration_minutes.data for v in self.filled_variants),
            variant_staff_counts=tuple(v.staff_count.data or 1 for v in self.filled_variants),
            min_minutes=self.min_minutes.data,
            max_minutes=self.max_minutes.data,
            min_days=self.min_days.data,
            max_days=self.max_days.data,
            alignment_minutes=self.grid_alignment_minutes.data,
            step_minutes=self.grid_step_minutes.data,
            start_alignment=StartAlignment(self.start_alignment.data),
            buffer_minutes=self.buffer_before_minutes.data + self.buffer_after_minutes.data,
            lead_time_minutes=self.lead_time_minutes.data,
            horizon_days=self.horizon_days.data,
            required_skills=frozenset(split_words(self.required_skills.data)),
            resources=tuple(ChosenResource(r.is_staff, frozenset(r.skills or ())) for r in chosen),
        )


class CancelForm(FlaskForm):
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=1000)])


class MoveForm(FlaskForm):
    offer_override = False  # set when the service refused the move for a rule
    day = DateField(_l("New date"), validators=[InputRequired(), supported_date])
    at = TimeField(_l("New start time"), validators=[InputRequired()])
    resource = SelectField(_l("Resource"), coerce=int)
    override = BooleanField(_l("Override the booking rules for this move"))
    override_reason = TextAreaField(_l("Why the rule is overridden"), validators=[Length(max=1000)])

    def validate_override_reason(self, field: Any) -> None:
        if self.override.data and not (field.data or "").strip():
            raise ValidationError(_l("Say why you override the rules; it is recorded."))


class BookingFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a search form: GET, changes nothing

    date_from = DateField(_l("From"), validators=[Optional(), supported_date])
    date_to = DateField(_l("To"), validators=[Optional(), supported_date])
    status = SelectField(_l("Status"), validators=[Optional()])
    resource = SelectField(_l("Resource"), validators=[Optional()])
    q = StringField(_l("Customer or reference"), validators=[Optional(), Length(max=200)])

    def __init__(self, *args: Any, resources: list[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [SelectChoice("", _l("Any status"))] + [
            SelectChoice(s.value, STATUS_TEXT[s]) for s in BookingStatus
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

    date_from = DateField(_l("From"), validators=[InputRequired(), supported_date])
    date_to = DateField(_l("To (inclusive)"), validators=[InputRequired(), supported_date])

    def validate_date_to(self, field: Any) -> None:
        if field.data and self.date_from.data:
            if field.data < self.date_from.data:
                raise ValidationError(_l("The end of the range comes before its start."))
            if (field.data - self.date_from.data).days > 366:
                raise ValidationError(_l("Choose at most a year."))


def travel_times_form(others: list[Any], pairs: dict[int, int]) -> FlaskForm:
    """One optional field per other venue of the organisation: the pair's own travel
    time, or empty for the longer of the two venues' settings."""

    class TravelTimesForm(FlaskForm):
        def fields_by_venue(self) -> list[tuple[Any, Any]]:
            return [(venue, self[f"venue_{venue.id}"]) for venue in others]

    for venue in others:
        setattr(
            TravelTimesForm,
            f"venue_{venue.id}",
            IntegerField(
                venue.name,
                validators=[Optional(), NumberRange(min=0, max=MAX_TRAVEL_BUFFER_MINUTES)],
            ),
        )
    return TravelTimesForm(data={f"venue_{venue_id}": m for venue_id, m in pairs.items()})


# The timeline's actions: a booking taken by phone, a block, a move ----------------------


def _reason_for_override(form: Any, field: Any) -> None:
    if form.override.data and not (field.data or "").strip():
        raise ValidationError(_l("Say why you override the rules; it is recorded."))


class PhoneBookingForm(FlaskForm):
    """A booking a manager takes for a customer: where, what, when (wall-clock time in
    the place's zone) and who. Shape only: the booking service says whether the time is
    free, and its answer lands on the field it concerns."""

    resource = SelectField(_l("Resource"), coerce=int)
    # "<service id>" or "<service id>:<option id>", from the services the venue offers.
    offer = SelectField(_l("Service"))
    day = DateField(_l("Date"), validators=[InputRequired(), supported_date])
    at = TimeField(_l("Start"), validators=[InputRequired()])
    until = TimeField(_l("End"), validators=[Optional()])
    last_day = DateField(_l("Last day"), validators=[Optional(), supported_date])
    guests = IntegerField(
        _l("Guests"), default=1, validators=[InputRequired(), NumberRange(min=1, max=MAX_CAPACITY)]
    )
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    email = address_field(_l("E-mail"), required=True)
    phone = StringField(
        _l("Phone"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=MAX_PHONE_LENGTH),
            Regexp(r"^\+?[0-9 ()./-]{5,}$", message=_l("Use digits, spaces and an optional +.")),
        ],
    )
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=1000)])
    locale = SelectField(_l("Language of the customer's e-mails"), choices=LANGUAGE_NAMES)
    override = BooleanField(_l("Override the booking rules for this booking"))
    override_reason = TextAreaField(
        _l("Why the rule is overridden"), validators=[Length(max=1000), _reason_for_override]
    )

    def __init__(self, *args: Any, resources: Any = (), offers: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.resource.choices = [SelectChoice(r.id, r.name) for r in resources]
        self.offer.choices = [SelectChoice(value, label) for value, label in offers]


class TimelineBlockForm(BlockForm):
    """A block drawn on the timeline: the blocks page's form with the resource chosen
    (its zone reads the times; set `zone` once the resource is known)."""

    resource = SelectField(_l("Resource"), coerce=int)

    def __init__(self, *args: Any, resources: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.resource.choices = [SelectChoice(r.id, r.name) for r in resources]
