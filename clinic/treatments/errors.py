"""What treatment services raise; views turn them into messages beside the right field."""

from __future__ import annotations

from clinic.treatments.guards import SessionSigned  # noqa: F401 - re-exported: one place to import errors from


class StaleSession(Exception):
    """Someone else saved or signed this session after the form was opened."""
