"""Aftercare check-ins: an e-mail on day 1, 3 and 7 after a procedure, at the patient's morning time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from clinic.db import now_utc
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.reminders.outbox import enqueue
from clinic.reminders.preferences import get_preferences

CHECKIN_DAYS = (1, 3, 7)
STALE_AFTER = timedelta(hours=12)


def enqueue_checkins(patient: Patient, aftercare_id: int, session_day: date) -> int:
    """Queue the day 1/3/7 check-ins of an aftercare record (idempotent by key); returns how many are new.

    A procedure recorded late does not produce a burst of stale check-ins: ones long past are skipped."""
    from clinic.auth.models import User

    has_portal = db.session.scalar(
        sa.select(sa.exists().where(User.patient_id == patient.id, User.active.is_(True)))
    )
    if not patient.email or not has_portal:
        return 0
    prefs = get_preferences(patient)
    zone = ZoneInfo(patient.timezone)
    added = 0
    for n in CHECKIN_DAYS:
        local = datetime.combine(session_day + timedelta(days=n), time(0), tzinfo=zone) + timedelta(
            minutes=prefs.am_minute
        )
        if local.astimezone(UTC) < now_utc() - STALE_AFTER:
            continue
        added += enqueue(
            clinic_id=patient.clinic_id,
            patient_id=patient.id,
            kind="aftercare_checkin",
            dedupe_key=f"aftercare:{aftercare_id}:day{n}",
            recipient=patient.email,
            due_at=local.astimezone(UTC),
            payload={"day": n},
        )
    return added
