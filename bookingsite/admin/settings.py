"""The venue and its settings, its owners' page: name, zone, language, currency, how
long holds last and the travel time of shared staff; how customers reach it, where its
bookings are announced, when customers are reminded, and until when they may cancel or
change the time online. Owners add venues to their organisation here too.

The cutoffs set here are the defaults a service may override; each booking keeps the
terms it was made under, so a change here applies to bookings made from now on."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from bookingsite.admin import bp
from bookingsite.admin.forms import (
    MAX_CUTOFF_HOURS,
    MAX_HOLD_TTL_MINUTES,
    MAX_PHONE_LENGTH,
    MAX_REMINDER_HOURS,
    MAX_TRAVEL_BUFFER_MINUTES,
    VenueSettingsForm,
    travel_times_form,
)
from bookingsite.api.types import zones
from bookingsite.booking.terms import cancel_terms, change_terms
from bookingsite.extensions import db
from bookingsite.models import Membership, Role, Venue
from bookingsite.setup_rules import free_slug
from bookingsite.staff import pair_times, set_travel_time, travel_minutes


def _fill_venue(venue: Venue, form: VenueSettingsForm) -> None:
    venue.name = form.name.data
    venue.city = form.city.data or ""
    venue.timezone = form.timezone.data
    venue.default_locale = form.default_locale.data
    venue.currency = form.currency.data
    venue.hold_ttl_minutes = form.hold_ttl_minutes.data
    venue.travel_buffer_minutes = form.travel_buffer_minutes.data
    venue.contact_email = form.contact_email.data or ""
    venue.contact_phone = form.contact_phone.data or ""
    venue.notification_email = form.notification_email.data or ""
    venue.reminder_hours = form.reminder_hours.data
    venue.cancel_cutoff_hours = form.cancel_cutoff_hours.data
    venue.change_cutoff_hours = form.change_cutoff_hours.data


def _previewed(field, saved: int) -> int:
    """The hours whose wording the page shows: the submitted value when it is a valid
    one, else the value saved."""
    return field.data if field.data is not None and not field.errors else saved


@bp.route("/venues/<int:venue_id>/settings", methods=["GET", "POST"])
def venue_settings():
    venue = g.venue
    form = VenueSettingsForm(obj=venue)
    if form.validate_on_submit():
        _fill_venue(venue, form)
        db.session.commit()
        flash(_("The settings of %(name)s were saved.", name=venue.name), "success")
        return redirect(url_for("admin.venue_settings"))
    return _settings_page(form, venue, url_for("admin.venue_settings"))


@bp.route("/venues/<int:venue_id>/new-venue", methods=["GET", "POST"])
def venue_new():
    """Another venue of the organisation of the one shown, owned by whoever adds it; it
    starts with that venue's zone, language and currency."""
    here = g.venue
    form = VenueSettingsForm(
        data={
            "timezone": here.timezone,
            "default_locale": here.default_locale,
            "currency": here.currency,
            "hold_ttl_minutes": here.hold_ttl_minutes,
            "travel_buffer_minutes": here.travel_buffer_minutes,
            "cancel_cutoff_hours": 0,
            "change_cutoff_hours": 0,
        }
    )
    if form.validate_on_submit():
        taken = set(db.session.scalars(sa.select(Venue.slug)))
        venue = Venue(organisation_id=here.organisation_id, slug=free_slug(form.name.data, taken))
        _fill_venue(venue, form)
        current_user.memberships.append(Membership(venue=venue, role=Role.OWNER))
        db.session.commit()
        flash(
            _("%(name)s was added. Add its resources and services next.", name=venue.name),
            "success",
        )
        return redirect(url_for("admin.venue_home", venue_id=venue.id))
    return _settings_page(form, None, url_for("admin.venue_new"))


@bp.post("/venues/<int:venue_id>/travel-times")
def venue_travel_times():
    """The travel time between this venue and each other one where it is not the longer
    of the two venues' own settings."""
    venue = g.venue
    others = _other_venues(venue)
    form = travel_times_form(others, pair_times(venue.id))
    if not form.validate_on_submit():
        return _settings_page(VenueSettingsForm(obj=venue, formdata=None), venue, None, form)
    for other, field in form.fields_by_venue():
        set_travel_time(venue, other, field.data)
    db.session.commit()
    flash(_("The travel times of %(name)s were saved.", name=venue.name), "success")
    return redirect(url_for("admin.venue_settings", _anchor="travel"))


def _other_venues(venue: Venue) -> list[Venue]:
    return [v for v in venue.organisation.venues if v.id != venue.id]


def _settings_page(
    form: VenueSettingsForm,
    venue: Venue | None,
    action: str | None,
    travel_form: FlaskForm | None = None,
):
    """The form for `venue`, or for a new venue (None)."""
    status = 422 if form.is_submitted() or travel_form is not None else 200
    if venue is not None and travel_form is None:
        travel_form = travel_times_form(_other_venues(venue), pair_times(venue.id))
    saved_cancel, saved_change = (
        (venue.cancel_cutoff_hours, venue.change_cutoff_hours) if venue else (0, 0)
    )
    return render_template(
        "admin/venue_settings.html",
        form=form,
        venue=venue,
        action=action or url_for("admin.venue_settings"),
        travel_form=travel_form,
        travel_minutes=travel_minutes,
        max_cutoff_hours=MAX_CUTOFF_HOURS,
        max_hold_ttl_minutes=MAX_HOLD_TTL_MINUTES,
        max_travel_buffer_minutes=MAX_TRAVEL_BUFFER_MINUTES,
        time_zones=zones(),
        max_reminder_hours=MAX_REMINDER_HOURS,
        max_phone_length=MAX_PHONE_LENGTH,
        cancel_preview=cancel_terms(_previewed(form.cancel_cutoff_hours, saved_cancel)),
        change_preview=change_terms(_previewed(form.change_cutoff_hours, saved_change)),
    ), status
