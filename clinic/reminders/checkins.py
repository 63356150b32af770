"""Aftercare check-ins: an e-mail on day 1, 3 and 7 after an in-office treatment, at the patient's AM time.

Two events lead here: aftercare applied to a routine (a session logged) and an appointment completed. Both
use the same key per patient and treatment day, so whichever comes first queues the check-ins and the
other adds nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from clinic.clinics.models import Clinic
from clinic.db import now_utc
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.reminders.models import CHANNELS
from clinic.reminders.outbox import enqueue
from clinic.reminders.preferences import get_preferences, sms_number, wants

CHECKIN_DAYS = (1, 3, 7)
STALE_AFTER = timedelta(hours=12)


def checkin_key(patient_id: int, treatment_day: date, day: int) -> str:
    return f"aftercare:{patient_id}:{treatment_day.isoformat()}:day{day}"


def enqueue_checkins(patient: Patient, treatment_day: date) -> int:
    """Queue the day 1/3/7 check-ins after a treatment on the patient's local `treatment_day`.

    Idempotent by key; returns how many are new. A treatment recorded late does not produce a burst of
    stale check-ins: ones more than 12 hours past are skipped. One row per channel the patient wants
    aftercare check-ins by (SMS keys add `:sms`); the choice is checked again at send time.
    """
    recipients = {"email": patient.email, "sms": sms_number(patient.id)}
    channels = [c for c in CHANNELS if recipients[c] and wants(patient.id, c, "aftercare") is None]
    if not channels:
        return 0
    clinic = db.session.get(Clinic, patient.clinic_id)
    am_minute = get_preferences(patient).am_minute
    at = time(am_minute // 60, am_minute % 60)
    zone = ZoneInfo(patient.timezone)
    added = 0
    for n in CHECKIN_DAYS:
        due = datetime.combine(treatment_day + timedelta(days=n), at, tzinfo=zone).astimezone(UTC)
        if due < now_utc() - STALE_AFTER:
            continue
        for channel in channels:
            key = checkin_key(patient.id, treatment_day, n)
            added += enqueue(
                clinic_id=patient.clinic_id,
                patient_id=patient.id,
                kind="aftercare_checkin",
                dedupe_key=key if channel == "email" else f"{key}:{channel}",
                recipient=recipients[channel],
                due_at=due,
                channel=channel,
                payload={
                    "day": n,
                    "patient_first_name": patient.first_name,
                    "clinic_name": clinic.name,
                    "clinic_phone": clinic.phone,
                },
            )
    return added
