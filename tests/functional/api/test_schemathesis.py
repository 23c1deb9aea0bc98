"""Schemathesis against /v1/openapi.json, in-process (WSGI), with a partner key that has
the manage scope and a venue with a room, a fixed, an hourly and a daily service, so
that generated ids sometimes hit real rows.

A fixed, small example budget per operation and a derandomized run: the same cases
every time, well under a minute. Each example's answer goes through every check below,
one at a time, and the counts are printed per check and per generation mode (`pytest -s`
shows them; so does the CI log).

Every answer, to positive and negative data alike: no 5xx, and it matches the document
(status, content type, headers, body schema).

What "accepted" and "refused" mean here:

- Positive data (valid by the document) is *accepted*: a 2xx, or a 304 to a matching
  `If-None-Match`. The server may still turn it down for a reason that no schema can
  express, and that is a *domain refusal*, not a mismatch: 401/403 (the key), 404
  NOT_FOUND (an id that names nothing the key can see), 409 (a taken slot, a booking's
  state, an idempotency key in flight, bookings still to come), 422 with a domain code
  (a time the rules do not offer, an idempotency key reused with another body), 429
  (the rate limit, the cap on live holds). What it must never answer is the refusal the
  API gives a malformed request — 422 VALIDATION_ERROR (a field not of its documented
  form, or fields that together break a rule) or 400 BAD_REQUEST — nor 413: the
  document promised the request was well formed, so either the document or the server
  is wrong. Schemathesis's `positive_data_acceptance` judges the status (set to the
  statuses above); `positive_data_not_called_malformed` judges the code, which a
  status alone cannot tell apart.
- Negative data (invalid by the document) is *refused*: any 4xx, which
  `negative_data_rejection` judges (set to 4xx, without its default's 5xx, which
  `not_a_server_error` fails anyway). A 2xx or 3xx is "refused by the schema, accepted
  by the server". The few negative cases whose only invalid part is the Authorization
  header get the real key instead (the headers below), so that Schemathesis rightly
  does not count their 2xx."""

from __future__ import annotations

from collections import Counter

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import Failure
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.functional.api.conftest import Api, create_room_service

EXAMPLES_PER_OPERATION = 25
# The codes of a malformed request; see the module docstring.
MALFORMED = frozenset({"VALIDATION_ERROR", "BAD_REQUEST", "PAYLOAD_TOO_LARGE"})
DOMAIN_REFUSALS = ["401", "403", "404", "409", "422", "429"]
CONFIG = {
    "checks": {
        "positive_data_acceptance": {"expected-statuses": ["2xx", "304", *DOMAIN_REFUSALS]},
        "negative_data_rejection": {"expected-statuses": ["4xx"]},
    }
}


class CalledMalformed(Failure):
    """Schema-valid data answered as if it were malformed."""

    code = "BS001"
    checks = ("positive_data_not_called_malformed",)
    kind_title = "Schema-valid request refused as malformed"

    @property
    def _unique_key(self) -> str:
        return self.message


def positive_data_not_called_malformed(ctx, response, case) -> None:
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if not 400 <= response.status_code < 500:
        return None
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = None
    if code is None or code in MALFORMED:
        raise CalledMalformed(
            operation=case.operation.label,
            message=f"{response.status_code} {code}: {response.content[:300]!r}\n"
            f"query={case.query!r} body={case.body!r}"[:2000],
        )
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    positive_data_acceptance,
    positive_data_not_called_malformed,
    negative_data_rejection,
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


class Tally:
    """Examples per generation mode, and failures per check and mode."""

    def __init__(self) -> None:
        self.examples: Counter = Counter()
        self.statuses: Counter = Counter()
        self.failures: Counter = Counter()
        self.messages: list[str] = []

    def report(self, operations: int) -> str:
        lines = [f"schemathesis: {operations} operations, {EXAMPLES_PER_OPERATION} max each"]
        for mode in GenerationMode:
            statuses = {k[1]: v for k, v in sorted(self.statuses.items()) if k[0] == mode}
            lines.append(f"  {mode.value}: {self.examples[mode]} examples, {statuses}")
            for check in CHECKS:
                failed = self.failures[mode, check.__name__]
                lines.append(f"    {check.__name__:<36} {failed} failures")
        return "\n".join(lines)


def run_operation(operation, mode: GenerationMode, headers: dict, tally: Tally) -> None:
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
        tally.examples[mode] += 1
        tally.statuses[mode, f"{response.status_code // 100}xx"] += 1
        for check in CHECKS:
            try:
                case.validate_response(response, checks=[check], headers=headers)
            except BaseExceptionGroup as group:  # collected, then reported at once
                failures = group.exceptions
            except Failure as failure:
                failures = (failure,)
            else:
                continue
            tally.failures[mode, check.__name__] += 1
            tally.messages.extend(
                f"{operation.label} [{mode.value}] {check.__name__}: {f}" for f in failures
            )

    exercise()


@pytest.mark.usefixtures("backend")
def test_schemathesis_finds_no_server_errors_or_schema_mismatches(app: Flask, seeded: Api) -> None:
    config = SchemathesisConfig.from_dict(CONFIG)
    schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", app, config=config)
    headers = {"Authorization": f"Bearer {seeded.key}"}
    tally = Tally()
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run_operation(operation, mode, headers, tally)

    print(tally.report(len(operations)))
    assert all(tally.examples[mode] >= len(operations) for mode in GenerationMode)
    assert tally.messages == []
