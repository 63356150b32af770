"""Whole-series planning around holidays and time off, all-or-nothing booking, interval rules, progress."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from clinic.extensions import db
from clinic.scheduling.booking import book_appointment, change_status, reschedule
from clinic.scheduling.errors import SchedulingError
from clinic.scheduling.models import Appointment, Series
from clinic.scheduling.series import book_series, plan_series
from clinic.scheduling.series_rules import series_progress
from tests.scheduling.conftest import FROZEN, MONDAY
from tests.scheduling.factories import at, make_time_off, make_type, protocol_for


def _protocol(world):
    return protocol_for(world[3].procedure)


def _local(slot, clinic):
    return slot.starts_at.astimezone(clinic.zone)


def test_plan_count_protocol_every_28_days_same_hour(world):
    clinic, aesthetician, _, kind, _ = world
    plan = plan_series(clinic, _protocol(world), kind, MONDAY, now=FROZEN)
    assert [p.index for p in plan] == [1, 2, 3, 4]
    days = [_local(p.slot, clinic).date() for p in plan]
    assert days == [MONDAY + timedelta(days=28 * i) for i in range(4)]
    assert {_local(p.slot, clinic).hour for p in plan} == {9}
    assert plan[1].earliest == MONDAY + timedelta(days=28) and plan[1].latest == MONDAY + timedelta(days=42)
    assert {p.slot.provider_id for p in plan} == {aesthetician.id}


def test_plan_moves_around_holiday_and_time_off(world):
    clinic, aesthetician, _, kind, _ = world
    second = MONDAY + timedelta(days=28)
    make_time_off(clinic, at(second, 0), at(second + timedelta(days=1), 0), reason="Clinic holiday")
    make_time_off(
        clinic,
        at(second + timedelta(days=1), 0),
        at(second + timedelta(days=1), 12),
        provider=aesthetician,
        reason="Training",
    )
    plan = plan_series(clinic, _protocol(world), kind, MONDAY, now=FROZEN)
    local = _local(plan[1].slot, clinic)
    assert local.date() == second + timedelta(days=1) and local.hour >= 12  # Tuesday afternoon
    # The following session keeps its interval from the session actually planned.
    assert _local(plan[2].slot, clinic).date() - local.date() >= timedelta(days=28)


def test_plan_day_offset_protocol_stays_in_tolerance(world):
    clinic, *_ = world
    kind = make_type(clinic, code="scalp_exosome_topical")
    protocol = protocol_for(kind.procedure)
    plan = plan_series(clinic, protocol, kind, MONDAY, now=FROZEN)
    days = [_local(p.slot, clinic).date() for p in plan]
    assert len(days) == 5
    for previous, current, gap in zip(days[:-1], days[1:], [14, 30, 30, 30], strict=True):
        assert abs((current - previous).days - gap) <= clinic.series_tolerance_days
        assert current.weekday() < 5


def test_book_series_is_all_or_nothing_and_explains_too_soon(world):
    clinic, aesthetician, _, kind, patient = world
    starts = [
        at(MONDAY, 9),
        at(MONDAY + timedelta(days=28), 9),
        at(MONDAY + timedelta(days=50), 9),
        at(MONDAY + timedelta(days=84), 9),
    ]
    with pytest.raises(SchedulingError, match=r"only 22 days after session 2 .* minimum interval is 28 days"):
        book_series(clinic, patient, _protocol(world), kind, [(s, aesthetician) for s in starts], now=FROZEN)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(Series.id))) == 0
    starts[2] = at(MONDAY + timedelta(days=56), 9)
    series = book_series(clinic, patient, _protocol(world), kind, [(s, aesthetician) for s in starts], now=FROZEN)
    assert series.sessions_booked == 4 and series.next_due_on is None


def test_past_maximum_is_flagged_overdue(world):
    clinic, aesthetician, _, kind, patient = world
    starts = [at(MONDAY, 9), at(MONDAY + timedelta(days=45), 9)]
    series = book_series(clinic, patient, _protocol(world), kind, [(s, aesthetician) for s in starts], now=FROZEN)
    assert [a.overdue for a in series.appointments] == [False, True]


def test_progress_and_remaining(world):
    clinic, aesthetician, _, kind, patient = world
    starts = [at(MONDAY + timedelta(days=28 * i), 9) for i in range(4)]
    series = book_series(clinic, patient, _protocol(world), kind, [(s, aesthetician) for s in starts], now=FROZEN)
    for appointment in series.appointments[:3]:
        change_status(appointment, "completed", clinic=clinic, now=appointment.starts_at)
    assert series_progress(series) == "3 of 4 done" and series.sessions_remaining == 1
    with pytest.raises(SchedulingError, match="already booked"):
        book_appointment(
            clinic=clinic,
            patient=patient,
            appointment_type=kind,
            provider=aesthetician,
            starts_at=at(MONDAY + timedelta(days=120), 9),
            series=series,
            now=FROZEN,
        )


def test_reschedule_keeps_the_series_consistent(world):
    clinic, aesthetician, _, kind, patient = world
    starts = [at(MONDAY + timedelta(days=28 * i), 9) for i in range(3)]
    series = book_series(clinic, patient, _protocol(world), kind, [(s, aesthetician) for s in starts], now=FROZEN)
    second = series.appointments[1]
    with pytest.raises(SchedulingError, match="only 21 days after session 1"):
        reschedule(second, clinic=clinic, starts_at=at(MONDAY + timedelta(days=21), 9), now=FROZEN)
    with pytest.raises(SchedulingError, match="before the next session"):
        reschedule(second, clinic=clinic, starts_at=at(MONDAY + timedelta(days=35), 9), now=FROZEN)
    reschedule(second, clinic=clinic, starts_at=at(MONDAY + timedelta(days=28), 14), now=FROZEN)
    assert second.local_date == MONDAY + timedelta(days=28)


def test_plan_page_refuses_too_soon_then_books(login_as, world):
    clinic, aesthetician, _, kind, patient = world
    protocol = _protocol(world)
    with time_machine.travel(FROZEN, tick=False):
        client, _ = login_as("aesthetician")
        page = client.get(f"/schedule/patients/{patient.id}/plan?protocol={protocol.id}&first={MONDAY}")
        assert page.status_code == 200 and 'name="sessions-3-starts_at"' in page.text
        data = {"protocol_id": protocol.id, "appointment_type_id": kind.id}
        days = [0, 20, 56, 84]
        for i, offset in enumerate(days):
            data[f"sessions-{i}-starts_at"] = f"{MONDAY + timedelta(days=offset)}T09:00"
            data[f"sessions-{i}-provider_id"] = aesthetician.id
        refused = client.post(f"/schedule/patients/{patient.id}/plan", data=data)
        assert refused.status_code == 422 and "minimum interval is 28 days" in refused.text
        assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 0
        data["sessions-1-starts_at"] = f"{MONDAY + timedelta(days=28)}T09:00"
        assert client.post(f"/schedule/patients/{patient.id}/plan", data=data).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 4
