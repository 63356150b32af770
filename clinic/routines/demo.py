"""Demo routines: the portal patients get a routine from their concern's template and 60 days of history.

Idempotent (a patient with a routine is left alone) and deterministic (fixed random seed per patient).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from clinic.auth.models import User
from clinic.catalog.models import Procedure
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.routines.aftercare import apply_aftercare
from clinic.routines.defaults import TEMPLATES
from clinic.routines.due import due_steps
from clinic.routines.models import AdherenceLog, Routine
from clinic.routines.services import copy_template
from clinic.routines.windows import patient_windows, planned_steps

HISTORY_DAYS = 60


def _template_for(patient: Patient) -> str:
    return next((c for c in patient.concerns if c in TEMPLATES), "aging")


def _history(rng: random.Random, patient: Patient, routine: Routine, today: date) -> list[AdherenceLog]:
    """Realistic ticks: each patient has a habit strength; mornings are kept a little better than evenings."""
    zone = ZoneInfo(patient.timezone)
    habit = rng.uniform(0.55, 0.95)
    windows = patient_windows(patient.id, datetime.combine(today - timedelta(days=HISTORY_DAYS + 1), time(0), UTC))
    logs = []
    due = due_steps(patient.id, today - timedelta(days=HISTORY_DAYS), today - timedelta(days=1))
    for back in range(HISTORY_DAYS, 0, -1):
        day = today - timedelta(days=back)
        lapse = rng.random() < 0.08  # now and then a whole day is forgotten
        for step, pause in planned_steps([routine], windows, day, zone, due):
            if lapse or pause is not None:
                continue
            chance = habit + (0.04 if step.slot == "am" else -0.04)
            roll = rng.random()
            status = "done" if roll < chance else ("skipped" if roll < chance + 0.05 else None)
            if status:
                at = datetime.combine(day, time(8 if step.slot == "am" else 21, rng.randint(0, 50)), tzinfo=zone)
                logs.append(
                    AdherenceLog(
                        step_id=step.id,
                        patient_id=patient.id,
                        local_date=day,
                        slot=step.slot,
                        status=status,
                        at=at.astimezone(UTC),
                    )
                )
    return logs


def seed(
    clinic: Clinic, patients: list[Patient], today: date, treat: Callable[[Patient], object] | None = None
) -> None:
    """Routines and 60 days of adherence for the portal patients; the first one just had microneedling.

    `treat(patient)`, when given, records that microneedling for the first patient instead (a signed
    session, whose signing applies the aftercare); it runs before the history so paused days stay unticked."""
    dermatologist = db.session.scalar(
        sa.select(User).where(User.clinic_id == clinic.id, User.role == "dermatologist").order_by(User.id)
    )
    microneedling = db.session.scalar(
        sa.select(Procedure).where(Procedure.clinic_id == clinic.id, Procedure.code == "microneedling_exosome")
    )
    for index, patient in enumerate(patients):
        if db.session.scalar(sa.select(Routine.id).where(Routine.patient_id == patient.id).limit(1)):
            continue
        routine = copy_template(
            patient,
            "aging" if index == 0 else _template_for(patient),  # aging has actives for aftercare to pause
            starts_on=today - timedelta(days=HISTORY_DAYS),
            user=dermatologist,
        )
        if index == 0 and treat is not None:
            treat(patient)
        elif index == 0 and microneedling is not None:
            ended = datetime.combine(today - timedelta(days=2), time(15, 0), tzinfo=ZoneInfo(patient.timezone))
            apply_aftercare(patient, microneedling, ended.astimezone(UTC), user=dermatologist)
        db.session.flush()
        db.session.refresh(routine)
        db.session.add_all(_history(random.Random(f"routine-{patient.record_number}"), patient, routine, today))  # noqa: S311
    db.session.flush()
