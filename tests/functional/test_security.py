"""Security headers on every kind of response, HSTS only over HTTPS, the production
settings (a required secret key, secure cookies), the instance key outside production,
and the trusted-proxies setting."""

from __future__ import annotations

import stat
from datetime import UTC, datetime

import pytest
from flask import Flask, request

from bookingsite import config, create_app, demo, security
from bookingsite.security import MissingSecretKey

ROOMS = "/venues/spreeblick-rooms/meeting-room-1h"

EXPECTED_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "style-src-attr 'unsafe-inline'; img-src 'self'; connect-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
HSTS = "max-age=31536000"


@pytest.fixture
def app_settings(app_settings: dict) -> dict:
    return app_settings | {"WTF_CSRF_ENABLED": False}


@pytest.fixture
def site(app):
    demo.seed(datetime(2026, 3, 1, tzinfo=UTC))


def log_in_as_admin(client) -> None:
    response = client.post(
        "/admin/login", data={"email": "admin@example.com", "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 302


def csp_directives(header: str) -> dict[str, list[str]]:
    name_and_values = (directive.split() for directive in header.split(";"))
    return {name: values for name, *values in name_and_values}


@pytest.mark.parametrize(
    ("method", "path", "headers", "status", "content_type"),
    [
        pytest.param("GET", "/", {}, 200, "text/html", id="public-page"),
        pytest.param("GET", ROOMS, {"HX-Request": "true"}, 200, "text/html", id="htmx-partial"),
        pytest.param("GET", "/admin/", {}, 200, "text/html", id="admin-page"),
        pytest.param("GET", "/v1/openapi.json", {}, 200, "application/json", id="api-json"),
        pytest.param("GET", "/v1/venues", {}, 401, "application/json", id="api-error-json"),
        pytest.param("GET", "/no-such-page", {}, 404, "text/html", id="error-page"),
        pytest.param("GET", "/static/css/site.css", {}, 200, "text/css", id="static-file"),
        pytest.param("POST", "/language", {}, 302, "text/html", id="redirect"),
    ],
)
def test_every_response_carries_the_security_headers(
    client, site, method, path, headers, status, content_type
):
    log_in_as_admin(client)
    with client.open(path, method=method, headers=headers) as response:  # static: a file
        assert response.status_code == status
        assert response.mimetype == content_type
        for name, value in EXPECTED_HEADERS.items():
            assert response.headers[name] == value, name
        assert "Strict-Transport-Security" not in response.headers  # plain http


def test_scripts_come_only_from_the_site():
    csp = csp_directives(EXPECTED_HEADERS["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["style-src"]


@pytest.mark.parametrize("path", ["/", "/static/css/site.css", "/v1/openapi.json", "/nowhere"])
def test_hsts_only_over_https(app, site, path):
    with app.test_client().get(path, base_url="https://localhost") as over_https:
        assert over_https.headers["Strict-Transport-Security"] == HSTS
    with app.test_client().get(path) as over_http:
        assert "Strict-Transport-Security" not in over_http.headers


def test_pages_ask_htmx_not_to_inject_its_indicator_style(client, site):
    page = client.get("/").get_data(as_text=True)
    assert '"includeIndicatorStyles":false' in page


class TestProduction:
    @pytest.fixture
    def app_settings(self, app_settings: dict) -> dict:
        return app_settings | {"PRODUCTION": True, "SECRET_KEY": "k" * 64}

    def test_cookies_are_secure_http_only_and_same_site_lax(self, app, site):
        client = app.test_client()
        response = client.post(
            "/admin/login",
            base_url="https://localhost",
            data={"email": "admin@example.com", "password": demo.DEMO_PASSWORD, "remember": "y"},
        )
        assert response.status_code == 302
        cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
        assert set(cookies) >= {"session", "remember_token"}
        for cookie in cookies.values():
            attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
            assert {"secure", "httponly", "samesite=lax"} <= attributes, cookie


@pytest.mark.parametrize(
    "key", [None, "", "...", "k" * 31], ids=["unset", "empty", "placeholder", "short"]
)
def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch, database_url, key):
    monkeypatch.setenv("BOOKINGSITE_PRODUCTION", "1")
    if key is None:
        monkeypatch.delenv("BOOKINGSITE_SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("BOOKINGSITE_SECRET_KEY", key)
    with pytest.raises(MissingSecretKey, match="BOOKINGSITE_SECRET_KEY is not set"):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url})


def test_there_is_no_constant_default_key():
    assert config.Defaults.SECRET_KEY is None


def bare_app(instance_path, **settings) -> Flask:
    app = Flask("bare", instance_path=str(instance_path))
    app.config.update(config.load(settings))
    security.init_app(app)
    return app


def test_outside_production_a_key_is_made_once_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("BOOKINGSITE_SECRET_KEY", raising=False)
    monkeypatch.delenv("BOOKINGSITE_PRODUCTION", raising=False)
    first = bare_app(tmp_path / "instance").config["SECRET_KEY"]
    again = bare_app(tmp_path / "instance").config["SECRET_KEY"]
    elsewhere = bare_app(tmp_path / "other").config["SECRET_KEY"]
    assert first == again != elsewhere
    assert len(first) == 64
    key_file = tmp_path / "instance" / security.SECRET_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in key_file.parent.iterdir()] == [security.SECRET_KEY_FILE]


def test_a_key_given_is_used_as_it_is(monkeypatch, tmp_path):
    monkeypatch.delenv("BOOKINGSITE_PRODUCTION", raising=False)
    assert bare_app(tmp_path, SECRET_KEY="given").config["SECRET_KEY"] == "given"
    assert not (tmp_path / security.SECRET_KEY_FILE).exists()


def whoami_app(tmp_path, trusted_proxies: int) -> Flask:
    app = bare_app(tmp_path, SECRET_KEY="k", TRUSTED_PROXIES=trusted_proxies)
    app.add_url_rule("/whoami", "whoami", lambda: f"{request.remote_addr} {request.scheme}")
    return app


@pytest.mark.parametrize(
    ("trusted_proxies", "seen"),
    [
        (0, "127.0.0.1 http"),
        (1, "198.51.100.7 https"),
        (2, "203.0.113.9 https"),
    ],
    ids=["no-proxy-trusted", "one-proxy", "two-proxies"],
)
def test_trusted_proxies_decide_the_client_address_and_scheme(tmp_path, trusted_proxies, seen):
    client = whoami_app(tmp_path, trusted_proxies).test_client()
    response = client.get(
        "/whoami",
        headers={
            "X-Forwarded-For": "203.0.113.9, 198.51.100.7",
            "X-Forwarded-Proto": "https, https",
        },
    )
    assert response.get_data(as_text=True) == seen
    assert ("Strict-Transport-Security" in response.headers) == (trusted_proxies > 0)
