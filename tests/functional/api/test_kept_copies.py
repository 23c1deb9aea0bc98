"""A process keeps a key's partner and the venues with webhook endpoints between calls
(bookingsite/setup_revision.py). Changes made elsewhere — another process, psql — must
show on the very next call: a revoked key is refused, narrowed scopes are narrow, a new
endpoint hears the next hold. On both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from bookingsite.extensions import db
from bookingsite.models import Partner, WebhookEvent
from tests.functional.api.conftest import Api, create_room_service, error_code

pytestmark = pytest.mark.usefixtures("backend")

TEN = "2026-03-02T09:00:00Z"


def written_elsewhere(statement: str, **values: object) -> None:
    """A write through another connection, as another process (or psql) would make;
    then the test's session starts afresh, as the next request's would."""
    with db.engine.begin() as connection:
        connection.execute(sa.text(statement), values)
    db.session.rollback()


def partner_id(api: Api) -> int:
    return db.session.scalar(sa.select(Partner.id).where(Partner.key_prefix == api.key[:12]))


def hold_at(api: Api, service_id: int, start: str) -> int:
    return api.post("/v1/bookings", {"serviceId": service_id, "startTime": start}).status_code


def test_a_key_revoked_elsewhere_is_refused_on_its_next_call(app, api: Api) -> None:
    ids = create_room_service(api)
    assert api.get(f"/v1/services/{ids['service']}").status_code == 200
    assert app.extensions["partner_keys"], "the key's partner is kept"
    written_elsewhere(
        "UPDATE partners SET active = :no WHERE id = :id", no=False, id=partner_id(api)
    )
    refused = api.get(f"/v1/services/{ids['service']}")
    assert refused.status_code == 401
    assert error_code(refused) == "UNAUTHORIZED"


def test_scopes_narrowed_elsewhere_hold_on_the_next_call(app, api: Api) -> None:
    ids = create_room_service(api)
    assert hold_at(api, ids["service"], TEN) == 201
    written_elsewhere(
        "UPDATE partner_venues SET scopes = 'read' WHERE partner_id = :id", id=partner_id(api)
    )
    refused = api.post(
        "/v1/bookings", {"serviceId": ids["service"], "startTime": "2026-03-02T11:30:00Z"}
    )
    assert refused.status_code == 403
    assert api.get(f"/v1/services/{ids['service']}").status_code == 200


def test_a_key_s_use_does_not_throw_the_copies_away(app, api: Api, clock) -> None:
    """The last-used time is written as keys are used; the revision ignores it, or every
    minute of use would reload every service."""
    ids = create_room_service(api)
    api.get(f"/v1/services/{ids['service']}")
    kept = dict(app.extensions["service_setups"])
    clock.advance(timedelta(minutes=5))
    assert api.get(f"/v1/services/{ids['service']}").status_code == 200
    used = db.session.scalar(sa.select(Partner.last_used_at).where(Partner.id == partner_id(api)))
    assert used == clock.now()
    assert app.extensions["service_setups"] == kept


def test_an_endpoint_added_elsewhere_hears_the_next_hold(app, api: Api, clock) -> None:
    ids = create_room_service(api)
    assert hold_at(api, ids["service"], TEN) == 201  # no endpoint yet: nothing recorded
    assert db.session.scalar(sa.select(sa.func.count(WebhookEvent.id))) == 0
    written_elsewhere(
        "INSERT INTO webhook_endpoints (venue_id, url, description, event_types, secret,"
        " enabled, failed_deliveries_in_row, last_error, created_at)"
        " VALUES (:venue, 'https://partner.example/hooks', '', :types, 'whsec_x', :yes, 0,"
        " '', :now)",
        venue=ids["venue"],
        types='["booking.held"]',
        yes=True,
        now=clock.now(),
    )
    assert hold_at(api, ids["service"], "2026-03-02T11:30:00Z") == 201
    db.session.rollback()
    assert db.session.scalars(sa.select(WebhookEvent.type)).all() == ["booking.held"]

    # Disabled elsewhere: the next hold tells nobody.
    written_elsewhere("UPDATE webhook_endpoints SET enabled = :no", no=False)
    assert hold_at(api, ids["service"], "2026-03-02T14:00:00Z") == 201
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(WebhookEvent.id))) == 1
