"""Treatments pages: one blueprint (`blueprint.py`), routes split by what they show."""

from clinic.treatments.views import photos, recalls, reports, sessions  # noqa: F401 - each module adds its routes to bp
from clinic.treatments.views.blueprint import bp

__all__ = ["bp"]
