"""The venue's people, its owners' page: who may do what here (owner, manager, front
desk), changing a role, removing someone, and inviting a person by e-mail.

A venue keeps at least one owner, so that someone can always reach this page. Removing
a person, or lowering their role, ends their open sessions: what they may do changes
at once, on every device."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, current_app, flash, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug import Response
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from bookingsite import accounts, login_links
from bookingsite.accounts import ROLE_HINTS, ROLE_NAMES
from bookingsite.admin import bp
from bookingsite.admin.forms import ActionForm, address_field
from bookingsite.clock import utcnow
from bookingsite.extensions import db
from bookingsite.models import LoginLink, LoginLinkPurpose, Manager, Membership, Role
from bookingsite.web import see_other


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, ROLE_NAMES[role]) for role in Role]


class RoleForm(FlaskForm):
    role = RadioField(_l("Role"), choices=role_choices, validators=[DataRequired()])


class InviteForm(FlaskForm):
    email = address_field(_l("E-mail address"), required=True)
    role = RadioField(
        _l("Role"), choices=role_choices, default=Role.MANAGER.value, validators=[DataRequired()]
    )


def _membership(person_id: int) -> Membership:
    """The person's membership here; 404 for anyone without one."""
    membership = db.session.get(Membership, (person_id, g.venue.id))
    if membership is None:
        abort(404)
    return membership


def _page(status: int = 200, invite_form: InviteForm | None = None) -> tuple[str, int]:
    members = db.session.scalars(
        sa.select(Membership)
        .join(Manager)
        .where(Membership.venue_id == g.venue.id)
        .order_by(Manager.email)
    ).all()
    return render_template(
        "admin/people.html",
        members=members,
        role_names=ROLE_NAMES,
        role_hints=ROLE_HINTS,
        action_form=ActionForm(),
        invite_form=invite_form or InviteForm(formdata=None),
        invitations=login_links.pending_invitations(g.venue.id, utcnow()),
    ), status


def _needs_an_owner() -> tuple[str, int]:
    flash(
        _("%(venue)s needs an owner: make someone else owner first.", venue=g.venue.name), "error"
    )
    return _page(409)


@bp.get("/venues/<int:venue_id>/people")
def people():
    return _page()


@bp.post("/venues/<int:venue_id>/people/<int:person_id>/role")
def person_role(person_id: int) -> Response | tuple[str, int]:
    membership = _membership(person_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Choose a role."), "error")
        return _page(422)
    try:
        accounts.set_role(membership, Role(form.role.data))
    except accounts.LastOwner:
        return _needs_an_owner()
    db.session.commit()
    flash(
        _(
            "%(person)s is now %(role)s at %(venue)s.",
            person=membership.manager.email,
            role=ROLE_NAMES[membership.role],
            venue=g.venue.name,
        ),
        "success",
    )
    return see_other(url_for("admin.people"))


@bp.post("/venues/<int:venue_id>/people/<int:person_id>/remove")
def person_remove(person_id: int) -> Response | tuple[str, int]:
    membership = _membership(person_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    person = membership.manager
    try:
        accounts.remove_membership(membership)
    except accounts.LastOwner:
        return _needs_an_owner()
    db.session.commit()
    flash(
        _("%(person)s no longer has access to %(venue)s.", person=person.email, venue=g.venue.name),
        "success",
    )
    if person.id == current_user.id:
        return see_other(url_for("admin.index"))
    return see_other(url_for("admin.people"))


@bp.post("/venues/<int:venue_id>/invitations")
def invitation_create() -> Response | tuple[str, int]:
    """E-mail a one-time link to take up a role here: a new account, or the one the
    address already has."""
    form = InviteForm()
    if not form.validate_on_submit():
        return _page(422, invite_form=form)
    address = form.email.data.lower()
    member = db.session.scalar(
        sa.select(Membership)
        .join(Manager)
        .where(Membership.venue_id == g.venue.id, Manager.email == address)
    )
    if member is not None:
        form.email.errors.append(
            _("%(email)s already has access here: change their role above.", email=address)
        )
        return _page(409, invite_form=form)
    # The link's address: PUBLIC_URL when set, else this request's.
    root = None if current_app.config.get("PUBLIC_URL") else request.url_root
    login_links.invite(g.venue, address, Role(form.role.data), current_user, root)
    db.session.commit()
    flash(_("An invitation is on its way to %(email)s.", email=address), "success")
    return see_other(url_for("admin.people"))


@bp.post("/venues/<int:venue_id>/invitations/<int:invitation_id>/withdraw")
def invitation_withdraw(invitation_id: int) -> Response:
    link = db.session.get(LoginLink, invitation_id)
    if link is None or link.purpose is not LoginLinkPurpose.INVITE or link.venue_id != g.venue.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    if link.revoked_at is None and link.used_at is None:
        link.revoked_at = utcnow()
        db.session.commit()
    flash(
        _("The invitation to %(email)s is withdrawn: its link no longer works.", email=link.email),
        "success",
    )
    return see_other(url_for("admin.people"))
