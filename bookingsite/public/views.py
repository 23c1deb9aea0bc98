import sqlalchemy as sa
from flask import current_app, redirect, render_template, request, session, url_for
from sqlalchemy.orm import selectinload

from bookingsite.extensions import db
from bookingsite.models import Venue
from bookingsite.public import bp


def _safe_next(target: str | None) -> str:
    # Only same-site paths: never let the form redirect elsewhere.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("public.home")


@bp.get("/")
def home():
    venues = db.session.scalars(
        sa.select(Venue)
        .order_by(Venue.name)
        .options(selectinload(Venue.services), selectinload(Venue.resources))
    ).all()
    return render_template("public/home.html", venues=venues)


@bp.post("/language")
def set_language():
    language = request.form.get("lang", "")
    if language in current_app.config["LANGUAGES"]:
        session["lang"] = language
    return redirect(_safe_next(request.form.get("next")))
