"""Staff scheduling pages on one blueprint: calendars (calendar.py), booking and appointments (appointments.py)."""

from clinic.scheduling.views import appointments, calendar  # noqa: F401 - each module adds its routes to bp
from clinic.scheduling.views.blueprint import bp

__all__ = ["bp"]
