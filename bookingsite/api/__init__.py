"""The partner JSON API under /v1: keys, set-up, availability, bookings, OpenAPI.

Every call but the document and its page needs `Authorization: Bearer <key>`; limits
count per key (Flask-Limiter, API_RATE_LIMIT); CSRF does not apply (no cookies)."""

from flask import Blueprint, Response, current_app
from flask_limiter.errors import RateLimitExceeded

from bookingsite import errors
from bookingsite.errors import DomainError
from bookingsite.extensions import csrf, limiter

bp = Blueprint("api", __name__, url_prefix="/v1")
csrf.exempt(bp)


def _rate_limit() -> str:
    """The key's own limit, where its managers set one; else the API's."""
    partner = access.key_for_request()
    return (partner and partner.rate_limit) or current_app.config["API_RATE_LIMIT"]


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError) -> Response:
    from bookingsite.web import error_response

    response = error_response(error)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


@bp.errorhandler(RateLimitExceeded)
def _rate_limited(exc: RateLimitExceeded) -> Response:
    from bookingsite.web import error_response

    response = error_response(DomainError(errors.RATE_LIMITED))
    # The whole window is an upper bound; with RATELIMIT_HEADERS_ENABLED Flask-Limiter
    # narrows it to the exact reset time.
    response.headers["Retry-After"] = str(exc.limit.limit.get_expiry())
    return response


from bookingsite.api import access  # noqa: E402

# One budget per key for the whole API, not one per endpoint.
limiter.shared_limit(_rate_limit, scope="api", key_func=access.rate_limit_key)(bp)

from bookingsite.api.views import availability, bookings, changes, docs, setup, webhooks  # noqa: E402, F401
