"""Shared web plumbing: error pages (HTML or JSON), and the htmx partial helper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Flask,
    Response,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from bookingsite import TZ_RULES_VERSION, errors, setup_revision
from bookingsite.errors import DomainError
from bookingsite.extensions import db

HTTP_ERROR_KINDS = {
    400: errors.BAD_REQUEST,
    401: errors.UNAUTHORIZED,
    403: errors.FORBIDDEN,
    404: errors.NOT_FOUND,
    413: errors.PAYLOAD_TOO_LARGE,
    429: errors.RATE_LIMITED,
}


def wants_json() -> bool:
    return request.path.startswith("/v1")


def is_htmx() -> bool:
    # History restores need the whole page, not a fragment.
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def see_other(target: str) -> Response:
    """After a successful form post: a 303 to `target`, or for htmx (which would swap the
    answer into the fragment) an empty answer telling it to go there."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)


def render_page(page: str, partial: str, status: int = 200, **context: Any) -> Response:
    """One URL, two shapes: the partial alone for htmx, else the full page."""
    template = partial if is_htmx() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def error_response(error: DomainError) -> Response:
    if wants_json():
        response = jsonify(error.to_json())
    else:
        response = make_response(
            render_template("error.html", error=error, status=error.status), error.status
        )
    response.status_code = error.status
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(DomainError, error_response)

    @app.teardown_request
    def _forget_setup_revision(_exc: BaseException | None) -> None:
        # Each request reads the revision afresh, even where requests share a session
        # and its transaction (a test's app context spans many).
        setup_revision.forget_read(db.session())

    @app.get("/healthz")
    def healthz() -> Response:
        """For load balancers (and the benchmark's baseline): no database, no template.
        Also says which IANA time-zone rules the app follows ("system": the host's)."""
        return jsonify(status="ok", tzdata=TZ_RULES_VERSION or "system")

    @app.get("/favicon.ico")
    def favicon() -> Response:
        """Browsers ask for it at the root whatever the page links; the SVG serves both.
        Read whole (not streamed), so no file stays open whatever the client does."""
        icon = Path(app.static_folder or "", "favicon.svg").read_bytes()
        response = Response(icon, mimetype="image/svg+xml")
        response.cache_control.max_age = 86400
        response.cache_control.public = True
        return response

    @app.errorhandler(CSRFError)
    def _csrf(_exc: CSRFError) -> Response:
        return error_response(DomainError(errors.CSRF_FAILED))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        kind = HTTP_ERROR_KINDS.get(exc.code or 500)
        if kind is None:
            kind = errors.ErrorKind(exc.name.upper().replace(" ", "_"), exc.code or 500, exc.name)
        response = error_response(DomainError(kind))
        if exc.code == 405 and hasattr(exc, "valid_methods"):
            response.headers["Allow"] = ", ".join(exc.valid_methods or ())
        if exc.code == 429:
            retry = getattr(exc, "retry_after", None)
            if retry:
                response.headers["Retry-After"] = str(int(retry))
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        app.logger.exception("unhandled error")
        kind = errors.ErrorKind("INTERNAL_ERROR", 500, _("Something went wrong on our side."))
        return error_response(DomainError(kind))
