"""The set-up rules the admin forms and the partner API share: one table per rule family,
each row a set-up and the (field, rule) pairs it must raise."""

from __future__ import annotations

import ast
import sys
from dataclasses import replace
from datetime import time
from pathlib import Path

import pytest

import bookingsite.setup_rules as rules
from bookingsite.setup_rules import (
    MESSAGES,
    ChosenResource,
    Mode,
    Problem,
    Rule,
    ServicePolicy,
    SetupField,
    period_problems,
    service_problems,
)

F = SetupField
ROOM = ChosenResource(is_staff=False)
MASSEUR = ChosenResource(is_staff=True, skills=frozenset({"massage", "facial"}))
FACIALIST = ChosenResource(is_staff=True, skills=frozenset({"facial"}))

FIXED = ServicePolicy(mode=Mode.FIXED, variant_minutes=(60,), alignment_minutes=15,
                      lead_time_minutes=60, horizon_days=30, resources=(ROOM,))
HOURLY = replace(FIXED, mode=Mode.HOURLY, variant_minutes=(), min_minutes=60, max_minutes=240)
DAILY = replace(FIXED, mode=Mode.DAILY, variant_minutes=(), min_days=1, max_days=7)


def found(policy: ServicePolicy) -> list[tuple[SetupField, Rule]]:
    return [(p.field, p.rule) for p in service_problems(policy)]


@pytest.mark.parametrize("policy", [
    pytest.param(FIXED, id="fixed"),
    pytest.param(HOURLY, id="hourly"),
    pytest.param(DAILY, id="daily"),
    pytest.param(replace(FIXED, step_minutes=30), id="step-on-alignment"),
    pytest.param(replace(FIXED, lead_time_minutes=30 * 24 * 60), id="lead-equals-horizon"),
    pytest.param(replace(FIXED, required_skills=frozenset({"massage"}),
                         resources=(ROOM, FACIALIST, MASSEUR)), id="one-staff-has-all-skills"),
    pytest.param(replace(DAILY, min_days=3, max_days=3), id="min-equals-max"),
    pytest.param(replace(DAILY, alignment_minutes=7), id="days-ignore-alignment"),
])
def test_consistent_set_ups_pass(policy: ServicePolicy) -> None:
    assert service_problems(policy) == []


@pytest.mark.parametrize("policy, expected", [
    pytest.param(replace(FIXED, variant_minutes=()), [(F.VARIANTS, Rule.FIXED_WITHOUT_OPTION)],
                 id="fixed-without-option"),
    pytest.param(replace(FIXED, min_minutes=60, max_days=2),
                 [(F.MIN_MINUTES, Rule.RANGE_WITH_FIXED), (F.MAX_DAYS, Rule.RANGE_WITH_FIXED)],
                 id="range-on-fixed"),
    pytest.param(replace(HOURLY, variant_minutes=(60,)), [(F.VARIANTS, Rule.OPTIONS_WITH_RANGE)],
                 id="options-on-range"),
    pytest.param(replace(HOURLY, max_minutes=None), [(F.MAX_MINUTES, Rule.RANGE_INCOMPLETE)],
                 id="range-incomplete"),
    pytest.param(replace(HOURLY, min_minutes=240, max_minutes=60),
                 [(F.MIN_MINUTES, Rule.RANGE_REVERSED)], id="minutes-reversed"),
    pytest.param(replace(DAILY, min_days=5, max_days=2), [(F.MIN_DAYS, Rule.RANGE_REVERSED)],
                 id="days-reversed"),
    pytest.param(replace(DAILY, min_minutes=60), [(F.MIN_MINUTES, Rule.OTHER_UNIT)],
                 id="minutes-on-daily"),
    pytest.param(replace(HOURLY, max_days=2), [(F.MAX_DAYS, Rule.OTHER_UNIT)],
                 id="days-on-hourly"),
    pytest.param(replace(HOURLY, min_minutes=50, max_minutes=125),
                 [(F.MIN_MINUTES, Rule.DURATION_OFF_ALIGNMENT),
                  (F.MAX_MINUTES, Rule.DURATION_OFF_ALIGNMENT)], id="durations-off-alignment"),
    pytest.param(replace(FIXED, step_minutes=20), [(F.GRID_STEP_MINUTES, Rule.STEP_OFF_ALIGNMENT)],
                 id="step-off-alignment"),
    pytest.param(replace(FIXED, lead_time_minutes=30 * 24 * 60 + 1),
                 [(F.LEAD_TIME_MINUTES, Rule.LEAD_TIME_BEYOND_HORIZON)], id="lead-over-horizon"),
    pytest.param(replace(FIXED, resources=()), [(F.RESOURCES, Rule.NO_PLACE)], id="no-resource"),
    pytest.param(replace(FIXED, resources=(MASSEUR,), required_skills=frozenset({"massage"})),
                 [(F.RESOURCES, Rule.NO_PLACE)], id="staff-only"),
    pytest.param(replace(FIXED, required_skills=frozenset({"massage"})),
                 [(F.REQUIRED_SKILLS, Rule.SKILLS_NOBODY_HAS)], id="skills-without-staff"),
    pytest.param(replace(FIXED, required_skills=frozenset({"massage", "yoga"}),
                         resources=(ROOM, MASSEUR, ChosenResource(True, frozenset({"yoga"})))),
                 [(F.REQUIRED_SKILLS, Rule.SKILLS_NOBODY_HAS)], id="skills-split-over-staff"),
    pytest.param(replace(FIXED, resources=(ROOM, MASSEUR)),
                 [(F.REQUIRED_SKILLS, Rule.STAFF_WITHOUT_SKILLS)], id="staff-without-skills"),
    pytest.param(replace(HOURLY, min_minutes=50, step_minutes=20, lead_time_minutes=10**6,
                         resources=()),
                 [(F.MIN_MINUTES, Rule.DURATION_OFF_ALIGNMENT),
                  (F.GRID_STEP_MINUTES, Rule.STEP_OFF_ALIGNMENT),
                  (F.LEAD_TIME_MINUTES, Rule.LEAD_TIME_BEYOND_HORIZON),
                  (F.RESOURCES, Rule.NO_PLACE)], id="every-problem-at-once"),
])
def test_contradictions_name_their_field_and_rule(
    policy: ServicePolicy, expected: list[tuple[SetupField, Rule]]
) -> None:
    assert found(policy) == expected


def test_alignment_problems_carry_the_alignment() -> None:
    [problem] = service_problems(replace(FIXED, step_minutes=20))
    assert problem.params == {"n": 15}
    assert problem.message == "The step must be a multiple of the 15-minute alignment."


def t(text: str) -> time:
    return time.fromisoformat(text)


@pytest.mark.parametrize("periods, expected", [
    pytest.param([], [], id="closed"),
    pytest.param([(t("09:00"), t("12:00")), (t("13:00"), t("18:00"))], [], id="two-periods"),
    pytest.param([(t("13:00"), t("18:00")), (t("09:00"), t("12:00"))], [], id="any-order"),
    pytest.param([(t("09:00"), t("12:00")), (t("12:00"), t("00:00"))], [], id="touching-to-midnight"),
    pytest.param([(t("00:00"), t("00:00"))], [], id="whole-day"),
    pytest.param([(t("18:00"), t("09:00"))], [Rule.PERIOD_BACKWARDS], id="backwards"),
    pytest.param([(t("09:00"), t("09:00"))], [Rule.PERIOD_BACKWARDS], id="empty"),
    pytest.param([(t("09:00"), t("12:00")), (t("11:00"), t("14:00"))], [Rule.PERIODS_OVERLAP],
                 id="overlap"),
    pytest.param([(t("20:00"), t("00:00")), (t("21:00"), t("22:00"))], [Rule.PERIODS_OVERLAP],
                 id="after-a-midnight-close"),
])
def test_period_rules(periods: list[tuple[time, time]], expected: list[Rule]) -> None:
    problems = period_problems(periods)
    assert [p.rule for p in problems] == expected
    assert all(p.field == F.PERIODS for p in problems)


def test_a_backwards_period_is_quoted_in_its_message() -> None:
    [problem] = period_problems([(t("18:00"), t("09:00"))])
    assert problem == Problem(F.PERIODS, Rule.PERIOD_BACKWARDS, {"value": "18:00-09:00"})
    assert problem.message == "The period 18:00-09:00 closes before it opens."


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
