"""What a patient sees, on one blueprint: today and the routine, history, aftercare, appointments and
booking, the waitlist, consents, reminder settings, report a problem, my data and my record."""

from clinic.portal.views import (  # noqa: F401 - routes on bp
    appointments,
    checkins,
    consents,
    progress,
    record,
    routine,
    today,
    waitlist,
)
from clinic.portal.views.blueprint import bp

__all__ = ["bp"]
