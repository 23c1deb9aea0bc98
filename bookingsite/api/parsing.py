"""Turn request bodies and query strings into schema objects, and pydantic's complaints
into one error whose fields are keyed by the camelCase JSON names.

Two codes, and the line between them is the OpenAPI document's: VALIDATION_ERROR for a
value the document already refuses (type, bound, pattern, required, null), RULE_BROKEN
for well-formed values that break a rule no schema states (an end before its start,
periods out of order). A request with both is malformed: VALIDATION_ERROR, with every
field's message."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from flask import request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError

from bookingsite import errors
from bookingsite.errors import DomainError
from bookingsite.setup_rules import Problem, SetupField

BODY = "body"
M = TypeVar("M", bound=BaseModel)


class FieldProblem(ValueError):
    """Raised by a model-level validator to pin its message on one field: a value the
    document refuses (VALIDATION_ERROR)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field


class BrokenRule(FieldProblem):
    """Raised by a validator whose rule the document cannot state: the request is well
    formed, and refused with RULE_BROKEN. Without a field, the message lands on the
    field the validator checks."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(field, message)


def _message(error: dict[str, Any]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error") or error["msg"]).removeprefix("Value error, ")
    if kind == "missing":
        return _("This field is required.")
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind in ("string_too_long", "too_long"):
        return _("At most %(n)s allowed.", n=ctx.get("max_length"))
    if kind in ("string_too_short", "too_short"):
        return _("At least %(n)s needed.", n=ctx.get("min_length"))
    if kind == "greater_than_equal":
        return _("Must be at least %(n)s.", n=ctx.get("ge"))
    if kind == "less_than_equal":
        return _("Must be at most %(n)s.", n=ctx.get("le"))
    if kind in ("literal_error", "enum", "union_tag_invalid", "union_tag_not_found"):
        return _("Must be one of: %(choices)s.", choices=ctx.get("expected", ""))
    if kind.startswith(("datetime", "timezone")):
        return _("Give an ISO-8601 instant with its offset, like 2026-03-01T09:00:00Z.")
    if kind.startswith("date"):
        return _("Give a date as YYYY-MM-DD.")
    if kind.startswith("int"):
        return _("Give a whole number.")
    if kind.startswith("bool"):
        return _("Give true or false.")
    if kind == "multiple_of":
        return _("Must be a multiple of %(n)s.", n=ctx.get("multiple_of"))
    if kind == "string_pattern_mismatch":
        return _("This value does not have the expected format.")
    if kind in ("string_type", "dict_type", "list_type", "model_type", "model_attributes_type"):
        return _("This value has the wrong type.")
    return _("This value is not valid.")


def _field(error: dict[str, Any]) -> str:
    problem = (error.get("ctx") or {}).get("error")
    if isinstance(problem, FieldProblem) and problem.field:
        return problem.field
    # Union members and dict keys add noise to the location; keep the JSON path.
    parts = [str(p) for p in error["loc"] if not (isinstance(p, str) and p in ("HOUR", "DAY"))]
    parts = [p for p in parts if not p.startswith(("function-", "[key]"))]
    return ".".join(parts) or BODY


def _broken_rule(error: dict[str, Any]) -> bool:
    return isinstance((error.get("ctx") or {}).get("error"), BrokenRule)


def validation_error(exc: ValidationError, prefix: str = "") -> DomainError:
    fields: dict[str, str] = {}
    for error in exc.errors():
        fields.setdefault(prefix + _field(error), _message(error))
    rules_only = all(_broken_rule(error) for error in exc.errors())
    return DomainError(errors.RULE_BROKEN if rules_only else errors.VALIDATION_ERROR, fields=fields)


def invalid(field: str, message: str) -> DomainError:
    """A value the document refuses."""
    return DomainError(errors.VALIDATION_ERROR, fields={field: message})


def broken(field: str, message: str) -> DomainError:
    """Well-formed values that break a rule no schema states."""
    return DomainError(errors.RULE_BROKEN, fields={field: message})


def setup_error(problems: Sequence[Problem], fields: Mapping[SetupField, str]) -> DomainError:
    """The set-up rules' problems (one field against another, the resources chosen) as
    one RULE_BROKEN, each on its JSON field."""
    messages: dict[str, str] = {}
    for problem in problems:
        messages.setdefault(fields[problem.field], problem.message)
    return DomainError(errors.RULE_BROKEN, fields=messages)


def _requires_something(model: type[BaseModel]) -> bool:
    return any(f.is_required() for f in model.model_fields.values())


def parse_body(model: type[M]) -> M:
    raw = request.get_data(cache=True)
    if not raw.strip() and not _requires_something(model):
        data: Any = {}
    else:
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            raise invalid(BODY, _("The body must be a JSON object.")) from None
    if not isinstance(data, dict):
        raise invalid(BODY, _("The body must be a JSON object."))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc) from None
    except RecursionError:
        raise invalid(BODY, _("The body is nested too deeply.")) from None


def parse_query(model: type[M]) -> M:
    data = {key: request.args.get(key) for key in request.args}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc) from None
