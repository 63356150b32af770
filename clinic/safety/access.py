"""Scoped lookups for safety rows: another clinic's event or signal is not found (404)."""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from clinic.access import scoped_get
from clinic.safety.models import AdverseEvent, SafetySignal


def get_event(event_id: int) -> AdverseEvent:
    return scoped_get(AdverseEvent, event_id, selectinload(AdverseEvent.patient), selectinload(AdverseEvent.session))


def get_signal(signal_id: int) -> SafetySignal:
    return scoped_get(SafetySignal, signal_id)
