"""The clinic's lowest-adherence list, computed in SQL over the last 30 days.

Expected uses per step = uses per week ÷ 7 × the days the step was active in the window (pauses are not
subtracted: a paused patient may show slightly low for a few days, which staff can see on the chart).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.routines.models import AdherenceLog, Routine, RoutineStep


class days_between(FunctionElement):  # noqa: N801 - reads like the SQL function it renders
    """Whole days from the first date to the second (PostgreSQL date subtraction, SQLite julianday)."""

    type = sa.Float()
    inherit_cache = True


@compiles(days_between)
def _days_between_default(element, compiler, **kw) -> str:
    start, end = list(element.clauses)
    return f"({compiler.process(end, **kw)} - {compiler.process(start, **kw)})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw) -> str:
    start, end = list(element.clauses)
    return f"(julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)}))"


def _later(a, b):
    return sa.case((a > b, a), else_=b)


def _earlier(a, b):
    return sa.case((a < b, a), else_=b)


@dataclass(frozen=True)
class PatientAdherence:
    patient_id: int
    name: str
    record_number: str
    done: int
    expected: float

    @property
    def pct(self) -> int:
        return round(100 * min(self.done / self.expected, 1.0)) if self.expected else 0


def lowest_adherence(clinic_id: int, today: date, days: int = 30, limit: int = 20) -> list[PatientAdherence]:
    start = today - timedelta(days=days - 1)
    ws, we = sa.literal(start, sa.Date), sa.literal(today, sa.Date)
    weekly = sa.case(
        (RoutineStep.frequency == "daily", 7.0),
        (RoutineStep.frequency == "every_other_day", 3.5),
        else_=sa.func.length(sa.func.coalesce(RoutineStep.weekdays, "")) * 1.0,
    )
    first = _later(Routine.starts_on, ws)
    last = _earlier(sa.func.coalesce(RoutineStep.ends_on, Routine.ends_on, we), we)
    active_days = days_between(first, last) + 1
    expected = (
        sa.select(Routine.patient_id.label("patient_id"), sa.func.sum(weekly / 7.0 * active_days).label("expected"))
        .join(RoutineStep, RoutineStep.routine_id == Routine.id)
        .where(
            Routine.clinic_id == clinic_id,
            RoutineStep.aftercare_id.is_(None),
            Routine.starts_on <= we,
            sa.func.coalesce(RoutineStep.ends_on, Routine.ends_on, we) >= ws,
        )
        .group_by(Routine.patient_id)
        .subquery()
    )
    done = (
        sa.select(AdherenceLog.patient_id.label("patient_id"), sa.func.count().label("done"))
        .where(AdherenceLog.status == "done", AdherenceLog.local_date.between(start, today))
        .group_by(AdherenceLog.patient_id)
        .subquery()
    )
    done_count = sa.func.coalesce(done.c.done, 0)
    ratio = done_count * 1.0 / expected.c.expected
    rows = db.session.execute(
        sa.select(
            Patient.id,
            Patient.first_name,
            Patient.last_name,
            Patient.record_number,
            done_count,
            expected.c.expected,
        )
        .join(expected, expected.c.patient_id == Patient.id)
        .outerjoin(done, done.c.patient_id == Patient.id)
        .where(Patient.clinic_id == clinic_id, Patient.archived_at.is_(None), expected.c.expected > 0)
        .order_by(ratio, Patient.last_name, Patient.id)
        .limit(limit)
    ).all()
    return [PatientAdherence(r[0], f"{r[2]}, {r[1]}", r[3], int(r[4]), float(r[5])) for r in rows]
