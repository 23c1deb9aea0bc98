"""One decorator declares an operation: its route, its schemas, its errors.

The same declaration routes the request, authenticates it, parses the body and query
with the pydantic models, renders the answer with the response model, and feeds the
OpenAPI document (openapi.py). Views only see parsed values and return models."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Response, jsonify
from pydantic import BaseModel

from bookingsite import errors
from bookingsite.api import access, bp
from bookingsite.api.idempotency import idempotent
from bookingsite.api.parsing import parse_body, parse_query
from bookingsite.errors import ErrorKind
from bookingsite.extensions import db
from bookingsite.integrity import begin_write
from bookingsite.models import Scope


@dataclass(frozen=True)
class Operation:
    method: str
    rule: str
    endpoint: str
    summary: str
    tag: str
    description: str = ""
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    errors: tuple[ErrorKind, ...] = ()
    scope: Scope = Scope.READ
    public: bool = False
    search: bool = False
    # The answer carries an ETag, and a matching If-None-Match gets 304 with no body.
    conditional: bool = False
    path_params: tuple[str, ...] = field(default=())

    @property
    def writes(self) -> bool:
        """Whether the operation may change data: a search is a POST that only reads."""
        return self.method != "GET" and not self.search

    @property
    def idempotent(self) -> bool:
        """Whether an Idempotency-Key makes retries safe (and replays the first answer):
        partners' POSTs that change data; a search is answered afresh each time."""
        return self.method == "POST" and self.writes and not self.public

    @property
    def path(self) -> str:
        """The OpenAPI path: /v1/bookings/{bookingId}."""
        return (bp.url_prefix or "") + re.sub(
            r"<(?:\w+:)?(\w+)>", lambda m: "{" + _camel(m.group(1)) + "}", self.rule
        )

    @property
    def statuses(self) -> dict[int, tuple[ErrorKind, ...]]:
        """Every error status the operation can answer, with the kinds behind it."""
        kinds = list(self.errors)
        if not self.public:
            kinds += [errors.UNAUTHORIZED, errors.FORBIDDEN, errors.RATE_LIMITED]
        if self.body or self.query or self.method == "POST":
            kinds.append(errors.VALIDATION_ERROR)
        if self.body or self.query:  # well-formed values against a rule no schema states
            kinds.append(errors.RULE_BROKEN)
        if self.path_params or self.body or self.query:  # ids in paths and bodies
            kinds.append(errors.NOT_FOUND)
        if self.idempotent:
            kinds += [errors.IDEMPOTENCY_MISMATCH, errors.IDEMPOTENCY_IN_PROGRESS]
        grouped: dict[int, tuple[ErrorKind, ...]] = {}
        for kind in kinds:
            if kind not in grouped.get(kind.status, ()):
                grouped[kind.status] = grouped.get(kind.status, ()) + (kind,)
        return dict(sorted(grouped.items()))


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


OPERATIONS: list[Operation] = []


def render(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(status=204)
    # A model, or (where an answer is large) its JSON form already (present.Wire).
    wire = (
        result.model_dump(mode="json", by_alias=True) if isinstance(result, BaseModel) else result
    )
    response = jsonify(wire)
    response.status_code = status
    return response


def operation(
    method: str,
    rule: str,
    *,
    summary: str,
    tag: str,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    errors: tuple[ErrorKind, ...] = (),
    scope: Scope = Scope.READ,
    public: bool = False,
    search: bool = False,
    conditional: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        op = Operation(
            method=method,
            rule=rule,
            endpoint=view.__name__,
            summary=summary,
            tag=tag,
            description=(view.__doc__ or "").strip(),
            body=body,
            query=query,
            response=response,
            status=status,
            errors=errors,
            scope=scope,
            public=public,
            search=search,
            conditional=conditional,
            path_params=tuple(re.findall(r"<(?:\w+:)?(\w+)>", rule)),
        )
        OPERATIONS.append(op)

        def run(**path_args: Any) -> Response:
            if op.writes:
                # SQLite: take the write lock up front rather than fail to upgrade a read.
                begin_write(db.session())
            kwargs = dict(path_args)
            if body is not None:
                kwargs["body"] = parse_body(body)
            if query is not None:
                kwargs["query"] = parse_query(query)
            return render(view(**kwargs), status)

        if op.idempotent:
            run = idempotent(run)

        @wraps(view)
        def endpoint(**path_args: Any) -> Response:
            if not public:
                access.authenticate(scope=scope)
            return run(**path_args)

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=endpoint, methods=[method])
        return view

    return decorate
