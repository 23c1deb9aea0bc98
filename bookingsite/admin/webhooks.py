"""The venue's webhook endpoints: the list with a form to add one, and each endpoint's
page with its state, its secret (shown once, when made or rotated), switching it off
and on, and its delivery log with "send again".

Endpoints made here belong to the venue (no partner key) and hear about every booking of
the venue; those partners made through the API hear about their own bookings, and are
listed here too, so that managers see everything that leaves for outside addresses."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from bookingsite.admin import bp
from bookingsite.admin.forms import ActionForm, MultiCheckboxField, strip
from bookingsite.bounds import MAX_ID
from bookingsite.clock import utcnow
from bookingsite.errors import DomainError
from bookingsite.extensions import db
from bookingsite.i18n import local_datetime
from bookingsite.models import (
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEventType,
)
from bookingsite.webhooks import endpoints
from bookingsite.webhooks.targets import TargetRefused

PAGE_SIZE = 50

EVENT_TEXT = {
    WebhookEventType.BOOKING_HELD: _l("A time is held"),
    WebhookEventType.BOOKING_CONFIRMED: _l("A booking is confirmed"),
    WebhookEventType.BOOKING_CANCELLED: _l("A booking is cancelled"),
    WebhookEventType.BOOKING_MOVED: _l("A booking is moved"),
    WebhookEventType.BOOKING_EXPIRED: _l("A hold expires"),
    WebhookEventType.AVAILABILITY_CHANGED: _l("Availability changes"),
}

STATUS_TEXT = {
    WebhookDeliveryStatus.PENDING: _l("Waiting to be sent"),
    WebhookDeliveryStatus.SENDING: _l("Sending"),
    WebhookDeliveryStatus.RETRYING: _l("Will retry"),
    WebhookDeliveryStatus.SUCCEEDED: _l("Delivered"),
    WebhookDeliveryStatus.FAILED: _l("Failed"),
}


def event_text(event_type: str) -> str:
    return f"{EVENT_TEXT[WebhookEventType(event_type)]} ({event_type})"


def status_text(status: WebhookDeliveryStatus) -> str:
    return str(STATUS_TEXT[status])


class EndpointForm(FlaskForm):
    url = StringField(
        _l("Address (URL)"), filters=[strip], validators=[DataRequired(), Length(max=2000)]
    )
    description = StringField(
        _l("Description"), filters=[strip], validators=[Optional(), Length(max=200)]
    )
    event_types = MultiCheckboxField(
        _l("Events to send"), validators=[DataRequired(_l("Choose at least one event."))]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.event_types.choices = [SelectChoice(t.value, event_text(t)) for t in WebhookEventType]


class LogForm(FlaskForm):
    class Meta:
        csrf = False  # paging: GET, changes nothing

    before = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_ID)])


def venue_endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.venue_id != g.venue.id:
        abort(404)
    return endpoint


def _list(form: EndpointForm, status: int = 200):
    rows = db.session.scalars(
        sa.select(WebhookEndpoint)
        .where(WebhookEndpoint.venue_id == g.venue.id)
        .order_by(WebhookEndpoint.id)
    ).all()
    return render_template(
        "admin/webhooks.html",
        endpoints=rows,
        form=form,
        event_text=event_text,
        disabled_text=endpoints.disabled_text,
    ), status


@bp.get("/venues/<int:venue_id>/webhooks")
def webhooks():
    return _list(EndpointForm(formdata=None))


@bp.post("/venues/<int:venue_id>/webhooks")
def webhook_create():
    form = EndpointForm()
    if not form.validate_on_submit():
        return _list(form, 422)
    try:
        endpoint = endpoints.create(
            g.venue.id,
            form.url.data,
            form.event_types.data,
            utcnow(),
            description=form.description.data or "",
        )
    except TargetRefused as refused:
        form.url.errors.append(str(refused))
        return _list(form, 422)
    db.session.commit()
    flash(_("The endpoint is registered. Copy its secret now: it is not shown again."), "success")
    return _detail(endpoint, secret=endpoint.secret, status=201)


def _deliveries(endpoint: WebhookEndpoint, before: int | None) -> tuple[list[Any], int | None]:
    query = sa.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if before:
        query = query.where(WebhookDelivery.id < before)
    rows = list(db.session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(PAGE_SIZE + 1)))
    older = rows[PAGE_SIZE - 1].id if len(rows) > PAGE_SIZE else None
    return rows[:PAGE_SIZE], older


def _detail(
    endpoint: WebhookEndpoint,
    *,
    secret: str | None = None,
    action_form: ActionForm | None = None,
    status: int = 200,
):
    log = LogForm(request.args)
    before = log.before.data if log.validate() else None
    rows, older = _deliveries(endpoint, before)
    return render_template(
        "admin/webhooks_endpoint.html",
        endpoint=endpoint,
        secret=secret,
        deliveries=rows,
        older_url=older and url_for("admin.webhook_detail", endpoint_id=endpoint.id, before=older),
        action_form=action_form or ActionForm(formdata=None),
        event_text=event_text,
        status_text=status_text,
        disabled_text=endpoints.disabled_text,
    ), status


@bp.get("/venues/<int:venue_id>/webhooks/<int:endpoint_id>")
def webhook_detail(endpoint_id: int):
    return _detail(venue_endpoint(endpoint_id))


def _action() -> ActionForm | None:
    """The posted button's form if its CSRF token holds; else None (the page answers 422)."""
    form = ActionForm()
    return form if form.validate_on_submit() else None


@bp.post("/venues/<int:venue_id>/webhooks/<int:endpoint_id>/rotate")
def webhook_rotate(endpoint_id: int):
    endpoint = venue_endpoint(endpoint_id)
    if _action() is None:
        return _detail(endpoint, status=422)
    secret = endpoints.rotate(endpoint, utcnow())
    db.session.commit()
    flash(
        _(
            "A new secret is in use. Copy it now: it is not shown again. The old one also "
            "signs until %(until)s.",
            until=local_datetime(endpoint.previous_secret_until, g.venue.timezone)
            if endpoint.previous_secret_until
            else "-",
        ),
        "success",
    )
    return _detail(endpoint, secret=secret)


@bp.post("/venues/<int:venue_id>/webhooks/<int:endpoint_id>/enable")
def webhook_enable(endpoint_id: int):
    return _switch(endpoint_id, True)


@bp.post("/venues/<int:venue_id>/webhooks/<int:endpoint_id>/disable")
def webhook_disable(endpoint_id: int):
    return _switch(endpoint_id, False)


def _switch(endpoint_id: int, enabled: bool):
    endpoint = venue_endpoint(endpoint_id)
    if _action() is None:
        return _detail(endpoint, status=422)
    endpoints.set_enabled(endpoint, enabled, utcnow())
    db.session.commit()
    flash(
        _("The endpoint is switched on.") if enabled else _("The endpoint is switched off."),
        "success",
    )
    return redirect(url_for("admin.webhook_detail", endpoint_id=endpoint.id))


@bp.post("/venues/<int:venue_id>/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver")
def webhook_redeliver(endpoint_id: int, delivery_id: int):
    endpoint = venue_endpoint(endpoint_id)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        abort(404)
    form = _action()
    if form is None:
        return _detail(endpoint, status=422)
    try:
        endpoints.redeliver(delivery, utcnow())
    except DomainError as error:
        form.form_errors.append(error.message)
        return _detail(endpoint, action_form=form, status=409)
    db.session.commit()
    flash(_("The event will be sent again."), "success")
    return redirect(url_for("admin.webhook_detail", endpoint_id=endpoint.id))
