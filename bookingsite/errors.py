"""One catalogue of domain errors: a stable code, an HTTP status and a translatable
message with named placeholders. The API renders them as JSON, pages put the message
on the form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class ErrorKind:
    code: str
    status: int
    message: Any  # a lazy translatable string with %(name)s placeholders


SLOT_TAKEN = ErrorKind("SLOT_TAKEN", 409, _l("Sorry, someone else has just taken this time."))
SLOT_UNAVAILABLE = ErrorKind("SLOT_UNAVAILABLE", 422, _l("This time cannot be booked: %(reason)s"))
HOLD_EXPIRED = ErrorKind(
    "HOLD_EXPIRED", 409, _l("Your hold has expired. Please choose a time again.")
)
NOT_FOUND = ErrorKind("NOT_FOUND", 404, _l("Not found."))
INVALID_STATE = ErrorKind(
    "INVALID_STATE", 409, _l("This booking is %(status)s, so that cannot be done.")
)
TOO_LATE_TO_CANCEL = ErrorKind(
    "TOO_LATE_TO_CANCEL",
    409,
    _l("It is too late to cancel this booking online. Please contact the venue."),
)
TOO_LATE_TO_CHANGE = ErrorKind(
    "TOO_LATE_TO_CHANGE",
    409,
    _l("It is too late to change the time of this booking online. Please contact the venue."),
)
PAST_CHANGE_CUTOFF = ErrorKind(
    "PAST_CHANGE_CUTOFF",
    422,
    _l("The customer's deadline for changing the time has passed: override it, with a reason."),
)
VALIDATION_ERROR = ErrorKind("VALIDATION_ERROR", 422, _l("Some fields need your attention."))
UNAUTHORIZED = ErrorKind("UNAUTHORIZED", 401, _l("A valid API key is required."))
FORBIDDEN = ErrorKind("FORBIDDEN", 403, _l("This key may not do that."))
IDEMPOTENCY_MISMATCH = ErrorKind(
    "IDEMPOTENCY_KEY_REUSED",
    422,
    _l("This Idempotency-Key was already used with a different request."),
)
RATE_LIMITED = ErrorKind("RATE_LIMITED", 429, _l("Too many requests. Please slow down."))
BAD_REQUEST = ErrorKind("BAD_REQUEST", 400, _l("The request could not be understood."))
CSRF_FAILED = ErrorKind(
    "CSRF_FAILED", 400, _l("The form expired. Please reload the page and try again.")
)


class DomainError(Exception):
    def __init__(
        self,
        kind: ErrorKind,
        *,
        fields: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(kind.code)
        self.kind = kind
        self.fields = fields or {}
        self.extra = extra or {}
        self.params = params

    @property
    def code(self) -> str:
        return self.kind.code

    @property
    def status(self) -> int:
        return self.kind.status

    @property
    def message(self) -> str:
        text = str(self.kind.message)
        return text % {k: str(v) for k, v in self.params.items()} if self.params else text

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = {k: str(v) for k, v in self.fields.items()}
        body.update(self.extra)
        return {"error": body}


# Appended by the partner API.
IDEMPOTENCY_IN_PROGRESS = ErrorKind(
    "IDEMPOTENCY_IN_PROGRESS",
    409,
    _l("A request with this Idempotency-Key is still being processed. Retry shortly."),
)

# Appended by the integrity work: caps on live holds, and transactions that kept losing
# to other transactions' timing.
TOO_MANY_HOLDS = ErrorKind(
    "TOO_MANY_HOLDS",
    429,
    _l(
        "You already hold %(count)s times that are not confirmed yet. Confirm or cancel"
        " one of them, or wait until they expire, then try again."
    ),
)
BUSY = ErrorKind(
    "BUSY", 503, _l("The booking system is very busy right now. Please try again in a moment.")
)

# Appended for deactivation: the API refuses to switch off what still has bookings to
# come unless told `force=true`; the JSON adds the count as `futureBookings`.
HAS_FUTURE_BOOKINGS = ErrorKind(
    "HAS_FUTURE_BOOKINGS",
    409,
    _l(
        "Bookings still to come: %(count)s. They would stay as they are; send force=true"
        " to deactivate anyway."
    ),
)

# Appended for bounded input: bodies over MAX_CONTENT_LENGTH.
PAYLOAD_TOO_LARGE = ErrorKind("PAYLOAD_TOO_LARGE", 413, _l("This request is too large."))

# Appended for webhooks: a delivery is sent again only to an endpoint that is switched on.
WEBHOOK_ENDPOINT_DISABLED = ErrorKind(
    "WEBHOOK_ENDPOINT_DISABLED",
    409,
    _l("This webhook endpoint is disabled. Enable it first, then send the delivery again."),
)

# Appended for the exact OpenAPI document: a request whose every field has the form the
# document gives it, but whose values together break a rule that no schema states (an end
# before its start, periods out of order, an option of another service, an unknown
# cursor). VALIDATION_ERROR stays for what the document does state (types, bounds,
# patterns, required and null).
RULE_BROKEN = ErrorKind(
    "RULE_BROKEN", 422, _l("These values are well formed but break a rule: see the fields.")
)
