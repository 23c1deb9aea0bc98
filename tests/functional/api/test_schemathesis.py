"""Schemathesis against /v1/openapi.json, in-process (WSGI), with a partner key that has
the manage scope and a venue with a room, a fixed, an hourly and a daily service, so
that generated ids sometimes hit real rows.

A fixed, small example budget per operation and a derandomized run: the same cases
every time, well under a minute. Positive and negative data alike must get no 5xx and
answers that match the document (status, content type, headers, body schema)."""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.functional.api.conftest import Api, create_room_service

EXAMPLES_PER_OPERATION = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def seeded(api: Api) -> Api:
    create_room_service(api)
    ids = create_room_service(
        api, variants=None, durationRange={"unit": "HOUR", "minMinutes": 60, "maxMinutes": 240}
    )
    create_room_service(
        api, variants=None, durationRange={"unit": "DAY", "minDays": 1, "maxDays": 3}
    )
    api.post(
        "/v1/bookings",
        {
            "serviceId": ids["service"],
            "startTime": "2026-03-02T09:00:00Z",
            "endTime": "2026-03-02T11:00:00Z",
        },
    )
    return api


def run_operation(
    operation, mode: GenerationMode, headers: dict, tally: Counter, failures: list
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def exercise(case) -> None:
        response = case.call(headers=headers)
        tally["examples"] += 1
        tally[f"{response.status_code // 100}xx"] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except BaseExceptionGroup as failure:  # collected, then reported at once
            failures.extend(
                f"{operation.label} [{mode.value}]: {type(f).__name__}: {f}"
                for f in failure.exceptions
            )

    exercise()


@pytest.mark.usefixtures("backend")
def test_schemathesis_finds_no_server_errors_or_schema_violations(app: Flask, seeded: Api) -> None:
    schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {seeded.key}"}
    tally: Counter = Counter()
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run_operation(operation, mode, headers, tally, failures)

    print(f"schemathesis: {len(operations)} operations, {dict(tally)}, {len(failures)} failures")
    assert tally["examples"] >= len(operations) * 2
    assert tally["5xx"] == 0
    assert failures == []
