"""The portal blueprint: everything a patient sees, under /portal; the modules of this package add routes."""

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")
