"""The one `treatments` blueprint, what its page modules share, and the template globals the appointment
pages use."""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from clinic.auth.roles import Role
from clinic.clinics.services import clinic_today
from clinic.patients.chart import ChartSection, register_chart_section
from clinic.scheduling.models import Appointment
from clinic.treatments.appointments import session_for, why_not_startable
from clinic.treatments.models import TreatmentSession

bp = Blueprint("treatments", __name__)
register_chart_section(ChartSection("treatments/_chart_section.html", order=22))
STALE = "Someone else saved or signed this session meanwhile. Reload it and make your change again."


@bp.app_template_global()
def can_start_session(appointment: Appointment) -> bool:
    """Whether the page offers "Start session" for the appointment to the logged-in user."""
    return current_user.role == Role.DERMATOLOGIST and why_not_startable(appointment, clinic_today()) is None


@bp.app_template_global()
def appointment_session(appointment: Appointment) -> TreatmentSession | None:
    """The treatment session started from the appointment (for the appointment page)."""
    return session_for(appointment.id)
