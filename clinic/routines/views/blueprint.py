"""The routines blueprint; the modules of this package add their routes to it."""

from flask import Blueprint

bp = Blueprint("routines", __name__)
