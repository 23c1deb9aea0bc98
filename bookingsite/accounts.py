"""Partner API keys and manager passwords: created, hashed, checked."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from bookingsite.extensions import db
from bookingsite.models import Manager, Partner, Venue

KEY_PREFIX_LENGTH = 12


def _hash_key(key: str) -> str:
    # API keys carry 192 random bits, so a fast hash is enough (unlike passwords).
    return hashlib.sha256(key.encode()).hexdigest()


def create_partner(
    name: str, venues: list[Venue], *, can_manage: bool, now: datetime
) -> tuple[Partner, str]:
    key = "bk_" + secrets.token_urlsafe(24)
    partner = Partner(
        name=name,
        key_prefix=key[:KEY_PREFIX_LENGTH],
        key_hash=_hash_key(key),
        can_manage=can_manage,
        venues=venues,
        created_at=now,
    )
    db.session.add(partner)
    db.session.commit()
    return partner, key


def partner_for_key(key: str) -> Partner | None:
    partner = db.session.scalar(
        sa.select(Partner).where(Partner.key_prefix == key[:KEY_PREFIX_LENGTH], Partner.active)
    )
    if partner is None or not hmac.compare_digest(partner.key_hash, _hash_key(key)):
        return None
    return partner


def create_manager(email: str, password: str, venues: list[Venue], name: str = "") -> Manager:
    manager = Manager(
        email=email.strip().lower(),
        name=name,
        password_hash=generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        ),
        venues=venues,
    )
    db.session.add(manager)
    db.session.commit()
    return manager


def authenticate_manager(email: str, password: str) -> Manager | None:
    manager = db.session.scalar(sa.select(Manager).where(Manager.email == email.strip().lower()))
    if manager is None or not manager.active:
        return None
    return manager if check_password_hash(manager.password_hash, password) else None
