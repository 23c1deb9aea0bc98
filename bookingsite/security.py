"""What a site on the internet needs beyond its views: the secret key, cookie flags, the
reverse proxy's word on client address and scheme, and security headers on every
response (pages, htmx partials, JSON, error pages, static files)."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

SECRET_KEY_FILE = "secret_key"
# Shorter is guessable, or a placeholder left in place (token_hex(32) gives 64 characters).
MIN_PRODUCTION_KEY_LENGTH = 32

# No inline scripts, no eval: every script is a file of ours. Style *attributes* stay
# allowed (the admin timeline and reports place bars with `style="left: …%"`); style
# elements and stylesheets must come from us, so htmx's injected indicator <style> is off
# (htmx-config in base.html) and its rules live in site.css.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Full referrer to ourselves (Flask-WTF checks it on HTTPS posts), none elsewhere, so
    # that a manage link's token never leaves the site.
    "Referrer-Policy": "same-origin",
}

# One year; sent only over HTTPS (over plain HTTP browsers ignore it anyway).
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


class MissingSecretKey(RuntimeError):
    pass


def init_app(app: Flask) -> None:
    _require_or_create_secret_key(app)
    if app.config["PRODUCTION"]:
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    trusted_proxies = int(app.config["TRUSTED_PROXIES"])
    if trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted_proxies, x_proto=trusted_proxies)
    app.after_request(_add_security_headers)


def _require_or_create_secret_key(app: Flask) -> None:
    key = app.config.get("SECRET_KEY")
    if app.config["PRODUCTION"]:
        if not key or len(str(key)) < MIN_PRODUCTION_KEY_LENGTH:
            raise MissingSecretKey(
                f"BOOKINGSITE_SECRET_KEY is not set, or shorter than {MIN_PRODUCTION_KEY_LENGTH} "
                "characters. In production (BOOKINGSITE_PRODUCTION=1) the key that signs "
                "sessions and CSRF tokens must be set, the same on every worker; make one with "
                "python3 -c 'import secrets; print(secrets.token_hex(32))'"
            )
    elif not key:
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))


def instance_secret_key(instance_path: Path) -> str:
    """The key in the instance folder, made once on first start and reused (mode 0600).

    Several processes may start at once: each writes a candidate to its own file and
    links it into place, which succeeds for one of them; the others read the winner's."""
    path = instance_path / SECRET_KEY_FILE
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        candidate = instance_path / f".{SECRET_KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32))
        try:
            with contextlib.suppress(FileExistsError):  # another process won: use its key
                os.link(candidate, path)
        finally:
            candidate.unlink()
    return path.read_text().strip()


def _add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    return response
