"""Scheduling fixtures: a clinic with rooms, providers and a microneedling type."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from clinic.extensions import db
from tests.factories import make_patient
from tests.scheduling.factories import setup_clinic

MONDAY = date(2026, 12, 7)
FROZEN = datetime(2026, 12, 1, 12, tzinfo=UTC)


@pytest.fixture
def world(app):
    """(clinic, aesthetician, dermatologist, microneedling type, patient), committed."""
    clinic, aesthetician, dermatologist, kind = setup_clinic()
    patient = make_patient(clinic)
    db.session.commit()
    return clinic, aesthetician, dermatologist, kind, patient
