"""The venue's settings: how customers reach it, where its bookings are announced, when
customers are reminded, and until when they may cancel or change the time online.

The cutoffs set here are the defaults a service may override; each booking keeps the
terms it was made under, so a change here applies to bookings made from now on."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _

from bookingsite.admin import bp
from bookingsite.admin.forms import (
    MAX_CUTOFF_HOURS,
    MAX_PHONE_LENGTH,
    MAX_REMINDER_HOURS,
    VenueSettingsForm,
)
from bookingsite.booking.terms import cancel_terms, change_terms
from bookingsite.extensions import db
from bookingsite.models import Venue


def _fill_venue(venue: Venue, form: VenueSettingsForm) -> None:
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
    status = 422 if form.is_submitted() else 200
    return render_template(
        "admin/venue_settings.html",
        form=form,
        venue=venue,
        max_cutoff_hours=MAX_CUTOFF_HOURS,
        max_reminder_hours=MAX_REMINDER_HOURS,
        max_phone_length=MAX_PHONE_LENGTH,
        cancel_preview=cancel_terms(
            _previewed(form.cancel_cutoff_hours, venue.cancel_cutoff_hours)
        ),
        change_preview=change_terms(
            _previewed(form.change_cutoff_hours, venue.change_cutoff_hours)
        ),
    ), status
