"""The set-up rules the admin forms and the partner API share: one table per rule family,
each row a set-up and the (field, rule) pairs it must raise."""

from __future__ import annotations

import ast
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

import bookingsite.setup_rules as rules
from bookingsite.setup_rules import (
    MESSAGES,
    SLUG_MAX_LENGTH,
    Block,
    ChosenResource,
    Mode,
    Problem,
    Rule,
    ServicePolicy,
    SetupField,
    StartAlignment,
    block_problems,
    free_slug,
    normalise_skills,
    period_problems,
    resource_problems,
    service_problems,
    slugify,
    weekly_hours_problems,
)

F = SetupField
CLOCK = StartAlignment.CLOCK
ROOM = ChosenResource(is_staff=False)
MASSEUR = ChosenResource(is_staff=True, skills=frozenset({"massage", "facial"}))
FACIALIST = ChosenResource(is_staff=True, skills=frozenset({"facial"}))

FIXED = ServicePolicy(
    mode=Mode.FIXED,
    variant_minutes=(60,),
    alignment_minutes=15,
    lead_time_minutes=60,
    horizon_days=30,
    resources=(ROOM,),
)
HOURLY = replace(FIXED, mode=Mode.HOURLY, variant_minutes=(), min_minutes=60, max_minutes=240)
DAILY = replace(FIXED, mode=Mode.DAILY, variant_minutes=(), min_days=1, max_days=7)


def found(policy: ServicePolicy) -> list[tuple[SetupField, Rule]]:
    return [(p.field, p.rule) for p in service_problems(policy)]


@pytest.mark.parametrize(
    "policy",
    [
        pytest.param(FIXED, id="fixed"),
        pytest.param(HOURLY, id="hourly"),
        pytest.param(DAILY, id="daily"),
        pytest.param(replace(FIXED, step_minutes=30), id="step-on-alignment"),
        pytest.param(replace(FIXED, lead_time_minutes=30 * 24 * 60), id="lead-equals-horizon"),
        pytest.param(
            replace(
                FIXED, required_skills=frozenset({"massage"}), resources=(ROOM, FACIALIST, MASSEUR)
            ),
            id="one-staff-has-all-skills",
        ),
        pytest.param(replace(DAILY, min_days=3, max_days=3), id="min-equals-max"),
        pytest.param(replace(DAILY, alignment_minutes=7), id="days-ignore-alignment"),
        pytest.param(replace(FIXED, start_alignment=CLOCK, step_minutes=30), id="clock-step-30"),
        pytest.param(replace(FIXED, start_alignment=CLOCK, step_minutes=45), id="clock-step-45"),
        pytest.param(replace(FIXED, start_alignment=CLOCK), id="clock-step-is-the-hour"),
        pytest.param(replace(FIXED, buffer_minutes=15), id="opening-steps-by-duration-plus-buffer"),
        pytest.param(
            replace(DAILY, start_alignment=CLOCK, buffer_minutes=15), id="clock-days-have-no-grid"
        ),
    ],
)
def test_consistent_set_ups_pass(policy: ServicePolicy) -> None:
    assert service_problems(policy) == []


@pytest.mark.parametrize(
    "policy, expected",
    [
        pytest.param(
            replace(FIXED, variant_minutes=()),
            [(F.VARIANTS, Rule.FIXED_WITHOUT_OPTION)],
            id="fixed-without-option",
        ),
        pytest.param(
            replace(FIXED, min_minutes=60, max_days=2),
            [(F.MIN_MINUTES, Rule.RANGE_WITH_FIXED), (F.MAX_DAYS, Rule.RANGE_WITH_FIXED)],
            id="range-on-fixed",
        ),
        pytest.param(
            replace(HOURLY, variant_minutes=(60,)),
            [(F.VARIANTS, Rule.OPTIONS_WITH_RANGE)],
            id="options-on-range",
        ),
        pytest.param(
            replace(HOURLY, max_minutes=None),
            [(F.MAX_MINUTES, Rule.RANGE_INCOMPLETE)],
            id="range-incomplete",
        ),
        pytest.param(
            replace(HOURLY, min_minutes=240, max_minutes=60),
            [(F.MIN_MINUTES, Rule.RANGE_REVERSED)],
            id="minutes-reversed",
        ),
        pytest.param(
            replace(DAILY, min_days=5, max_days=2),
            [(F.MIN_DAYS, Rule.RANGE_REVERSED)],
            id="days-reversed",
        ),
        pytest.param(
            replace(DAILY, min_minutes=60),
            [(F.MIN_MINUTES, Rule.OTHER_UNIT)],
            id="minutes-on-daily",
        ),
        pytest.param(
            replace(HOURLY, max_days=2), [(F.MAX_DAYS, Rule.OTHER_UNIT)], id="days-on-hourly"
        ),
        pytest.param(
            replace(HOURLY, min_minutes=50, max_minutes=125),
            [
                (F.MIN_MINUTES, Rule.DURATION_OFF_ALIGNMENT),
                (F.MAX_MINUTES, Rule.DURATION_OFF_ALIGNMENT),
            ],
            id="durations-off-alignment",
        ),
        pytest.param(
            replace(FIXED, step_minutes=20),
            [(F.GRID_STEP_MINUTES, Rule.STEP_OFF_ALIGNMENT)],
            id="step-off-alignment",
        ),
        pytest.param(
            replace(FIXED, start_alignment=CLOCK, step_minutes=75),
            [(F.GRID_STEP_MINUTES, Rule.CLOCK_STEP_OFF_DAY)],
            id="clock-step-off-day",
        ),
        pytest.param(
            replace(FIXED, start_alignment=CLOCK, buffer_minutes=15),
            [(F.GRID_STEP_MINUTES, Rule.CLOCK_STEP_OFF_DAY)],
            id="clock-duration-plus-buffer-off-day",
        ),
        pytest.param(
            replace(HOURLY, start_alignment=CLOCK, min_minutes=105),
            [(F.GRID_STEP_MINUTES, Rule.CLOCK_STEP_OFF_DAY)],
            id="clock-shortest-duration-off-day",
        ),
        pytest.param(
            replace(FIXED, lead_time_minutes=30 * 24 * 60 + 1),
            [(F.LEAD_TIME_MINUTES, Rule.LEAD_TIME_BEYOND_HORIZON)],
            id="lead-over-horizon",
        ),
        pytest.param(
            replace(FIXED, resources=()), [(F.RESOURCES, Rule.NO_PLACE)], id="no-resource"
        ),
        pytest.param(
            replace(FIXED, resources=(MASSEUR,), required_skills=frozenset({"massage"})),
            [(F.RESOURCES, Rule.NO_PLACE)],
            id="staff-only",
        ),
        pytest.param(
            replace(FIXED, required_skills=frozenset({"massage"})),
            [(F.REQUIRED_SKILLS, Rule.SKILLS_NOBODY_HAS)],
            id="skills-without-staff",
        ),
        pytest.param(
            replace(
                FIXED,
                required_skills=frozenset({"massage", "yoga"}),
                resources=(ROOM, MASSEUR, ChosenResource(True, frozenset({"yoga"}))),
            ),
            [(F.REQUIRED_SKILLS, Rule.SKILLS_NOBODY_HAS)],
            id="skills-split-over-staff",
        ),
        pytest.param(
            replace(FIXED, resources=(ROOM, MASSEUR)),
            [(F.REQUIRED_SKILLS, Rule.STAFF_WITHOUT_SKILLS)],
            id="staff-without-skills",
        ),
        pytest.param(
            replace(HOURLY, min_minutes=50, step_minutes=20, lead_time_minutes=10**6, resources=()),
            [
                (F.MIN_MINUTES, Rule.DURATION_OFF_ALIGNMENT),
                (F.GRID_STEP_MINUTES, Rule.STEP_OFF_ALIGNMENT),
                (F.LEAD_TIME_MINUTES, Rule.LEAD_TIME_BEYOND_HORIZON),
                (F.RESOURCES, Rule.NO_PLACE),
            ],
            id="every-problem-at-once",
        ),
    ],
)
def test_contradictions_name_their_field_and_rule(
    policy: ServicePolicy, expected: list[tuple[SetupField, Rule]]
) -> None:
    assert found(policy) == expected


def test_alignment_problems_carry_the_alignment() -> None:
    [problem] = service_problems(replace(FIXED, step_minutes=20))
    assert problem.params == {"n": 15}
    assert problem.message == "The step must be a multiple of the 15-minute alignment."


def test_a_clock_step_off_the_day_is_quoted() -> None:
    policy = replace(FIXED, start_alignment=CLOCK, variant_minutes=(30, 60), buffer_minutes=15)
    [problem] = service_problems(policy)
    assert problem.params == {"n": 75}  # 60 + 15; the 45 of the 30-minute option divides a day
    assert problem.message == (
        "Starts on the clock need a step that divides a day evenly, such as 15, 30 or 60 "
        "minutes; the step here is 75 minutes."
    )


def test_start_alignments_are_the_engines_anchors() -> None:
    from bookingsite.availability.model import Anchor

    assert {a.value for a in StartAlignment} == {a.value for a in Anchor}


def t(text: str) -> time:
    return time.fromisoformat(text)


@pytest.mark.parametrize(
    "periods, expected",
    [
        pytest.param([], [], id="closed"),
        pytest.param([(t("09:00"), t("12:00")), (t("13:00"), t("18:00"))], [], id="two-periods"),
        pytest.param([(t("13:00"), t("18:00")), (t("09:00"), t("12:00"))], [], id="any-order"),
        pytest.param(
            [(t("09:00"), t("12:00")), (t("12:00"), t("00:00"))], [], id="touching-to-midnight"
        ),
        pytest.param([(t("00:00"), t("00:00"))], [], id="whole-day"),
        pytest.param([(t("18:00"), t("09:00"))], [Rule.PERIOD_BACKWARDS], id="backwards"),
        pytest.param([(t("09:00"), t("09:00"))], [Rule.PERIOD_BACKWARDS], id="empty"),
        pytest.param(
            [(t("09:00"), t("12:00")), (t("11:00"), t("14:00"))],
            [Rule.PERIODS_OVERLAP],
            id="overlap",
        ),
        pytest.param(
            [(t("20:00"), t("00:00")), (t("21:00"), t("22:00"))],
            [Rule.PERIODS_OVERLAP],
            id="after-a-midnight-close",
        ),
    ],
)
def test_period_rules(periods: list[tuple[time, time]], expected: list[Rule]) -> None:
    problems = period_problems(periods)
    assert [p.rule for p in problems] == expected
    assert all(p.field == F.PERIODS for p in problems)


def test_a_backwards_period_is_quoted_in_its_message() -> None:
    [problem] = period_problems([(t("18:00"), t("09:00"))])
    assert problem == Problem(F.PERIODS, Rule.PERIOD_BACKWARDS, {"value": "18:00-09:00"})
    assert problem.message == "The period 18:00-09:00 closes before it opens."


@pytest.mark.parametrize(
    "weekly, expected",
    [
        pytest.param(None, [], id="around-the-clock"),
        pytest.param({"mon": [["09:00", "17:00"]], "tue": []}, [], id="open-one-day"),
        pytest.param({}, [Rule.NEVER_OPEN], id="no-day"),
        pytest.param({"mon": [], "sun": []}, [Rule.NEVER_OPEN], id="every-day-closed"),
    ],
)
def test_a_week_must_open_somewhere(weekly: dict | None, expected: list[Rule]) -> None:
    problems = weekly_hours_problems(weekly)
    assert [p.rule for p in problems] == expected
    assert all(p.field == F.WEEKLY_HOURS for p in problems)


# --- resources ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, spelled",
    [
        pytest.param([], [], id="none"),
        pytest.param(
            [" Massage", "facial", "massage ", "MASSAGE"],
            ["facial", "massage"],
            id="trimmed-lowered-once-sorted",
        ),
        pytest.param(["", "  "], [], id="blank"),
    ],
)
def test_skills_are_spelled_one_way(typed: list[str], spelled: list[str]) -> None:
    assert normalise_skills(typed) == spelled


@pytest.mark.parametrize(
    "is_staff, skills, expected",
    [
        pytest.param(True, ["massage"], [], id="staff-with-skills"),
        pytest.param(True, [], [], id="staff-without"),
        pytest.param(False, [], [], id="place-without"),
        pytest.param(
            False, ["massage"], [(F.SKILLS, Rule.SKILLS_OFF_STAFF)], id="place-with-skills"
        ),
    ],
)
def test_only_staff_members_have_skills(is_staff: bool, skills: list[str], expected: list) -> None:
    problems = resource_problems(is_staff=is_staff, skills=skills)
    assert [(p.field, p.rule) for p in problems] == expected


# --- blocks -------------------------------------------------------------------------------


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


BERLIN = "Europe/Berlin"
# Tuesday 3 March 2026, 10:00-11:00 in Berlin (UTC+1).
ONE_OFF = Block(start=utc("2026-03-03T09:00"), end=utc("2026-03-03T10:00"), zone=BERLIN)
WEEKLY = replace(ONE_OFF, weekdays=frozenset({1}))


@pytest.mark.parametrize(
    "block",
    [
        pytest.param(ONE_OFF, id="one-off"),
        pytest.param(replace(ONE_OFF, end=utc("2026-03-10T10:00")), id="one-off-over-days"),
        pytest.param(replace(WEEKLY, repeat_until=date(2026, 3, 3)), id="weekly-until-its-day"),
        pytest.param(
            replace(WEEKLY, start=utc("2026-03-03T21:00"), end=utc("2026-03-04T05:00")),
            id="weekly-overnight",
        ),
        # Saturday 28 March 22:30 to Sunday 22:00 in Berlin, over the night the clocks go
        # forward: 23.5 wall-clock hours (22.5 real ones).
        pytest.param(
            replace(WEEKLY, start=utc("2026-03-28T21:30"), end=utc("2026-03-29T20:00")),
            id="weekly-over-a-clock-change",
        ),
    ],
)
def test_consistent_blocks_pass(block: Block) -> None:
    assert block_problems(block) == []


@pytest.mark.parametrize(
    "block, expected",
    [
        pytest.param(
            replace(ONE_OFF, end=ONE_OFF.start), [(F.END_TIME, Rule.BLOCK_BACKWARDS)], id="empty"
        ),
        pytest.param(
            replace(WEEKLY, end=utc("2026-03-03T08:00"), repeat_until=date(2026, 1, 1)),
            [(F.END_TIME, Rule.BLOCK_BACKWARDS)],
            id="backwards-says-only-that",
        ),
        pytest.param(
            replace(ONE_OFF, repeat_until=date(2026, 6, 30)),
            [(F.WEEKDAYS, Rule.REPEAT_WITHOUT_WEEKDAYS)],
            id="until-without-weekdays",
        ),
        pytest.param(
            replace(WEEKLY, end=utc("2026-03-04T09:00")),
            [(F.END_TIME, Rule.WEEKLY_BLOCK_TOO_LONG)],
            id="weekly-a-whole-day",
        ),
        pytest.param(
            replace(WEEKLY, repeat_until=date(2026, 3, 2)),
            [(F.REPEAT_UNTIL, Rule.REPEAT_BEFORE_START)],
            id="until-before-start",
        ),
        # 23:30Z on 2 March is already 3 March in Berlin: the local date decides.
        pytest.param(
            replace(
                WEEKLY,
                start=utc("2026-03-02T23:30"),
                end=utc("2026-03-03T00:30"),
                repeat_until=date(2026, 3, 2),
            ),
            [(F.REPEAT_UNTIL, Rule.REPEAT_BEFORE_START)],
            id="until-before-local-start",
        ),
        # Saturday 28 March 03:30 to Sunday 03:30 in Berlin: 23 real hours (the clocks go
        # forward) but a whole day on the wall clock, which the repetitions follow.
        pytest.param(
            replace(
                WEEKLY,
                start=utc("2026-03-28T02:30"),
                end=utc("2026-03-29T01:30"),
                repeat_until=date(2026, 3, 1),
            ),
            [(F.END_TIME, Rule.WEEKLY_BLOCK_TOO_LONG), (F.REPEAT_UNTIL, Rule.REPEAT_BEFORE_START)],
            id="every-problem-at-once",
        ),
    ],
)
def test_contradicting_blocks_name_their_field_and_rule(
    block: Block, expected: list[tuple[SetupField, Rule]]
) -> None:
    assert [(p.field, p.rule) for p in block_problems(block)] == expected


# --- slugs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, slug",
    [
        pytest.param("Meeting room, 1 hour", "meeting-room-1-hour", id="words"),
        pytest.param("Salle Été n°2", "salle-ete-n-2", id="accents"),
        pytest.param("  --Court__A--  ", "court-a", id="edges"),
        pytest.param("Straße", "strasse", id="casefold"),
        pytest.param("会议室", "", id="nothing-left"),
        pytest.param("a" * 79 + " b", "a" * 79, id="cut-without-a-trailing-hyphen"),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_a_taken_slug_gets_the_first_free_suffix() -> None:
    assert free_slug("Studio", set()) == "studio"
    assert free_slug("Studio", {"studio", "studio-2"}) == "studio-3"
    assert free_slug("会议室", {"item"}) == "item-2"
    assert free_slug("!!", set(), fallback="service") == "service"


def test_a_suffixed_slug_still_fits() -> None:
    long = "x" * 100
    slug = free_slug(long, {"x" * SLUG_MAX_LENGTH})
    assert slug == "x" * (SLUG_MAX_LENGTH - 2) + "-2"
    assert len(slug) == SLUG_MAX_LENGTH


def test_every_rule_has_a_message() -> None:
    assert set(MESSAGES) == set(Rule)


def test_the_rules_import_no_web_or_database_code() -> None:
    tree = ast.parse(Path(rules.__file__).read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    # flask_babel only marks the messages for translation.
    assert imported - {"__future__", "flask_babel"} <= sys.stdlib_module_names
    assert not imported & {"flask", "sqlalchemy", "flask_sqlalchemy", "wtforms", "pydantic"}


DUO = replace(
    FIXED,
    variant_minutes=(60, 60),
    variant_staff_counts=(1, 2),
    required_skills=frozenset({"facial"}),
    resources=(ROOM, FACIALIST, MASSEUR),
)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        pytest.param(DUO, [], id="two-qualified-for-a-duo"),
        pytest.param(
            replace(DUO, variant_staff_counts=(3,)),
            [(F.VARIANTS, Rule.TEAM_LARGER_THAN_STAFF)],
            id="three-needed-two-qualified",
        ),
        pytest.param(
            replace(DUO, required_skills=frozenset({"massage"})),
            [(F.VARIANTS, Rule.TEAM_LARGER_THAN_STAFF)],
            id="only-one-has-the-skill",
        ),
        pytest.param(
            replace(FIXED, variant_staff_counts=(2,)),
            [(F.VARIANTS, Rule.TEAM_WITHOUT_SKILLS)],
            id="a-team-of-nobody",
        ),
    ],
)
def test_an_option_s_team_must_exist(policy: ServicePolicy, expected: list) -> None:
    assert found(policy) == expected


def test_a_team_too_large_is_quoted() -> None:
    (problem,) = service_problems(replace(DUO, variant_staff_counts=(3,)))
    assert problem.params == {"n": 3, "m": 2}
