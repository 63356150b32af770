"""The safety blueprint; the modules of this package add their routes to it."""

from flask import Blueprint

from clinic.safety.models import OUTCOMES, SERIOUSNESS

bp = Blueprint("safety", __name__, url_prefix="/safety")


@bp.context_processor
def labels() -> dict:
    return {"seriousness": SERIOUSNESS, "outcomes": OUTCOMES}
