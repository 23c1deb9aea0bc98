"""Secrets and signatures, as the Standard Webhooks specification has them: a secret is
"whsec_" and the base64 of random bytes; a message is signed with HMAC-SHA256 over
"{webhook-id}.{webhook-timestamp}.{body}" (the `standardwebhooks` package does it), and
`webhook-signature` lists one "v1,<base64>" signature per secret in use, so that after a
rotation a receiver holding either the old or the new secret can verify."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from datetime import datetime

from standardwebhooks import Webhook

PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def headers(
    message_id: str, timestamp: datetime, body: bytes, secrets_in_use: Iterable[str]
) -> dict[str, str]:
    """The three headers of a signed message."""
    signatures = [Webhook(s).sign(message_id, timestamp, body) for s in secrets_in_use]
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
