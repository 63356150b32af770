"""Outcome checkpoints of a series, linked to the outcome scores the dermatologists record.

A checkpoint (baseline, 3, 6, 9 months after the series' first session) is done when the patient has at
least one outcome score, on any scale, recorded within ± the clinic's series tolerance of its date. This is
checked in SQL whenever it is needed (the follow-up queue, the "Checkpoint recorded" button), so recording
a score in a session ends the follow-up without any hook in the treatments feature.

The manual "Checkpoint recorded" counter (`Series.checkpoints_recorded`) stays as well: a clinician may
assess a patient without scoring (photos declined, scores taken elsewhere, patient unreachable), and the
queue must then let go of that checkpoint. Checkpoints at a position below the counter count as done.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.scheduling.models import Series, SeriesCheckpoint
from clinic.treatments.models import OutcomeScore


def shift_days(column, days: int):
    """`column` (a DATE) moved by `days`, in SQL on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "sqlite":
        return sa.func.date(column, f"{days:+d} days")
    return column + sa.cast(sa.literal(days), sa.Integer)  # date + integer is a date on PostgreSQL


def scored(tolerance_days: int):
    """EXISTS: the series' patient has an outcome score within ± tolerance of the checkpoint's date."""
    return sa.exists().where(
        OutcomeScore.patient_id == Series.patient_id,
        OutcomeScore.clinic_id == Series.clinic_id,
        OutcomeScore.recorded_on >= shift_days(SeriesCheckpoint.due_on, -tolerance_days),
        OutcomeScore.recorded_on <= shift_days(SeriesCheckpoint.due_on, tolerance_days),
    )


def open_checkpoints(clinic: Clinic):
    """SELECT of the checkpoints not yet done (no score in the window, not marked by hand) in the clinic."""
    return (
        sa.select(SeriesCheckpoint)
        .join(Series, Series.id == SeriesCheckpoint.series_id)
        .where(
            Series.clinic_id == clinic.id,
            SeriesCheckpoint.position >= Series.checkpoints_recorded,
            ~scored(clinic.series_tolerance_days),
        )
    )


def earliest_open(clinic: Clinic):
    """Per series, the date of its earliest open checkpoint: (series_id, due_on), as a subquery."""
    checkpoints = open_checkpoints(clinic).subquery()
    return (
        sa.select(checkpoints.c.series_id, sa.func.min(checkpoints.c.due_on).label("due_on"))
        .group_by(checkpoints.c.series_id)
        .subquery("open_checkpoint")
    )


def first_open(series: Series, clinic: Clinic) -> SeriesCheckpoint | None:
    return db.session.scalars(
        open_checkpoints(clinic)
        .where(SeriesCheckpoint.series_id == series.id)
        .order_by(SeriesCheckpoint.position)
        .limit(1)
    ).first()


def mark_recorded(series: Series, clinic: Clinic) -> SeriesCheckpoint | None:
    """Staff say the earliest open checkpoint was assessed, score or not; it (and those before) count done."""
    checkpoint = first_open(series, clinic)
    if checkpoint is not None:
        series.checkpoints_recorded = max(series.checkpoints_recorded, checkpoint.position + 1)
        refresh_checkpoints(series)
    return checkpoint


def checkpoint_dates(started_on: date, months: list[int]) -> list[tuple[int, date]]:
    """(months, date) of each checkpoint; month ends are clamped (31 Jan + 1 month = 28 Feb)."""
    return [(m, started_on + relativedelta(months=m)) for m in sorted(set(months))]


def refresh_checkpoints(series: Series) -> None:
    """Date the series' checkpoints from its first session; keep `next_checkpoint_on` (the next one not
    marked by hand) for display."""
    existing = {
        c.position: c
        for c in db.session.scalars(sa.select(SeriesCheckpoint).where(SeriesCheckpoint.series_id == series.id))
    }
    planned = checkpoint_dates(series.started_on, series.protocol.checkpoint_months or []) if series.started_on else []
    for position, (months, due_on) in enumerate(planned):
        checkpoint = existing.pop(position, None)
        if checkpoint is None:
            db.session.add(SeriesCheckpoint(series_id=series.id, position=position, months=months, due_on=due_on))
        else:
            checkpoint.months, checkpoint.due_on = months, due_on
    for stale in existing.values():
        db.session.delete(stale)
    unmarked = [due_on for _, due_on in planned[series.checkpoints_recorded :]]
    series.next_checkpoint_on = unmarked[0] if unmarked else None
