"""Which status an appointment may take, and when: the rules behind the appointment page's buttons and
`booking.change_status` (the page offers only what the service would accept)."""

from __future__ import annotations

from datetime import datetime, timedelta

from clinic.scheduling.models import Appointment

TRANSITIONS = {
    "booked": {"checked_in", "cancelled", "no_show", "completed"},
    "checked_in": {"completed", "cancelled"},
}
#: A patient may be checked in (and the visit completed) from this long before the start: people arrive early.
EARLY_CHECK_IN = timedelta(hours=1)
#: A no-show is recorded only once the patient is this late: before that they may still walk in.
NO_SHOW_GRACE = timedelta(minutes=15)


def status_change_problem(appointment: Appointment, new_status: str, now: datetime) -> str | None:
    """Why the appointment cannot take `new_status` now, or None. The page offers only the changes for which
    this is None, so a button never shows only to be refused."""
    if new_status not in TRANSITIONS.get(appointment.status, set()):
        return f"A {appointment.status_label.lower()} appointment cannot become {new_status.replace('_', ' ')}."
    if new_status in ("checked_in", "completed") and appointment.starts_at > now + EARLY_CHECK_IN:
        return "This appointment has not started yet."
    if new_status == "no_show" and now < appointment.starts_at + NO_SHOW_GRACE:
        minutes = int(NO_SHOW_GRACE.total_seconds() // 60)
        return f"A no-show can be recorded from {minutes} minutes after the start."
    return None


def allowed_status_changes(appointment: Appointment, now: datetime) -> set[str]:
    """The status changes that `change_status` would accept right now (cancelling is a separate form)."""
    return {
        status
        for status in TRANSITIONS.get(appointment.status, set())
        if status != "cancelled" and status_change_problem(appointment, status, now) is None
    }
