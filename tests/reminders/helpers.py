"""Shared setup for reminder tests."""

from __future__ import annotations

from datetime import date

from clinic.extensions import db
from clinic.reminders.models import ReminderPreference
from tests.factories import make_patient, make_user
from tests.routines.factories import make_routine

STEPS = [
    dict(product="Gentle Cream Cleanser", slot="am"),
    dict(product="Mineral Sunscreen SPF 50", slot="am"),
    dict(product="Daily Serum", slot="pm"),
    dict(product="Retinol 0.3% Night Serum", slot="pm"),
]


def patient_with_routine(
    timezone: str = "America/New_York", prefs: dict | None = None, portal: bool = True, **fields
):
    patient = make_patient(timezone=timezone, **fields)
    routine = make_routine(patient, STEPS, starts_on=date(2026, 1, 1))
    if portal:
        make_user("patient", patient=patient)
    if prefs is not None:
        db.session.add(
            ReminderPreference(patient_id=patient.id, **{"am_minute": 480, "pm_minute": 1260, **prefs})
        )
    db.session.commit()
    return patient, routine
