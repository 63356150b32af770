"""Treatment pages, all on the one `treatments` blueprint (defined in `common`): check-in, the session
record, signing and amendments, clinic-wide reports. Importing the modules registers their routes."""

from clinic.treatments.views import precheck, reports, sessions  # noqa: F401 - routes on the blueprint
from clinic.treatments.views.common import bp

__all__ = ["bp"]
