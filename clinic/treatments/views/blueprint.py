"""The treatments blueprint; the modules of this package add their routes to it."""

from flask import Blueprint

bp = Blueprint("treatments", __name__)
