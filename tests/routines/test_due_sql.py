"""The one "is this step due on this date" rule, in SQL, against Python's calendar for a year of dates."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from clinic.extensions import db
from clinic.routines.due import due_steps, step_due_sql
from clinic.routines.models import Routine, RoutineStep
from tests.factories import make_patient
from tests.routines.factories import make_routine

START = date(2026, 1, 1)  # a Thursday
DAYS = [START - timedelta(days=3) + timedelta(days=n) for n in range(372)]  # a year, DST changes, a few before

STEPS = [
    dict(label="daily", slot="am"),
    dict(label="every other day", slot="pm", frequency="every_other_day"),
    dict(label="every other day from day 3", slot="pm", frequency="every_other_day", start_offset_days=3),
    dict(label="Mon Wed Fri", slot="pm", frequency="weekdays", weekdays="024"),
    dict(label="Sundays", slot="pm", frequency="weekdays", weekdays="6"),
    dict(label="Tue Sat from day 10", slot="am", frequency="weekdays", weekdays="15", start_offset_days=10),
    dict(label="daily until June", slot="am", ends_on=date(2026, 6, 1)),
]


def _calendar_due(spec: dict, day: date, routine_ends_on: date | None) -> bool:
    """Independent of the app's code: plain date arithmetic and date.weekday()."""
    first = START + timedelta(days=spec.get("start_offset_days", 0))
    if day < first or (spec.get("ends_on") and day > spec["ends_on"]):
        return False
    if routine_ends_on and day > routine_ends_on:
        return False
    frequency = spec.get("frequency", "daily")
    if frequency == "daily":
        return True
    if frequency == "every_other_day":
        return (day - first).days % 2 == 0
    return str(day.weekday()) in spec["weekdays"]


def _sql_due(routine: Routine) -> set[tuple[str, date]]:
    days = sa.union_all(*[sa.select(sa.literal(d, sa.Date).label("d")) for d in DAYS]).subquery("days")
    rows = db.session.execute(
        sa.select(RoutineStep.label, days.c.d)
        .join(Routine, Routine.id == RoutineStep.routine_id)
        .join(days, sa.true())
        .where(Routine.id == routine.id, step_due_sql(days.c.d))
    ).all()
    return {(label, d if isinstance(d, date) else date.fromisoformat(d)) for label, d in rows}


def test_sql_due_rule_matches_the_calendar_for_a_year(app):
    routine_ends_on = date(2026, 11, 30)
    routine = make_routine(make_patient(), STEPS, starts_on=START, ends_on=routine_ends_on)
    db.session.commit()
    expected = {(spec["label"], d) for spec in STEPS for d in DAYS if _calendar_due(spec, d, routine_ends_on)}
    assert _sql_due(routine) == expected
    labels = {step.id: step.label for step in routine.steps}
    planned = due_steps(routine.patient_id, DAYS[0], DAYS[-1])  # what the day plan and stats use
    assert {(labels[step_id], d) for step_id, d in planned} == expected
    # The rule really distinguishes: not everything, not nothing, weekdays differ from daily.
    assert 0 < len([x for x in expected if x[0] == "Sundays"]) < len([x for x in expected if x[0] == "daily"])
