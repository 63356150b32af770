"""What treatment services raise; views turn them into messages beside the right field."""

from __future__ import annotations

from clinic.treatments.guards import SessionSigned  # noqa: F401 - re-exported: one place to import errors from


class Invalid(Exception):
    """The input breaks a rule; `problems` maps a form field path ("products-0-lot_number") to a message."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


class StaleSession(Exception):
    """Someone else saved or signed this session after the form was opened."""
