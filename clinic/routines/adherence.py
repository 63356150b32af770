"""Ticking steps off: one adherence row per step and local date, upserted so a double tap adds nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.dialects import postgresql, sqlite

from clinic.audit.services import record
from clinic.extensions import db
from clinic.routines.models import AdherenceLog, RoutineStep
from clinic.routines.services import RoutineError

#: How far back a patient may still tick a forgotten step.
BACKFILL_DAYS = 2


def log_step(step: RoutineStep, *, day: date, status: str, today: date, now: datetime, user=None) -> None:
    """Record `status` (done|skipped) for `step` on local date `day`; ticking again just updates it."""
    if status not in ("done", "skipped"):
        raise RoutineError(gettext("Unknown status."))
    if day > today:
        raise RoutineError(gettext("You cannot tick a step for a day that has not come yet."))
    if day < today - timedelta(days=BACKFILL_DAYS):
        raise RoutineError(gettext("That day is too far back to change."))
    patient_id = step.routine.patient_id
    values = dict(step_id=step.id, patient_id=patient_id, local_date=day, slot=step.slot, status=status, at=now)
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(AdherenceLog).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["step_id", "local_date"],
        set_={"status": stmt.excluded.status, "at": stmt.excluded.at},
    )
    db.session.execute(stmt)
    record(
        f"routine.step_{status}",
        patient_id=patient_id,
        object_type="routine_step",
        object_id=step.id,
        detail=day.isoformat(),
        user=user,
    )


def undo_step(step: RoutineStep, *, day: date, today: date, user=None) -> None:
    if day > today or day < today - timedelta(days=BACKFILL_DAYS):
        raise RoutineError(gettext("That day cannot be changed."))
    db.session.execute(sa.delete(AdherenceLog).where(AdherenceLog.step_id == step.id, AdherenceLog.local_date == day))
    record(
        "routine.step_undo",
        patient_id=step.routine.patient_id,
        object_type="routine_step",
        object_id=step.id,
        detail=day.isoformat(),
        user=user,
    )
