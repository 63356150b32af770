"""Outcome checkpoints are done when an outcome score was recorded within ± the series tolerance of them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
import time_machine

from clinic.extensions import db
from clinic.scheduling.booking import change_status
from clinic.scheduling.checkpoints import checkpoint_dates
from clinic.scheduling.followups import follow_up_queue
from clinic.scheduling.models import Series, SeriesCheckpoint
from clinic.scheduling.series import book_series
from clinic.treatments.models import OutcomeScore
from tests.factories import make_patient
from tests.scheduling.conftest import FROZEN, MONDAY
from tests.scheduling.factories import at, protocol_for

THREE_MONTHS = date(2027, 3, 7)


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 17, tzinfo=UTC)  # 12:00 in New York


@pytest.fixture
def started(world) -> Series:
    """Session 1 on MONDAY (7 Dec 2026), completed; tolerance 3 days; nothing else booked."""
    clinic, aesthetician, _, kind, patient = world
    clinic.series_tolerance_days = 3
    series = book_series(
        clinic, patient, protocol_for(kind.procedure), kind, [(at(MONDAY, 9), aesthetician)], now=FROZEN
    )
    change_status(series.appointments[0], "completed", clinic=clinic, now=at(MONDAY, 10), notify=False)
    db.session.commit()
    return series


def _score(world, day: date, patient=None) -> None:
    clinic, _, dermatologist, _, own = world
    db.session.add(
        OutcomeScore(
            clinic_id=clinic.id,
            patient_id=(patient or own).id,
            scale="iga",
            checkpoint="visit",
            recorded_on=day,
            value=Decimal(2),
            label="2",
            recorded_by_id=dermatologist.id,
        )
    )
    db.session.commit()


def _checkpoints_due(clinic, day: date) -> list[date]:
    return [i.due_on for i in follow_up_queue(clinic, now=_noon(day)).items if i.kind == "checkpoint"]


def test_checkpoints_are_dated_from_the_first_session(started):
    rows = db.session.scalars(
        sa.select(SeriesCheckpoint).where(SeriesCheckpoint.series_id == started.id).order_by("position")
    ).all()
    assert [(c.months, c.due_on) for c in rows] == [
        (0, MONDAY),
        (3, THREE_MONTHS),
        (6, date(2027, 6, 7)),
        (9, date(2027, 9, 7)),
    ]
    assert checkpoint_dates(date(2026, 11, 30), [3, 0]) == [(0, date(2026, 11, 30)), (3, date(2027, 2, 28))]


def test_a_score_inside_the_tolerance_window_closes_the_checkpoint(world, started):
    clinic = world[0]
    today = MONDAY + timedelta(days=1)
    assert _checkpoints_due(clinic, today) == [MONDAY]
    _score(world, MONDAY + timedelta(days=4))  # outside ± 3 days
    _score(world, MONDAY, patient=make_patient(clinic, last_name="Other"))  # someone else's score
    assert _checkpoints_due(clinic, today) == [MONDAY]
    _score(world, MONDAY - timedelta(days=3))  # the edge of the window counts
    assert _checkpoints_due(clinic, today) == []


def test_the_next_checkpoint_follows_once_scored(world, started):
    clinic = world[0]
    _score(world, MONDAY)
    assert _checkpoints_due(clinic, THREE_MONTHS - timedelta(days=8)) == []
    assert _checkpoints_due(clinic, THREE_MONTHS - timedelta(days=7)) == [THREE_MONTHS]
    _score(world, THREE_MONTHS + timedelta(days=2))
    assert _checkpoints_due(clinic, THREE_MONTHS) == []
    assert _checkpoints_due(clinic, date(2027, 6, 1)) == [date(2027, 6, 7)]


def test_a_missed_checkpoint_stays_until_marked_by_hand(world, started, login_as):
    clinic = world[0]
    _score(world, THREE_MONTHS)  # the 3-month score exists, the baseline was never scored
    assert _checkpoints_due(clinic, THREE_MONTHS) == [MONDAY]
    with time_machine.travel(_noon(THREE_MONTHS), tick=False):
        client, _ = login_as("aesthetician")
        assert client.post(f"/schedule/series/{started.id}/checkpoint", data={}).status_code == 302
        again = client.post(f"/schedule/series/{started.id}/checkpoint", data={}, follow_redirects=True)
        assert "Checkpoint recorded" in again.text  # the 6-month one, marked early by a second click
    db.session.expire_all()
    assert started.checkpoints_recorded == 3
    assert _checkpoints_due(clinic, date(2027, 9, 1)) == [date(2027, 9, 7)]
