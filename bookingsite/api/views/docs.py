"""The OpenAPI document and a page that reads it (no authentication needed)."""

from __future__ import annotations

import json

from flask import Response, jsonify, render_template

from bookingsite.api import bp
from bookingsite.api.openapi import document


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return jsonify(document())


@bp.get("/docs")
def docs() -> str:
    spec = document()
    return render_template(
        "api/docs.html",
        spec=spec,
        schemas=spec["components"]["schemas"],
        as_json=lambda value: json.dumps(value, indent=2, ensure_ascii=False),
    )
