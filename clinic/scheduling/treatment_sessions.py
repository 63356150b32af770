"""The bridge from the schedule to the treatment room: which appointments a session can start from, the
session started from an appointment, and completing the appointment when its session is signed.

Registered with `treatments.hooks` (treatments sits below scheduling and cannot import it).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_login import current_user

from clinic.clinics.models import Clinic
from clinic.clinics.services import clinic_today
from clinic.extensions import db
from clinic.roles import Role
from clinic.scheduling.access import get_appointment
from clinic.scheduling.booking import change_status
from clinic.scheduling.errors import SchedulingError
from clinic.scheduling.models import Appointment
from clinic.treatments import hooks
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
    """Mark the session's appointment completed (through the status change, so its audit event and
    aftercare check-ins happen) unless it already is; returns why it was left as it is, if it was."""
    if session.appointment_id is None:
        return None
    appointment = db.session.get(Appointment, session.appointment_id)
    if appointment.status == "completed":
        return None
    try:
        change_status(appointment, "completed", clinic=db.session.get(Clinic, session.clinic_id), by=user)
    except SchedulingError as error:
        return f"The appointment was left {appointment.status_label.lower()}: {error}"
    return None


def appointment_start(appointment_id: int) -> hooks.AppointmentStart:
    """The appointment in the user's scope (404 otherwise), as the pre-check reads it."""
    appointment = get_appointment(appointment_id)
    return hooks.AppointmentStart(
        id=appointment.id,
        patient_id=appointment.patient_id,
        procedure_id=appointment.appointment_type.procedure_id,
        procedure_name=appointment.appointment_type.procedure.name,
        starts_at=appointment.starts_at,
        problem=why_not_startable(appointment, clinic_today()),
    )


def appointment_session(appointment: Appointment) -> TreatmentSession | None:
    """The treatment session started from the appointment (for the appointment page)."""
    return session_for(appointment.id)


def can_start_session(appointment: Appointment) -> bool:
    """Whether the appointment page offers "Start session" to the logged-in user."""
    return current_user.role == Role.DERMATOLOGIST and why_not_startable(appointment, clinic_today()) is None


hooks.on_session_signed(complete_appointment_of)
hooks.provide_appointments(appointment_start)
