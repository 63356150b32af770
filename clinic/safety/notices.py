"""The patient's lot-recall notice: an outbox kind with the clinic's own wording, or the translated default."""

from __future__ import annotations

from flask_babel import gettext

from clinic.i18n import N_
from clinic.reminders.kinds import Kind, register_kind

#: Shown when the clinic has not written its own wording (Safety settings); translated at send time.
DEFAULT_NOTICE = N_(
    "A product used in one of your treatments at %(clinic)s has been taken out of use as a precaution. "
    "Please call us so we can talk it through with you. If you notice any change in the treated skin, "
    "contact us straight away."
)


def _context(row) -> dict:
    payload = dict(row.payload or {})
    clinic = payload.get("clinic_name") or gettext("your clinic")
    payload["notice_text"] = payload.get("notice") or gettext(DEFAULT_NOTICE, clinic=clinic)
    return payload


register_kind(
    "lot_recall_notice",
    Kind(
        "lot_recall_notice",
        lambda row, ctx: gettext("Important: a product used in your treatment"),
        _context,
        sms=lambda row, ctx: ctx["notice_text"],
    ),
)
