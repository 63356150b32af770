"""The bridge from the schedule to the treatment room: which appointments a session can start from, the
session started from an appointment, and completing the appointment when its session is signed."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from clinic.extensions import db
from clinic.scheduling.models import Appointment
from clinic.treatments.models import TreatmentSession


def why_not_startable(appointment: Appointment, today: date) -> str | None:
    """None if a session can start from the appointment (checked in, or booked for today); else why not."""
    if appointment.status == "checked_in":
        return None
    if appointment.status == "booked" and appointment.local_date == today:
        return None
    if appointment.status == "booked":
        return "A session can start from a booked appointment only on its day."
    return f"A session cannot start from a {appointment.status_label.lower()} appointment."


def session_for(appointment_id: int) -> TreatmentSession | None:
    """The session already started from the appointment, if any."""
    return db.session.scalar(sa.select(TreatmentSession).where(TreatmentSession.appointment_id == appointment_id))


def complete_appointment_of(session: TreatmentSession, user) -> str | None:
    """Mark the session's appointment completed (through scheduling's status change, so its audit event and
    aftercare check-ins happen) unless it already is; returns why it was left as it is, if it was."""
    if session.appointment_id is None:
        return None
    from clinic.clinics.models import Clinic
    from clinic.scheduling.booking import change_status
    from clinic.scheduling.errors import SchedulingError

    appointment = db.session.get(Appointment, session.appointment_id)
    if appointment.status == "completed":
        return None
    try:
        change_status(appointment, "completed", clinic=db.session.get(Clinic, session.clinic_id), by=user)
    except SchedulingError as error:
        return f"The appointment was left {appointment.status_label.lower()}: {error}"
    return None
