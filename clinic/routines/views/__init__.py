"""Routines pages: one blueprint (`blueprint.py`), routes split by what they show."""

from clinic.routines.views import patients, staff  # noqa: F401 - each module adds its routes to bp
from clinic.routines.views.blueprint import bp

__all__ = ["bp"]
