"""Shared setup for reminder tests."""

from __future__ import annotations

from datetime import date

from clinic.extensions import db
from clinic.reminders.models import ReminderOptIn, ReminderPreference
from tests.factories import make_patient, make_user
from tests.routines.factories import make_routine

STEPS = [
    dict(product="Gentle Cream Cleanser", slot="am"),
    dict(product="Mineral Sunscreen SPF 50", slot="am"),
    dict(product="Daily Serum", slot="pm"),
    dict(product="Retinol 0.3% Night Serum", slot="pm"),
]


def patient_with_routine(timezone: str = "America/New_York", prefs: dict | None = None, portal: bool = True, **fields):
    patient = make_patient(timezone=timezone, **fields)
    routine = make_routine(patient, STEPS, starts_on=date(2026, 1, 1))
    if portal:
        make_user("patient", patient=patient)
    if prefs is not None:
        set_prefs(patient, **prefs)
    db.session.commit()
    return patient, routine


def set_prefs(patient, opted_out: bool = False, email_enabled: bool = True, **fields) -> None:
    """E-mail preferences as the old single row had them: `opted_out` / `email_enabled=False` stop the
    routine and aftercare topics on e-mail (what migration 0020 turns them into)."""
    db.session.add(
        ReminderPreference(patient_id=patient.id, channel="email", **{"am_minute": 480, "pm_minute": 1260, **fields})
    )
    if opted_out or not email_enabled:
        for topic in ("routine", "aftercare"):
            db.session.add(ReminderOptIn(patient_id=patient.id, channel="email", topic=topic, wanted=False))
