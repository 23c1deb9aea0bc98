"""The rules that say a venue's set-up is self-consistent, stated once for every audience.

The admin's forms and the partner API gather plain values (a service's policy, one day's
opening periods), call these functions, and put each returned problem on their own field:
the admin on the form field of the same name, the API on the camelCase JSON path. Shape
(types, bounds, required fields) stays with each audience's forms or schemas; whether a
time is free stays with the booking service.

Pure: the standard library only. The one exception is the message table at the bottom,
which marks each problem's text for translation (lazily: nothing is looked up until a
message is read, inside a request)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l

MINUTES_PER_DAY = 24 * 60
MIDNIGHT = time(0)  # as a closing time: the end of the day


class Mode(StrEnum):
    """How a service's duration is chosen (the values of models.DurationMode)."""

    FIXED = "fixed"
    HOURLY = "hourly"
    DAILY = "daily"


class SetupField(StrEnum):
    """The field a problem belongs to, named as the admin form names it."""

    VARIANTS = "variants"
    MIN_MINUTES = "min_minutes"
    MAX_MINUTES = "max_minutes"
    MIN_DAYS = "min_days"
    MAX_DAYS = "max_days"
    GRID_STEP_MINUTES = "grid_step_minutes"
    LEAD_TIME_MINUTES = "lead_time_minutes"
    RESOURCES = "resources"
    REQUIRED_SKILLS = "required_skills"
    PERIODS = "periods"  # one day's opening periods; the caller knows which day


class Rule(StrEnum):
    """A stable code for each way a set-up can contradict itself."""

    FIXED_WITHOUT_OPTION = "FIXED_WITHOUT_OPTION"
    RANGE_WITH_FIXED = "RANGE_WITH_FIXED"
    OPTIONS_WITH_RANGE = "OPTIONS_WITH_RANGE"
    RANGE_INCOMPLETE = "RANGE_INCOMPLETE"
    RANGE_REVERSED = "RANGE_REVERSED"
    OTHER_UNIT = "OTHER_UNIT"
    DURATION_OFF_ALIGNMENT = "DURATION_OFF_ALIGNMENT"
    STEP_OFF_ALIGNMENT = "STEP_OFF_ALIGNMENT"
    LEAD_TIME_BEYOND_HORIZON = "LEAD_TIME_BEYOND_HORIZON"
    NO_PLACE = "NO_PLACE"
    SKILLS_NOBODY_HAS = "SKILLS_NOBODY_HAS"
    STAFF_WITHOUT_SKILLS = "STAFF_WITHOUT_SKILLS"
    PERIOD_BACKWARDS = "PERIOD_BACKWARDS"
    PERIODS_OVERLAP = "PERIODS_OVERLAP"


@dataclass(frozen=True)
class Problem:
    field: SetupField
    rule: Rule
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The translated text, placeholders filled (read it inside a request)."""
        return str(MESSAGES[self.rule]) % dict(self.params)


@dataclass(frozen=True)
class ChosenResource:
    """A resource chosen to serve a service: staff (with skills) or a place."""

    is_staff: bool
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ServicePolicy:
    """A service's set-up as plain values. Range bounds of the other unit are None unless
    the sender set them; variant_minutes holds the filled fixed options' durations."""

    mode: Mode
    alignment_minutes: int
    lead_time_minutes: int
    horizon_days: int
    variant_minutes: tuple[int, ...] = ()
    min_minutes: int | None = None
    max_minutes: int | None = None
    min_days: int | None = None
    max_days: int | None = None
    step_minutes: int | None = None
    required_skills: frozenset[str] = frozenset()
    resources: tuple[ChosenResource, ...] = ()


def service_problems(policy: ServicePolicy) -> list[Problem]:
    """Every contradiction in a service's set-up, in the order the form reads."""
    return [
        *_duration_problems(policy),
        *_grid_problems(policy),
        *_window_problems(policy),
        *_resource_problems(policy),
    ]


def _duration_problems(p: ServicePolicy) -> Iterable[Problem]:
    minutes = {SetupField.MIN_MINUTES: p.min_minutes, SetupField.MAX_MINUTES: p.max_minutes}
    days = {SetupField.MIN_DAYS: p.min_days, SetupField.MAX_DAYS: p.max_days}
    if p.mode == Mode.FIXED:
        if not p.variant_minutes:
            yield Problem(SetupField.VARIANTS, Rule.FIXED_WITHOUT_OPTION)
        for name, value in (minutes | days).items():
            if value is not None:
                yield Problem(name, Rule.RANGE_WITH_FIXED)
        return
    if p.variant_minutes:
        yield Problem(SetupField.VARIANTS, Rule.OPTIONS_WITH_RANGE)
    bounds, other = (minutes, days) if p.mode == Mode.HOURLY else (days, minutes)
    for name, value in bounds.items():
        if value is None:
            yield Problem(name, Rule.RANGE_INCOMPLETE)
    (low_name, low), (_high_name, high) = bounds.items()
    if low is not None and high is not None and low > high:
        yield Problem(low_name, Rule.RANGE_REVERSED)
    for name, value in other.items():
        if value is not None:
            yield Problem(name, Rule.OTHER_UNIT)
    if p.mode == Mode.HOURLY:
        for name, value in bounds.items():
            if value and p.alignment_minutes and value % p.alignment_minutes:
                yield Problem(name, Rule.DURATION_OFF_ALIGNMENT, {"n": p.alignment_minutes})


def _grid_problems(p: ServicePolicy) -> Iterable[Problem]:
    step, align = p.step_minutes, p.alignment_minutes
    if step and align and step % align:
        yield Problem(SetupField.GRID_STEP_MINUTES, Rule.STEP_OFF_ALIGNMENT, {"n": align})


def _window_problems(p: ServicePolicy) -> Iterable[Problem]:
    if p.lead_time_minutes > p.horizon_days * MINUTES_PER_DAY:
        yield Problem(SetupField.LEAD_TIME_MINUTES, Rule.LEAD_TIME_BEYOND_HORIZON)


def _resource_problems(p: ServicePolicy) -> Iterable[Problem]:
    staff = [r for r in p.resources if r.is_staff]
    if len(staff) == len(p.resources):
        yield Problem(SetupField.RESOURCES, Rule.NO_PLACE)
    skills = p.required_skills
    if skills and not any(skills <= r.skills for r in staff):
        yield Problem(SetupField.REQUIRED_SKILLS, Rule.SKILLS_NOBODY_HAS)
    if not skills and staff:
        yield Problem(SetupField.REQUIRED_SKILLS, Rule.STAFF_WITHOUT_SKILLS)


# --- opening hours ------------------------------------------------------------------------


def period_problems(periods: Sequence[tuple[time, time]]) -> list[Problem]:
    """One day's opening periods, [opens, closes) in wall-clock time; a close at 00:00 is
    midnight, the end of the day. A period must close after it opens, and the periods of
    one day must not overlap (in any order)."""
    problems = [
        Problem(SetupField.PERIODS, Rule.PERIOD_BACKWARDS,
                {"value": f"{opens:%H:%M}-{closes:%H:%M}"})
        for opens, closes in periods
        if closes != MIDNIGHT and closes <= opens
    ]
    ordered = sorted(periods)
    for (_opens, closes), (next_opens, _closes) in zip(ordered, ordered[1:], strict=False):
        if closes == MIDNIGHT or next_opens < closes:
            problems.append(Problem(SetupField.PERIODS, Rule.PERIODS_OVERLAP))
            break
    return problems


# --- messages -----------------------------------------------------------------------------

MESSAGES: dict[Rule, Any] = {
    Rule.FIXED_WITHOUT_OPTION: _l("A service with fixed options needs at least one option."),
    Rule.RANGE_WITH_FIXED: _l(
        "A service has fixed options or a duration range, never both: "
        "clear this or choose a range."
    ),
    Rule.OPTIONS_WITH_RANGE: _l(
        "A service has fixed options or a duration range, never both: "
        "remove the options or choose fixed options."
    ),
    Rule.RANGE_INCOMPLETE: _l("Give the shortest and the longest duration."),
    Rule.RANGE_REVERSED: _l("The shortest duration is longer than the longest."),
    Rule.OTHER_UNIT: _l("This does not apply to the chosen kind of duration."),
    Rule.DURATION_OFF_ALIGNMENT: _l("Durations must be a multiple of the %(n)s-minute alignment."),
    Rule.STEP_OFF_ALIGNMENT: _l("The step must be a multiple of the %(n)s-minute alignment."),
    Rule.LEAD_TIME_BEYOND_HORIZON: _l(
        "The lead time is longer than the horizon: nothing could ever be booked."
    ),
    Rule.NO_PLACE: _l("Choose at least one place (a resource that is not staff)."),
    Rule.SKILLS_NOBODY_HAS: _l(
        "No chosen staff member has all these skills: choose one who has them."
    ),
    Rule.STAFF_WITHOUT_SKILLS: _l(
        "Staff members are only booked when the service requires skills: name them."
    ),
    Rule.PERIOD_BACKWARDS: _l("The period %(value)s closes before it opens."),
    Rule.PERIODS_OVERLAP: _l("The periods overlap."),
}
