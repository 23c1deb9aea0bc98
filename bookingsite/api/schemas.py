"""The API's request and response bodies. These models validate requests, shape
responses and are the OpenAPI document's schemas (see openapi.py): one source."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time
from typing import Annotated, Any, ClassVar, Literal

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetPydanticSchema,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from bookingsite.api.parsing import BrokenRule, FieldProblem
from bookingsite.api.types import (
    Day,
    Id,
    Instant,
    JsonObject,
    LongText,
    Name,
    ShortText,
    WallTime,
    Zone,
    text,
)
from bookingsite.booking.inputs import WEEKDAY_KEYS
from bookingsite.models import (
    BookingStatus,
    ResourceKind,
    WebhookDeliveryStatus,
    WebhookDisabledReason,
    WebhookEventType,
)
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
    ChosenResource,
    Mode,
    ServicePolicy,
    SetupField,
    StartAlignment,
    normalise_skills,
    period_problems,
    weekly_hours_problems,
)

Weekday = Literal[WEEKDAY_KEYS]  # "mon" ... "sun"
Period = Annotated[list[WallTime], Field(min_length=2, max_length=2)]
Periods = Annotated[list[Period], Field(max_length=12)]
MAX_METADATA_CHARS = 4000


class Schema(BaseModel):
    """Request bodies: camelCase, nothing unknown accepted."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class Out(BaseModel):
    """Response bodies: camelCase."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


# --- pages ------------------------------------------------------------------------------

# Opaque to partners; base64url without padding (bookingsite.api.paging).
Cursor = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")
]


class PageQuery(Schema):
    """Every list pages the same way."""

    cursor: Cursor | None = Field(
        None,
        description="Opaque: the previous page's `nextCursor`, as given (anything else is "
        "refused with 422 on `cursor`); absent: the first page.",
    )
    limit: Annotated[int, Field(ge=1, le=100)] = Field(50, description="At most this many.")


class PageOut(Out):
    next_cursor: str | None = Field(
        description="Pass it back as `cursor` for the next page; null on the last one."
    )


def _check_periods(periods: list[list[str]]) -> list[list[str]]:
    problems = period_problems([(time.fromisoformat(o), time.fromisoformat(c)) for o, c in periods])
    if problems:  # the periods' order: well-formed times, a rule of the set-up
        raise BrokenRule(problems[0].message)
    return sorted(periods)


WorkingHours = dict[Weekday, Periods]


def _only_date_keys(schema: Any, handler: Any) -> dict[str, Any]:
    # The keys' pattern goes to patternProperties, which constrains only the keys that
    # match it: say that no other key is taken.
    return handler(schema) | {"additionalProperties": False}


Exceptions = Annotated[
    dict[Day, Periods],
    Field(max_length=400),
    GetPydanticSchema(get_pydantic_json_schema=_only_date_keys),
]


def _check_hours(value: dict[Any, list[list[str]]] | None) -> dict[Any, list[list[str]]] | None:
    if value is None:
        return None
    return {day: _check_periods(periods) for day, periods in value.items()}


def _check_week(value: dict[str, list[list[str]]] | None) -> dict[str, list[list[str]]] | None:
    problems = weekly_hours_problems(value)
    if problems:
        raise BrokenRule(problems[0].message)
    return value


Capacity = Annotated[int, Field(ge=1, le=MAX_CAPACITY)]
Skill = text(60, 1)
# Spelled as every audience spells skills: trimmed, lower-case, each once, sorted.
Skills = Annotated[list[Skill], Field(max_length=50), AfterValidator(normalise_skills)]
RequiredSkills = Annotated[list[Skill], Field(max_length=20), AfterValidator(normalise_skills)]
DurationMinutes = Annotated[int, Field(ge=1, le=MAX_DURATION_MINUTES)]
DurationDays = Annotated[int, Field(ge=1, le=MAX_DURATION_DAYS)]
Buffer = Annotated[int, Field(ge=0, le=MAX_BUFFER_MINUTES)]
GridMinutes = Annotated[int, Field(ge=1, le=MAX_GRID_MINUTES)]


def _check_metadata(value: dict[str, Any]) -> dict[str, Any]:
    import json

    dumped = json.dumps(value)
    if len(dumped) > MAX_METADATA_CHARS:
        raise BrokenRule(_("Keep metadata under %(n)d characters.", n=MAX_METADATA_CHARS))
    if "\\u0000" in dumped:
        raise ValueError(_("Text cannot contain NUL characters."))
    return value


# --- venues -----------------------------------------------------------------------------


# The admin's bounds (bookingsite.admin.forms) for what customers are told; a test keeps
# the two equal.

CutoffHours = Annotated[int, Field(ge=0, le=MAX_CUTOFF_HOURS)]
ReminderHours = Annotated[int, Field(ge=1, le=MAX_REMINDER_HOURS)]
Locale = Literal["en", "fr", "de"]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
HoldTtl = Annotated[int, Field(ge=1, le=1440)]
TravelBuffer = Annotated[
    int,
    Field(
        ge=0,
        le=240,
        description="Minutes kept free between a staff member's bookings here and at another "
        "venue of the organisation.",
    ),
]
Phone = Annotated[text(MAX_PHONE_LENGTH), AfterValidator(str.strip)]


def _email(value: str) -> str:
    """Empty, or an address as the admin checks it (nothing is asked of a mail server).
    The checker's idea of an address (no special-use domain such as .test, IDNA rules,
    Unicode local parts) is no JSON Schema format, and `format: email` would differ from
    it both ways: its refusal is a rule, RULE_BROKEN."""
    value = value.strip()
    if value:
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            raise BrokenRule(_("Invalid email address.")) from None
    return value


Email = Annotated[
    text(MAX_EMAIL_LENGTH),
    AfterValidator(_email),
    Field(
        description="An e-mail address (surrounding spaces are dropped), or empty. One that "
        "could not receive mail (a malformed or special-use domain such as .test) is "
        "refused with RULE_BROKEN.",
        examples=["bookings@example.com"],
    ),
]


class VenueIn(Schema):
    name: Name
    timezone: Zone
    city: text(120) = ""
    description: LongText = ""
    locale: Locale = "en"
    currency: Currency = "EUR"
    hold_ttl_minutes: HoldTtl = 10
    travel_buffer_minutes: TravelBuffer = 0
    contact_email: Email = Field("", description="Shown to customers; empty: none.")
    contact_phone: Phone = Field("", description="Shown to customers; empty: none.")
    notification_email: Email = Field(
        "", description="Where new, changed and cancelled bookings are announced; empty: nowhere."
    )
    reminder_hours: ReminderHours | None = Field(
        None, description="Customers are reminded this long before the start; null: never."
    )
    cancel_cutoff_hours: CutoffHours = Field(
        0, description="Customers may cancel online until this long before the start."
    )
    change_cutoff_hours: CutoffHours = Field(
        0, description="Customers may change the time online until this long before the start."
    )


class TravelTimeIn(Schema):
    venue_id: Id = Field(description="Another venue of the organisation.")
    minutes: TravelBuffer | None = Field(
        description="null: back to the longer of the two venues' travelBufferMinutes."
    )


class TravelTimeOut(Out):
    venue_id: int
    minutes: int


TravelTimes = Annotated[list[TravelTimeIn], Field(max_length=100)]


class VenueOut(Out):
    id: int
    name: str
    slug: str
    timezone: str
    city: str
    description: str
    locale: str
    currency: str
    hold_ttl_minutes: int
    travel_buffer_minutes: int
    contact_email: str
    contact_phone: str
    notification_email: str
    reminder_hours: int | None
    cancel_cutoff_hours: int
    change_cutoff_hours: int
    active: bool
    travel_times: list[TravelTimeOut] = Field(
        description="Travel times set for a pair of this venue and another; between any "
        "other two, staff keep the longer of the two venues' travelBufferMinutes."
    )


# --- resources --------------------------------------------------------------------------


class ShiftIn(Schema):
    venue_id: Id = Field(description="Another venue of the organisation than the member's own.")
    working_hours: WorkingHours = Field(
        description='{"mon": [["09:00", "18:00"]], ...} in that venue\'s zone.'
    )
    exceptions: Exceptions = Field(
        default_factory=dict, description='{"2026-12-25": []} closes a day.'
    )

    _hours = field_validator("working_hours", "exceptions")(_check_hours)
    _week = field_validator("working_hours")(_check_week)


class ShiftOut(Out):
    venue_id: int
    working_hours: dict[str, list[list[str]]]
    exceptions: dict[str, list[list[str]]]


Shifts = Annotated[
    list[ShiftIn],
    Field(
        max_length=50,
        description="Staff members only: their hours at other venues of the organisation, "
        "where the services of that venue may draw on them. Travel time between venues is "
        "kept free between their bookings.",
    ),
]


class ResourceIn(Schema):
    venue_id: Id
    name: Name
    kind: ResourceKind = ResourceKind.ROOM
    timezone: Zone | None = Field(None, description="None: the venue's zone.")
    capacity: Capacity = 1
    metadata: JsonObject = Field(default_factory=dict, description="Floor, section...")
    skills: Skills = Field(default_factory=list, description="Staff members only.")
    working_hours: WorkingHours | None = Field(
        None,
        description='{"mon": [["09:00", "18:00"]], ...}, at least one period; '
        "null: open around the clock.",
    )
    exceptions: Exceptions = Field(
        default_factory=dict, description='{"2026-12-25": []} closes a day.'
    )
    shifts: Shifts = Field(default_factory=list)

    _hours = field_validator("working_hours", "exceptions")(_check_hours)
    _week = field_validator("working_hours")(_check_week)
    _metadata = field_validator("metadata")(_check_metadata)


def _null_only_where_taken(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """A patch model's JSON schema: its fields default to None ("not sent"), but only
    those in its NULLABLE take an explicit null; the others lose their null branch, as
    the model's validator refuses it."""
    nullable = getattr(model, "NULLABLE", frozenset())
    for name, field in model.model_fields.items():
        prop = schema["properties"][field.alias or name]
        if name in nullable or "anyOf" not in prop:
            continue
        branches = [b for b in prop.pop("anyOf") if b != {"type": "null"}]
        prop.pop("default", None)
        prop.update(branches[0] if len(branches) == 1 else {"anyOf": branches})


class Patch(Schema):
    """A partial update: only the fields sent change. Every field defaults to None ("not
    sent"); only those named in NULLABLE take an explicit null."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset()
    model_config = ConfigDict(json_schema_extra=_null_only_where_taken)

    @model_validator(mode="after")
    def _not_null(self) -> Any:
        for name in sorted(self.model_fields_set - self.NULLABLE):
            if getattr(self, name) is None:
                raise FieldProblem(to_camel(name), _("This field cannot be null."))
        return self


class VenuePatch(Patch):
    """Only the fields sent change; `reminderHours: null` turns reminders off; no other
    field takes null. Bookings already made keep their terms (cutoffs, currency)."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset({"reminder_hours"})

    name: Name | None = None
    timezone: Zone | None = None
    city: text(120) | None = None
    description: LongText | None = None
    locale: Locale | None = None
    currency: Currency | None = None
    hold_ttl_minutes: HoldTtl | None = None
    travel_buffer_minutes: TravelBuffer | None = None
    contact_email: Email | None = None
    contact_phone: Phone | None = None
    notification_email: Email | None = None
    reminder_hours: ReminderHours | None = None
    cancel_cutoff_hours: CutoffHours | None = None
    change_cutoff_hours: CutoffHours | None = None
    active: bool | None = Field(
        None,
        description="false retires the venue: it and its services are no longer listed or "
        "bookable, and its bookings stay as they are; true opens it again.",
    )
    travel_times: TravelTimes | None = Field(
        None,
        description="The travel time between this venue and each venue named (others keep "
        "theirs); minutes null sets a pair back to the longer of the two venues' own.",
    )


class ResourcePatch(Patch):
    """Only the fields sent change; `workingHours: null` opens around the clock and
    `timezone: null` follows the venue's zone; no other field takes null."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset({"working_hours", "timezone"})

    name: Name | None = None
    kind: ResourceKind | None = None
    timezone: Zone | None = None
    capacity: Capacity | None = None
    metadata: JsonObject | None = None
    skills: Skills | None = None
    working_hours: WorkingHours | None = None
    exceptions: Exceptions | None = None
    active: bool | None = None
    shifts: Shifts | None = Field(None, description="Replaces every shift.")

    _hours = field_validator("working_hours", "exceptions")(_check_hours)
    _week = field_validator("working_hours")(_check_week)

    @field_validator("metadata")
    @classmethod
    def _metadata(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return None if value is None else _check_metadata(value)


class ResourceOut(Out):
    id: int
    venue_id: int
    name: str
    kind: ResourceKind
    timezone: str
    capacity: int
    metadata: dict[str, Any]
    skills: list[str]
    working_hours: dict[str, list[list[str]]] | None
    exceptions: dict[str, list[list[str]]]
    active: bool
    shifts: list[ShiftOut]


# Where a set-up rule's problem lands in a ResourceIn or ResourcePatch body.
RESOURCE_FIELDS: dict[SetupField, str] = {SetupField.SKILLS: "skills"}


class DeactivationQuery(Schema):
    """Resources, services and venues alike: switching off one with bookings still to
    come is explicit."""

    force: bool = Field(
        False,
        description="With `active: false`: deactivate even with bookings still to come "
        "(they stay as they are). Without it such a change answers 409 HAS_FUTURE_BOOKINGS.",
    )


# --- services ---------------------------------------------------------------------------


class VariantIn(Schema):
    name: ShortText = ""
    duration_minutes: DurationMinutes
    guests: Capacity = 1
    price_cents: Annotated[int, Field(ge=0, le=MAX_PRICE_CENTS)] | None = None
    staff_count: Annotated[int, Field(ge=1, le=MAX_STAFF_COUNT)] = Field(
        1,
        description="How many qualified staff members serve the option together (a duo "
        "massage: 2), when the service requires skills.",
    )


class HourRange(Schema):
    unit: Literal["HOUR"]
    min_minutes: DurationMinutes
    max_minutes: DurationMinutes


class DayRange(Schema):
    unit: Literal["DAY"]
    min_days: DurationDays
    max_days: DurationDays


DurationRange = Annotated[HourRange | DayRange, Field(discriminator="unit")]
START_ALIGNMENT = (
    "Where start times count their steps from, in the venue's local time: `clock`, every "
    "step from midnight (:00, :15, :30... whatever the opening time); `opening`, every step "
    "from each opening time (a 09:10 opening with a 30-minute step: 09:10, 09:40...). "
    "Either way a time that a daylight-saving change skips is not offered. On the clock "
    "the step must divide a day (15, 30, 60... minutes)."
)


class ServiceIn(Schema):
    venue_id: Id
    name: Name
    description: LongText = ""
    resource_ids: Annotated[list[Id], Field(min_length=1, max_length=100)]
    variants: Annotated[list[VariantIn], Field(max_length=20)] | None = None
    duration_range: DurationRange | None = None
    buffer_before_minutes: Buffer = 0
    buffer_after_minutes: Buffer = 0
    grid_alignment_minutes: GridMinutes = 15
    grid_step_minutes: GridMinutes | None = Field(
        None, description="null: the duration plus buffers, rounded up to the alignment."
    )
    start_alignment: StartAlignment = Field(StartAlignment.OPENING, description=START_ALIGNMENT)
    lead_time_minutes: Annotated[int, Field(ge=0, le=MAX_LEAD_TIME_MINUTES)] = 0
    horizon_days: Annotated[int, Field(ge=1, le=MAX_HORIZON_DAYS)] = 90
    required_skills: RequiredSkills = Field(default_factory=list)
    cancel_cutoff_hours: CutoffHours | None = Field(
        None,
        description="Customers may cancel online until this long before the start; "
        "null: the venue's.",
    )
    change_cutoff_hours: CutoffHours | None = Field(
        None,
        description="Customers may change the time online until this long before "
        "the start; null: the venue's.",
    )

    def policy(self, resources: Iterable[ChosenResource]) -> ServicePolicy:
        """The set-up as plain values, for the rules every audience shares (the view
        loads the chosen resources: whether they are staff, and their skills)."""
        span = self.duration_range
        mode = (
            Mode.HOURLY
            if isinstance(span, HourRange)
            else Mode.DAILY
            if isinstance(span, DayRange)
            else Mode.FIXED
        )
        return ServicePolicy(
            mode=mode,
            variant_minutes=tuple(v.duration_minutes for v in self.variants or ()),
            variant_staff_counts=tuple(v.staff_count for v in self.variants or ()),
            min_minutes=span.min_minutes if isinstance(span, HourRange) else None,
            max_minutes=span.max_minutes if isinstance(span, HourRange) else None,
            min_days=span.min_days if isinstance(span, DayRange) else None,
            max_days=span.max_days if isinstance(span, DayRange) else None,
            alignment_minutes=self.grid_alignment_minutes,
            step_minutes=self.grid_step_minutes,
            start_alignment=self.start_alignment,
            buffer_minutes=self.buffer_before_minutes + self.buffer_after_minutes,
            lead_time_minutes=self.lead_time_minutes,
            horizon_days=self.horizon_days,
            required_skills=frozenset(self.required_skills),
            resources=tuple(resources),
        )


# Where a set-up rule's problem lands in a ServiceIn body.
SERVICE_FIELDS: dict[SetupField, str] = {
    SetupField.VARIANTS: "variants",
    SetupField.MIN_MINUTES: "durationRange.minMinutes",
    SetupField.MAX_MINUTES: "durationRange.maxMinutes",
    SetupField.MIN_DAYS: "durationRange.minDays",
    SetupField.MAX_DAYS: "durationRange.maxDays",
    SetupField.GRID_STEP_MINUTES: "gridStepMinutes",
    SetupField.LEAD_TIME_MINUTES: "leadTimeMinutes",
    SetupField.RESOURCES: "resourceIds",
    SetupField.REQUIRED_SKILLS: "requiredSkills",
}


class VariantOut(Out):
    id: int
    name: str
    duration_minutes: int
    guests: int
    price_cents: int | None
    staff_count: int


class DurationRangeOut(Out):
    unit: Literal["HOUR", "DAY"]
    min_minutes: int | None = None
    max_minutes: int | None = None
    min_days: int | None = None
    max_days: int | None = None


class ServiceOut(Out):
    id: int
    venue_id: int
    name: str
    description: str
    resource_ids: list[int]
    variants: list[VariantOut]
    duration_range: DurationRangeOut | None
    buffer_before_minutes: int
    buffer_after_minutes: int
    grid_alignment_minutes: int
    grid_step_minutes: int | None
    start_alignment: StartAlignment = Field(description=START_ALIGNMENT)
    lead_time_minutes: int
    horizon_days: int
    required_skills: list[str]
    cancel_cutoff_hours: int | None = Field(description="null: the venue's.")
    change_cutoff_hours: int | None = Field(description="null: the venue's.")
    active: bool


class VariantEdit(VariantIn):
    id: Id | None = Field(
        None, description="One of the service's options, to change; absent: a new option."
    )


class ServicePatch(Patch):
    """Only the fields sent change. `variants` is the whole new list of fixed options:
    an item with the `id` of an existing option changes it, one without adds an option,
    and options left out are removed (refused while bookings use them: retire the
    service instead). `durationRange: null` makes the options fixed; a range drops the
    options. `gridStepMinutes`, `cancelCutoffHours` and `changeCutoffHours` take null
    (computed step, the venue's cutoffs); no other field does. Bookings already made
    keep the terms they were made under."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset(
        {"duration_range", "grid_step_minutes", "cancel_cutoff_hours", "change_cutoff_hours"}
    )

    name: Name | None = None
    description: LongText | None = None
    resource_ids: Annotated[list[Id], Field(min_length=1, max_length=100)] | None = None
    variants: Annotated[list[VariantEdit], Field(max_length=20)] | None = None
    duration_range: DurationRange | None = None
    buffer_before_minutes: Buffer | None = None
    buffer_after_minutes: Buffer | None = None
    grid_alignment_minutes: GridMinutes | None = None
    grid_step_minutes: GridMinutes | None = None
    start_alignment: StartAlignment | None = Field(None, description=START_ALIGNMENT)
    lead_time_minutes: Annotated[int, Field(ge=0, le=MAX_LEAD_TIME_MINUTES)] | None = None
    horizon_days: Annotated[int, Field(ge=1, le=MAX_HORIZON_DAYS)] | None = None
    required_skills: RequiredSkills | None = None
    cancel_cutoff_hours: CutoffHours | None = None
    change_cutoff_hours: CutoffHours | None = None
    active: bool | None = Field(
        None,
        description="false retires the service: it is no longer offered, and its bookings "
        "stay as they are.",
    )


# --- allocations ------------------------------------------------------------------------


class Recurrence(Schema):
    """Repeat weekly on these days, at the first occurrence's local wall time."""

    weekdays: Annotated[list[Weekday], Field(min_length=1, max_length=7)]
    until: Day | None = Field(None, description="Last local date (inclusive); null: forever.")


class AllocationIn(Schema):
    """The end comes after the start. A weekly block lasts less than a day, in the
    resource's wall-clock time, and its `until` is not before the local date it starts."""

    # Checked by the view (bookingsite.setup_rules.block_problems, the admin's rules):
    # they need the resource's zone.

    resource_id: Id
    start_time: Instant
    end_time: Instant
    reason: ShortText = ""
    recurrence: Recurrence | None = None


# Where a block rule's problem lands in an AllocationIn body.
ALLOCATION_FIELDS: dict[SetupField, str] = {
    SetupField.END_TIME: "endTime",
    SetupField.WEEKDAYS: "recurrence.weekdays",
    SetupField.REPEAT_UNTIL: "recurrence.until",
}


class RecurrenceOut(Out):
    weekdays: list[str]
    until: date | None


class AllocationOut(Out):
    id: int
    resource_id: int
    start_time: Instant
    end_time: Instant
    reason: str
    recurrence: RecurrenceOut | None


class AllocationQuery(PageQuery):
    resource_id: Id | None = None
    venue_id: Id | None = None
    from_: Instant | None = Field(None, alias="from")
    to: Instant | None = None


# --- availability -----------------------------------------------------------------------


class SlotsQuery(Schema):
    start_time: Instant
    end_time: Instant
    duration_ms: (
        Annotated[int, Field(ge=60_000, le=366 * 86_400_000, multiple_of=60_000)] | None
    ) = Field(None, description="Whole minutes. Default: the service's shortest duration.")
    resource_id: Id | None = None
    guests: Capacity = 1


class SlotOut(Out):
    start_time: Instant
    end_time: Instant
    resource_id: int
    timezone: str = Field(
        description="The resource's IANA zone (its own, else the venue's): the zone of "
        "localStartTime and localEndTime."
    )
    local_start_time: str = Field(description="Wall time in the resource's zone, with offset.")
    local_end_time: str


VENUE_ZONE = (
    "The venue's IANA zone. A resource may have a zone of its own: each entry's "
    "`timezone` is the one its local times are in."
)


class SlotsOut(Out):
    timezone: str = Field(description=VENUE_ZONE)
    slots: list[SlotOut]


class EndTimesQuery(Schema):
    start_time: Instant
    resource_id: Id | None = None
    guests: Capacity = 1


class EndTimeOut(Out):
    end_time: Instant
    resource_id: int
    duration_minutes: int
    timezone: str = Field(description="The resource's IANA zone: the zone of localEndTime.")
    local_end_time: str


class EndTimesOut(Out):
    timezone: str = Field(description=VENUE_ZONE)
    start_time: Instant
    end_times: list[EndTimeOut]


class DaysQuery(Schema):
    first_day: Day
    last_day: Day
    resource_id: Id | None = None

    @model_validator(mode="after")
    def _ordered(self) -> DaysQuery:
        if self.last_day < self.first_day:
            raise BrokenRule(_("lastDay cannot come before firstDay."), "lastDay")
        return self


class DayEndOut(Out):
    last_day: date
    end_time: Instant
    days: int
    resource_id: int


class DayOut(Out):
    day: date
    start_time: Instant
    end_time: Instant
    resource_id: int
    end_days: list[DayEndOut]


class DaysOut(Out):
    timezone: str
    days: list[DayOut]


class AvailabilityQuery(Schema):
    service_id: Id
    from_: Instant = Field(alias="from")
    to: Instant
    variant_id: Id | None = None


class AvailableSlot(Out):
    start_time: Instant
    end_time: Instant
    venue_id: int
    service_id: int
    variant_id: int | None
    resource_id: int
    duration_minutes: int


class AvailabilityOut(Out):
    slots: list[AvailableSlot]


# --- bookings ---------------------------------------------------------------------------


class CustomerIn(Schema):
    name: ShortText = ""
    email: text(254) = ""
    phone: text(40) = ""
    notes: LongText = ""


class BookingIn(Schema):
    service_id: Id
    start_time: Instant
    end_time: Instant | None = Field(
        None, description="Optional for fixed durations (the variant decides)."
    )
    resource_id: Id | None = None
    variant_id: Id | None = None
    guests: Capacity = 1
    customer: CustomerIn = CustomerIn()

    @model_validator(mode="after")
    def _ordered(self) -> BookingIn:
        if self.end_time is not None and self.end_time <= self.start_time:
            raise BrokenRule(_("endTime must be after startTime."), "endTime")
        return self


class ConfirmIn(Schema):
    customer: CustomerIn | None = None


class CustomerOut(Out):
    name: str
    email: str
    phone: str
    notes: str


class TermsOut(Out):
    """What the customer agreed to when booking, kept as it was: later edits of the
    service never change a booking's terms."""

    service_name: str
    option_name: str = Field(description="Empty for hourly and daily services.")
    price_cents: int | None = Field(description="Minor units of `currency`; null: unpriced.")
    currency: str
    buffer_before_minutes: int
    buffer_after_minutes: int
    cancel_until_hours_before: int = Field(
        description="The customer may cancel online until this long before the start."
    )
    change_until_hours_before: int = Field(
        description="The customer may change the time online until this long before the start."
    )


class BookingOut(Out):
    id: int
    reference: str
    status: BookingStatus
    venue_id: int
    service_id: int
    variant_id: int | None
    resource_ids: list[int]
    start_time: Instant
    end_time: Instant
    expires_at: Instant | None = Field(description="When a hold lapses; null otherwise.")
    guests: int
    customer: CustomerOut
    group_id: str | None = Field(description="Linked daily bookings share it.")
    created_at: Instant
    terms: TermsOut


class BookingsQuery(PageQuery):
    venue_id: Id | None = None
    from_: Instant | None = Field(None, alias="from")
    to: Instant | None = None
    status: BookingStatus | None = None


class BookingPage(PageOut):
    data: list[BookingOut]


class VenueList(PageOut):
    data: list[VenueOut]


class ResourceList(PageOut):
    data: list[ResourceOut]


class ServiceList(PageOut):
    data: list[ServiceOut]


class AllocationList(PageOut):
    data: list[AllocationOut]


class ListQuery(PageQuery):
    venue_id: Id | None = None


# --- webhooks ---------------------------------------------------------------------------

# The target; the server also resolves its host and refuses private networks (422 on url).
# No white space or control character after the scheme, spelled out: `\s` means three
# different sets in ECMA 262 (the document's readers), Python and Rust (pydantic).
WebhookUrl = text(
    2000,
    8,
    pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://"
    r"[^\x00-\x20\x7f-\x9f\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+$",
)
EventTypes = Annotated[
    list[WebhookEventType],
    Field(min_length=1, max_length=len(WebhookEventType)),
    AfterValidator(lambda types: sorted(set(types))),
]


class WebhookEndpointIn(Schema):
    venue_id: Id
    url: WebhookUrl = Field(
        description="http:// or https://; its host must resolve to public addresses only."
    )
    event_types: EventTypes
    description: ShortText = ""


class WebhookEndpointPatch(Patch):
    """Only the fields sent change; none takes null. `enabled: true` switches an endpoint
    back on (after fixing what made it fail) and forgets its past failures."""

    url: WebhookUrl | None = None
    event_types: EventTypes | None = None
    description: ShortText | None = None
    enabled: bool | None = None


class WebhookEndpointOut(Out):
    id: int
    venue_id: int
    url: str
    description: str
    event_types: list[WebhookEventType]
    enabled: bool
    disabled_reason: WebhookDisabledReason | None = Field(
        description="Why it is off: `manual` (switched off), `failing` (switched off by the "
        "site after its deliveries kept failing); null while enabled."
    )
    disabled_message: str | None = Field(description="The reason, in words; null while enabled.")
    disabled_at: Instant | None
    last_error: str = Field(description="The last failed try's error; empty after a success.")
    created_at: Instant


class WebhookEndpointCreated(WebhookEndpointOut):
    secret: str = Field(
        description="The signing secret (whsec_...), shown only in this answer: keep it."
    )


class WebhookSecretOut(Out):
    secret: str = Field(description="The new signing secret, shown only in this answer.")
    previous_secret_valid_until: Instant | None = Field(
        description="Until then messages carry a second signature, made with the old secret."
    )


class WebhookEndpointQuery(PageQuery):
    venue_id: Id | None = None


class WebhookEndpointList(PageOut):
    data: list[WebhookEndpointOut]


class WebhookDeliveryOut(Out):
    id: int
    endpoint_id: int
    message_id: str = Field(description="The event's webhook-id header: the same on every try.")
    event_type: WebhookEventType
    status: WebhookDeliveryStatus
    attempts: int
    last_status_code: int | None
    last_latency_ms: int | None
    last_error: str
    created_at: Instant
    last_attempt_at: Instant | None
    next_attempt_at: Instant | None
    delivered_at: Instant | None
    payload: dict[str, Any] = Field(description="The body as sent.")


class WebhookDeliveryList(PageOut):
    data: list[WebhookDeliveryOut]


# --- errors -----------------------------------------------------------------------------


class ErrorBody(Out):
    model_config = ConfigDict(extra="allow")

    code: str
    message: str
    fields: dict[str, str] | None = None
    alternatives: list[str] | None = Field(
        None, description="SLOT_TAKEN: the next free starts (UTC)."
    )
    future_bookings: int | None = Field(
        None, description="HAS_FUTURE_BOOKINGS: confirmed bookings and live holds still to come."
    )


class ErrorOut(Out):
    error: ErrorBody


# --- availability changes ---------------------------------------------------------------


class ChangesQuery(Schema):
    venue_id: Id | None = Field(
        None, description="The venue whose changes to follow; absent: every venue of the key."
    )
    cursor: Cursor | None = Field(
        None,
        description="Opaque: the previous answer's `nextCursor`, as given (anything else is "
        "refused with 422 on `cursor`); absent: from the feed's first change.",
    )
    limit: Annotated[int, Field(ge=1, le=100)] = Field(50, description="At most this many.")


class AvailabilityChangeOut(Out):
    resource_id: int
    service_ids: list[int] = Field(
        description="The services the resource serves (and the one whose link to it "
        "changed, if that was the change): ask them again over the range."
    )
    start_time: Instant
    end_time: Instant | None = Field(description="Null: open-ended, from startTime on.")


class AvailabilityChangeList(Out):
    data: list[AvailabilityChangeOut]
    next_cursor: str = Field(
        description="Always set: pass it back as `cursor` to hear of later changes; the "
        "cursor sent (or one at the feed's current end) when there is nothing new."
    )
