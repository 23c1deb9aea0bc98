"""The OpenAPI 3.1 document comes from the schemas that validate requests, and a page
renders it."""

from __future__ import annotations

from bookingsite.api import schemas
from bookingsite.api.routing import OPERATIONS


def test_the_document_lists_every_operation_with_its_schemas(client) -> None:
    response = client.get("/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"] == "3.1.0"
    operations = {(m.upper(), p) for p, item in spec["paths"].items() for m in item}
    assert operations == {(op.method, op.path) for op in OPERATIONS}
    assert ("POST", "/v1/services/{serviceId}/availability/slots") in operations

    booking = spec["paths"]["/v1/bookings"]["post"]
    body_ref = booking["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body_schema = spec["components"]["schemas"][body_ref.rsplit("/", 1)[-1]]
    # The very model that validates the request is the document's schema.
    assert set(body_schema["properties"]) == {
        f.alias for f in schemas.BookingIn.model_fields.values()
    }
    assert body_schema["required"] == ["serviceId", "startTime"]
    assert {"201", "401", "404", "409", "422", "429"} <= set(booking["responses"])
    assert "Retry-After" in booking["responses"]["429"]["headers"]
    assert any(p["name"] == "Idempotency-Key" for p in booking["parameters"])
    assert spec["security"] == [{"bearerAuth": []}]


def test_the_docs_page_is_server_rendered_from_the_document(client) -> None:
    response = client.get("/v1/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "POST /v1/bookings" in page
    assert "SLOT_TAKEN" in page
    assert "schema-BookingIn" in page
    assert "cdn" not in page.lower()
