"""Planning routine reminders: local times across DST, quiet hours, ticked/paused/opted-out slots."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from clinic.extensions import db
from clinic.reminders.models import OutboxMessage
from clinic.reminders.planner import plan
from clinic.routines.aftercare import apply_aftercare
from clinic.routines.models import AdherenceLog, RoutineWindow
from tests.factories import make_patient, make_user
from tests.reminders.helpers import patient_with_routine
from tests.routines.factories import make_routine, procedure


def _rows():
    db.session.expire_all()
    return db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()


DST_CASES = [
    # zone, local date, the UTC instant of 08:00 local that day
    ("America/New_York", date(2026, 3, 7), datetime(2026, 3, 7, 13, 0, tzinfo=UTC)),
    ("America/New_York", date(2026, 3, 8), datetime(2026, 3, 8, 12, 0, tzinfo=UTC)),
    ("America/New_York", date(2026, 10, 31), datetime(2026, 10, 31, 12, 0, tzinfo=UTC)),
    ("America/New_York", date(2026, 11, 1), datetime(2026, 11, 1, 13, 0, tzinfo=UTC)),
    ("Europe/London", date(2026, 3, 28), datetime(2026, 3, 28, 8, 0, tzinfo=UTC)),
    ("Europe/London", date(2026, 3, 29), datetime(2026, 3, 29, 7, 0, tzinfo=UTC)),
    ("Europe/London", date(2026, 10, 24), datetime(2026, 10, 24, 7, 0, tzinfo=UTC)),
    ("Europe/London", date(2026, 10, 25), datetime(2026, 10, 25, 8, 0, tzinfo=UTC)),
]


@pytest.mark.parametrize(("zone", "day", "instant"), DST_CASES)
def test_an_0800_reminder_stays_at_0800_local_across_dst(app, zone, day, instant):
    patient, _ = patient_with_routine(zone, prefs={"am_minute": 8 * 60})
    assert plan(instant - timedelta(minutes=1)) == 0  # 07:59 local: not yet
    assert plan(instant) == 1
    assert plan(instant + timedelta(minutes=1)) == 0  # planned once
    (row,) = _rows()
    assert row.kind == "routine_am"
    assert row.dedupe_key == f"routine:am:{patient.id}:{day.isoformat()}"
    assert row.due_at == instant


@pytest.mark.parametrize(("zone", "day", "instant"), [DST_CASES[1], DST_CASES[5]])
def test_the_day_before_dst_offset_is_not_used(app, zone, day, instant):
    patient_with_routine(zone, prefs={"am_minute": 8 * 60})
    wrong = instant + timedelta(hours=1)  # 08:00 with yesterday's offset is 09:00 local after spring forward
    assert plan(wrong) == 0


def test_a_late_dispatcher_catches_up_within_the_window_only(app):
    patient_with_routine("Europe/London", prefs={"pm_minute": 20 * 60})
    assert plan(datetime(2026, 11, 26, 20, 45, tzinfo=UTC)) == 0
    assert plan(datetime(2026, 11, 26, 20, 20, tzinfo=UTC)) == 1


@pytest.mark.parametrize(
    ("quiet", "planned"),
    [((20 * 60, 7 * 60), 0), ((22 * 60, 7 * 60), 1), ((60, 120), 1), ((21 * 60, 22 * 60), 0)],
)
def test_no_reminder_in_quiet_hours(app, quiet, planned):
    patient_with_routine("Europe/London", prefs={"pm_minute": 21 * 60, "quiet_start": quiet[0], "quiet_end": quiet[1]})
    assert plan(datetime(2026, 11, 26, 21, 0, tzinfo=UTC)) == planned


def test_no_reminder_when_opted_out_email_off_or_no_portal_account(app):
    patient_with_routine("Europe/London", prefs={"opted_out": True})
    patient_with_routine("Europe/London", prefs={"email_enabled": False})
    patient_with_routine("Europe/London", portal=False)
    assert plan(datetime(2026, 11, 26, 21, 0, tzinfo=UTC)) == 0


def test_no_reminder_when_the_slot_is_ticked(app):
    patient, routine = patient_with_routine("Europe/London")
    for step in routine.steps:
        if step.slot == "pm":
            db.session.add(
                AdherenceLog(
                    step_id=step.id,
                    patient_id=patient.id,
                    local_date=date(2026, 11, 26),
                    slot="pm",
                    status="done",
                )
            )
    db.session.commit()
    assert plan(datetime(2026, 11, 26, 21, 0, tzinfo=UTC)) == 0
    assert plan(datetime(2026, 11, 26, 8, 0, tzinfo=UTC)) == 1  # the morning is still to do


def test_no_reminder_when_the_slot_is_fully_paused(app):
    patient, routine = patient_with_routine("Europe/London")
    assert any(s.slot == "pm" and "exosome" in s.tags for s in routine.steps)
    # Microneedling pauses the retinoid for 5 days; staff also pause the exosome serum for 2 days.
    record = apply_aftercare(patient, procedure(patient.clinic_id), datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    db.session.add(
        RoutineWindow(
            clinic_id=patient.clinic_id,
            patient_id=patient.id,
            action="pause_tag",
            ingredient_tag="exosome",
            starts_at=datetime(2026, 11, 26, 12, 0, tzinfo=UTC),
            ends_at=datetime(2026, 11, 28, tzinfo=UTC),
            label="Irritation",
        )
    )
    for window in record.windows:  # end the recovery windows, so the PM slot is fully paused
        if window.action == "add_step":
            window.ends_at = window.starts_at
    db.session.commit()
    assert plan(datetime(2026, 11, 26, 21, 0, tzinfo=UTC)) == 0
    assert plan(datetime(2026, 11, 28, 21, 0, tzinfo=UTC)) == 1  # the serum is back


def test_planning_is_set_based(app, count_queries):
    for _ in range(2):
        patient_with_routine("Europe/London")
    with count_queries() as few:
        assert plan(datetime(2026, 11, 26, 21, 0, tzinfo=UTC)) == 2
    for _ in range(8):
        patient_with_routine("Europe/London")
    with count_queries() as many:
        assert plan(datetime(2026, 11, 27, 21, 0, tzinfo=UTC)) == 10
    assert many.count == few.count


def test_reorder_reminder_a_week_before_run_out(app):
    patient, routine = patient_with_routine("Europe/London")
    step = routine.steps[0]
    step.runs_out_on = date(2026, 12, 3)
    db.session.commit()
    assert plan(datetime(2026, 11, 25, 8, 0, tzinfo=UTC)) == 1  # the AM routine only
    assert plan(datetime(2026, 11, 26, 8, 0, tzinfo=UTC)) == 2  # AM routine + reorder
    reorder = [r for r in _rows() if r.kind == "reorder"]
    assert [r.dedupe_key for r in reorder] == [f"reorder:{step.id}:2026-12-03"]
    assert plan(datetime(2026, 11, 27, 8, 0, tzinfo=UTC)) == 1  # no second reorder reminder


def test_a_weekday_step_is_planned_only_on_its_weekdays(app):
    """Nothing is over-planned and cancelled later: the planner uses the SQL due rule (frequency, weekdays)."""
    patient = make_patient(timezone="Europe/London")
    make_routine(
        patient,
        [dict(label="Retinol", slot="pm", frequency="weekdays", weekdays="0")],  # Mondays
        starts_on=date(2026, 11, 1),
    )
    make_user("patient", patient=patient)
    db.session.commit()
    for day in range(23, 30):  # Mon 23 Nov … Sun 29 Nov 2026, 21:00 London = 21:00 UTC
        plan(datetime(2026, 11, day, 21, 0, tzinfo=UTC))
    assert [r.dedupe_key.rsplit(":", 1)[1] for r in _rows()] == ["2026-11-23"]
    assert [r.channel for r in _rows()] == ["email"]
