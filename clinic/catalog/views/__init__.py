"""Catalog pages: one blueprint (`blueprint.py`), routes split by what they show."""

from clinic.catalog.views import lots, products  # noqa: F401 - each module adds its routes to bp
from clinic.catalog.views.blueprint import bp

__all__ = ["bp"]
