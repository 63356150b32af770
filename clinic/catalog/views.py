"""Catalog admin pages (placeholder blueprint filled below)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("catalog", __name__, url_prefix="/admin/catalog")
