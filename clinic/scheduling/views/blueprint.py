"""The staff scheduling blueprint (calendars, booking, appointments); the modules of this package add routes."""

from flask import Blueprint

from clinic.patients.chart import ChartSection, register_chart_section
from clinic.scheduling import treatment_sessions

bp = Blueprint("scheduling", __name__, url_prefix="/schedule")
register_chart_section(ChartSection("scheduling/_chart_appointments.html", order=25))
# The appointment page's "Start session" button and the session started from it (templates/treatments/).
bp.add_app_template_global(treatment_sessions.can_start_session)
bp.add_app_template_global(treatment_sessions.appointment_session)
