"""The customer's terms in words: until when a booking may be cancelled or moved online.
One wording for the service page, checkout, the confirmation, the manage page and the
e-mails, so that what the customer read is what they were held to."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext


def cancel_terms(hours: int) -> str:
    if hours == 0:
        return _("You can cancel online until the start.")
    return ngettext(
        "You can cancel online until %(num)d hour before the start.",
        "You can cancel online until %(num)d hours before the start.",
        hours,
    )


def change_terms(hours: int) -> str:
    if hours == 0:
        return _("You can change the time online until the start.")
    return ngettext(
        "You can change the time online until %(num)d hour before the start.",
        "You can change the time online until %(num)d hours before the start.",
        hours,
    )
