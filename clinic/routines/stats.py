"""Adherence: per-day status, percentages, streaks, the staff chart and the clinic's lowest-adherence list.

Done counts come from SQL (GROUP BY local date); which steps were planned on each day comes from the one SQL
due rule (routines/due.py, one query for the whole range); pauses are subtracted in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from markupsafe import Markup, escape

from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.routines.due import due_steps
from clinic.routines.models import AdherenceLog, Routine, RoutineStep
from clinic.routines.schedule import slot_moment
from clinic.routines.windows import patient_windows, planned_steps

KEPT, MISSED, PAUSED, OPEN = "kept", "missed", "paused", "open"


@dataclass(frozen=True)
class DayAdherence:
    day: date
    expected: int
    done: int

    @property
    def status(self) -> str:
        if self.expected == 0:
            return PAUSED
        return KEPT if self.done >= self.expected else MISSED


def adherence_pct(days: Sequence[DayAdherence]) -> int | None:
    """Done ÷ expected over the days, as a whole percentage; None when nothing was expected."""
    expected = sum(d.expected for d in days)
    if expected == 0:
        return None
    return round(100 * min(sum(d.done for d in days), expected) / expected)


def current_streak(days: Sequence[DayAdherence], today: date) -> int:
    """Consecutive kept days up to today. Paused days (nothing expected) neither break nor extend it;
    today only counts once it is complete, so an unfinished today does not break the streak."""
    streak = 0
    for d in sorted(days, key=lambda d: d.day, reverse=True):
        if d.day > today or d.status == PAUSED:
            continue
        if d.status == KEPT:
            streak += 1
        elif d.day == today:
            continue
        else:
            break
    return streak


def _expected_by_day(patient: Patient, start: date, end: date) -> dict[date, int]:
    """Unpaused planned steps per day, by the same rule as the Today page (`windows.planned_steps`)."""
    zone = ZoneInfo(patient.timezone)
    due = due_steps(patient.id, start, end)
    routines = db.session.scalars(
        sa.select(Routine)
        .where(Routine.patient_id == patient.id, sa.or_(Routine.ends_on.is_(None), Routine.ends_on >= start))
        .options(sa.orm.selectinload(Routine.steps).selectinload(RoutineStep.product))
    ).all()
    windows = patient_windows(patient.id, slot_moment(start, "am", zone) - timedelta(days=1))
    expected: dict[date, int] = {}
    day = start
    while day <= end:
        expected[day] = sum(pause is None for _, pause in planned_steps(routines, windows, day, zone, due))
        day += timedelta(days=1)
    return expected


def done_by_day(patient_id: int, start: date, end: date) -> dict[date, int]:
    """Done ticks per local date, counted in SQL."""
    rows = db.session.execute(
        sa.select(AdherenceLog.local_date, sa.func.count())
        .where(
            AdherenceLog.patient_id == patient_id,
            AdherenceLog.status == "done",
            AdherenceLog.local_date.between(start, end),
        )
        .group_by(AdherenceLog.local_date)
    ).all()
    return {row[0]: row[1] for row in rows}


def adherence_series(patient_id: int, today: date, days: int = 30) -> list[DayAdherence]:
    patient = db.session.get(Patient, patient_id)
    start = today - timedelta(days=days - 1)
    expected = _expected_by_day(patient, start, today)
    done = done_by_day(patient_id, start, today)
    return [DayAdherence(d, expected[d], done.get(d, 0)) for d in sorted(expected)]


def _day(day: date) -> str:
    """A chart's date as people write it: "8 Dec"."""
    return f"{day.day} {day:%b}"


def adherence_svg(series: Sequence[DayAdherence], width: int = 600, height: int = 120) -> Markup:
    """A bar per day (done ÷ expected), paused days grey, drawn on the server."""
    if not series:
        return Markup("")
    bar = width / len(series)
    parts = [
        f'<svg class="adherence-chart" viewBox="0 0 {width} {height + 20}" role="img" '
        f'aria-labelledby="adherence-chart-title" xmlns="http://www.w3.org/2000/svg">',
        '<title id="adherence-chart-title">Adherence, last '
        f"{len(series)} days: {adherence_pct(series) if adherence_pct(series) is not None else '–'}%</title>",
    ]
    for i, d in enumerate(series):
        share = 1.0 if d.expected == 0 else min(d.done / d.expected, 1.0)
        h = max(2, share * height)
        color = "#adb5bd" if d.status == PAUSED else ("#198754" if d.status == KEPT else "#0b4f6c")
        parts.append(
            f'<rect x="{i * bar + 1:.1f}" y="{height - h:.1f}" width="{bar - 2:.1f}" height="{h:.1f}" '
            f'fill="{color}"><title>{escape(_day(d.day))}: {d.done} of {d.expected} steps</title></rect>'
        )
    parts.append(f'<text x="0" y="{height + 16}" font-size="12">{escape(_day(series[0].day))}</text>')
    parts.append(
        f'<text x="{width}" y="{height + 16}" font-size="12" text-anchor="end">'
        f"{escape(_day(series[-1].day))}</text></svg>"
    )
    return Markup("".join(parts))  # noqa: S704 - every interpolated value above is a number or escaped
