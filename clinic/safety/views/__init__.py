"""Safety pages: lot recalls and their report, the safety inbox and signals, adverse events and MedWatch."""

from clinic.safety.views import events, inbox, lots  # noqa: F401 - each module adds its routes to bp
from clinic.safety.views.blueprint import bp

__all__ = ["bp"]
