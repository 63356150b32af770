"""Treatment pages, all on the one `treatments` blueprint (`blueprint.py`): check-in, the session record,
signing and amendments, session photos, who received a lot, clinic-wide reports. Importing the modules
registers their routes."""

from clinic.treatments.views import photos, precheck, recalls, reports, sessions  # noqa: F401 - routes on bp
from clinic.treatments.views.blueprint import bp

__all__ = ["bp"]
