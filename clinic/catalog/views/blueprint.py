"""The catalog blueprint; the modules of this package add their routes to it."""

from flask import Blueprint

bp = Blueprint("catalog", __name__, url_prefix="/admin/catalog")
