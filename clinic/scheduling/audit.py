"""Audit helpers for pages that show several patients at once (calendars, the follow-up queue)."""

from __future__ import annotations

from clinic.audit.services import record_each


def record_viewed(action: str, patient_ids: set[int] | list[int], detail: str) -> None:
    """One audit event for the page naming every patient shown: two INSERTs whatever their number."""
    record_each(action, sorted(set(patient_ids)), detail=detail, object_type=None)
