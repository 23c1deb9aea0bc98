"""The OpenAPI 3.1 document, built from the operations' declarations and the very
pydantic models that validate requests and shape responses: no hand-kept copy."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import current_app
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from bookingsite.api.idempotency import HEADER as IDEMPOTENCY_HEADER
from bookingsite.api.idempotency import MAX_KEY_LENGTH, REPLAYED_HEADER
from bookingsite.api.routing import OPERATIONS, Operation
from bookingsite.api.schemas import ErrorOut
from bookingsite.api.types import MAX_ID

REF = "#/components/schemas/{model}"
JSON = "application/json"
# What werkzeug's set_etag writes: a strong tag, quoted (availability._etag's digest).
ETAG = {
    "description": "The answer's version: send it back in If-None-Match.",
    "required": True,
    "schema": {"type": "string", "pattern": '^"[0-9a-f]{32}"$'},
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "An ETag of an earlier answer to the same question (or several, "
    "comma-separated, or *): 304 with no body while the answer would be the same.",
    "schema": {"type": "string"},
}


def _components(operations: list[Operation]) -> tuple[dict, dict]:
    wanted: list[tuple[type[BaseModel], str]] = [(ErrorOut, "serialization")]
    for op in operations:
        wanted += [(m, "validation") for m in (op.body, op.query) if m is not None]
        if op.response is not None:
            wanted.append((op.response, "serialization"))
    refs, defs = models_json_schema(list(dict.fromkeys(wanted)), ref_template=REF)
    return refs, defs.get("$defs", {})


def _ref_name(ref: dict) -> str:
    return ref["$ref"].rsplit("/", 1)[-1]


def _present(schema: dict) -> dict:
    """A query parameter's schema: a query string cannot say null, so an optional
    parameter is simply left out; its null branch (and null default) would tell clients
    to send the text "null", which is refused."""
    schema = dict(schema)
    if schema.get("default", ...) is None:
        del schema["default"]
    branches = [b for b in schema.pop("anyOf", []) if b != {"type": "null"}]
    if len(branches) == 1:
        schema |= branches[0]
    elif branches:
        schema["anyOf"] = branches
    return schema


def _query_parameters(op: Operation, refs: dict, schemas: dict) -> list[dict]:
    model = schemas[_ref_name(refs[(op.query, "validation")])]
    required = set(model.get("required", ()))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": _present(schema)}
        for name, schema in model["properties"].items()
    ]


def _parameters(op: Operation, refs: dict, schemas: dict) -> list[dict]:
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        }
        for name in (p for p in op.path.split("/") if p.startswith("{"))
        for name in [name.strip("{}")]
    ]
    if op.query is not None:
        parameters += _query_parameters(op, refs, schemas)
    if op.conditional:
        parameters.append(IF_NONE_MATCH)
    if op.idempotent:
        parameters.append(
            {
                "name": IDEMPOTENCY_HEADER,
                "in": "header",
                "required": False,
                "description": "Retry safely: the same key and body replay the first answer "
                "for 24 hours; the same key with another body is refused.",
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_KEY_LENGTH,
                    "pattern": "^[ -~]+$",
                },
            }
        )
    return parameters


def _responses(op: Operation, refs: dict) -> dict[str, Any]:
    error = {JSON: {"schema": refs[(ErrorOut, "serialization")]}}
    responses: dict[str, Any] = {}
    if op.response is None:
        responses[str(op.status)] = {"description": "Done."}
    else:
        responses[str(op.status)] = {
            "description": op.summary,
            "content": {JSON: {"schema": refs[(op.response, "serialization")]}},
        }
        if op.idempotent:
            responses[str(op.status)]["headers"] = {
                REPLAYED_HEADER: {
                    "description": "Present on a replayed answer.",
                    "schema": {"type": "string", "enum": ["true"]},
                }
            }
        if op.conditional:
            responses[str(op.status)]["headers"] = {"ETag": ETAG}
            responses["304"] = {
                "description": "Not modified: If-None-Match names the answer's ETag.",
                "headers": {"ETag": ETAG},
            }
    for status, kinds in op.statuses.items():
        responses[str(status)] = {
            "description": ", ".join(kind.code for kind in kinds),
            "content": error,
        }
        if status == 429:
            responses[str(status)]["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait.",
                    "schema": {"type": "string", "pattern": "^[0-9]+$"},
                }
            }
    return responses


def _operation(op: Operation, refs: dict, schemas: dict) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "operationId": op.endpoint,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": _parameters(op, refs, schemas),
        "responses": _responses(op, refs),
    }
    if op.description:
        spec["description"] = op.description
    if not op.public:
        # OpenAPI 3.1 lets a bearer scheme list roles: the key's scope at the venue.
        spec["security"] = [{"bearerAuth": [op.scope.value]}]
        needs = f"Needs a key with the `{op.scope.value}` scope at the venue concerned."
        spec["description"] = f"{op.description}\n\n{needs}".strip()
    if op.body is not None:
        spec["requestBody"] = {
            "required": any(f.is_required() for f in op.body.model_fields.values()),
            "content": {JSON: {"schema": refs[(op.body, "validation")]}},
        }
    if op.public:
        spec["security"] = []
    return spec


@cache
def _document(version: str) -> dict[str, Any]:
    refs, schemas = _components(OPERATIONS)
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, refs, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "bookingsite partner API",
            "version": version,
            "description": (
                "Hold, confirm, done. JSON in camelCase; instants are ISO-8601 in UTC with "
                "a Z; local wall times only in fields named local...; errors always read "
                '{"error": {"code", "message", "fields"?}}.'
            ),
        },
        "tags": [{"name": name} for name in dict.fromkeys(op.tag for op in OPERATIONS)],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "flask --app app partners create NAME ...",
                }
            },
        },
        "security": [{"bearerAuth": []}],
    }


def document() -> dict[str, Any]:
    return _document(current_app.config.get("API_VERSION", "1.0.0"))
