""" "Is this step due on this local date?" as one SQL expression, used by the reminder planner and the day plan.

A step is due on `day` when its routine has started and not ended, the step has started (routine start +
`start_offset_days`) and not ended, and its frequency matches: daily; every other day counted from the
step's first day; or the chosen ISO weekdays (0 = Monday … 6 = Sunday, stored as digits, e.g. "024").
Aftercare recovery steps are not date-based: they are planned while an aftercare window covers the slot's
moment (routines/windows.py, `recovery_active_sql` for SQL).

tests/routines/test_due_sql.py checks the expression against Python's calendar for a year of dates on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from clinic.extensions import db
from clinic.routines.models import Routine, RoutineStep


class days_between(FunctionElement):  # noqa: N801 - reads like the SQL function it compiles to
    """Whole days from date `a` to date `b` (b - a)."""

    type = sa.Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between)
def _days_between_default(element, compiler, **kw) -> str:
    a, b = list(element.clauses)
    return f"({compiler.process(b, **kw)} - {compiler.process(a, **kw)})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw) -> str:
    a, b = list(element.clauses)
    return f"CAST(julianday({compiler.process(b, **kw)}) - julianday({compiler.process(a, **kw)}) AS INTEGER)"


class iso_weekday0(FunctionElement):  # noqa: N801
    """Weekday of a date as Python's date.weekday(): 0 = Monday … 6 = Sunday."""

    type = sa.Integer()
    inherit_cache = True
    name = "iso_weekday0"


@compiles(iso_weekday0)
def _weekday_default(element, compiler, **kw) -> str:
    (d,) = list(element.clauses)
    return f"(CAST(EXTRACT(ISODOW FROM {compiler.process(d, **kw)}) AS INTEGER) - 1)"


@compiles(iso_weekday0, "sqlite")
def _weekday_sqlite(element, compiler, **kw) -> str:
    (d,) = list(element.clauses)
    return f"((CAST(strftime('%w', {compiler.process(d, **kw)}) AS INTEGER) + 6) % 7)"


def step_due_sql(day: sa.ColumnElement) -> sa.ColumnElement:
    """True where the RoutineStep (joined to its Routine) is due on the local date `day` (date-based steps)."""
    since_first = days_between(Routine.starts_on, day) - RoutineStep.start_offset_days
    weekday_text = sa.cast(iso_weekday0(day), sa.String)
    return sa.and_(
        RoutineStep.aftercare_id.is_(None),
        Routine.starts_on <= day,
        since_first >= 0,
        sa.or_(Routine.ends_on.is_(None), Routine.ends_on >= day),
        sa.or_(RoutineStep.ends_on.is_(None), RoutineStep.ends_on >= day),
        sa.or_(
            RoutineStep.frequency == "daily",
            sa.and_(RoutineStep.frequency == "every_other_day", since_first % 2 == 0),
            sa.and_(
                RoutineStep.frequency == "weekdays",
                RoutineStep.weekdays.contains(weekday_text, autoescape=False),
            ),
        ),
    )


def due_steps(patient_id: int, start: date, end: date) -> set[tuple[int, date]]:
    """(step id, local date) of every regular step of the patient due on each day from `start` to `end`.

    One query over a derived table of the days; the rule is `step_due_sql`. Recovery steps follow aftercare
    windows instead (routines/windows.py), and pauses and ticks are not considered here.
    """
    if end < start:
        return set()
    days = sa.union_all(
        *[sa.select(sa.literal(start + timedelta(days=n), sa.Date).label("day")) for n in range((end - start).days + 1)]
    ).subquery("days")
    rows = db.session.execute(
        sa.select(RoutineStep.id, days.c.day)
        .join(Routine, Routine.id == RoutineStep.routine_id)
        .join(days, sa.true())
        .where(Routine.patient_id == patient_id, step_due_sql(days.c.day))
    ).tuples()
    return {(step_id, day if isinstance(day, date) else date.fromisoformat(day)) for step_id, day in rows}
