"""The maintenance phase: after induction, the next session is due every `maintenance_interval_days`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from clinic.extensions import db
from clinic.scheduling.booking import book_appointment, change_status
from clinic.scheduling.errors import SchedulingError
from clinic.scheduling.followups import follow_up_queue
from clinic.scheduling.models import Appointment, Series
from clinic.scheduling.series import book_series
from tests.factories import make_user
from tests.scheduling.conftest import FROZEN, MONDAY
from tests.scheduling.factories import at, protocol_for

LAST = MONDAY + timedelta(days=84)  # induction session 4 of 4, a Monday
DUE = LAST + timedelta(days=91)  # 31 May 2027, a Monday


def _induction_done(world, tolerance: int = 3) -> Series:
    """A 4-session face series, all completed, on a protocol with a 91-day maintenance interval."""
    clinic, aesthetician, _, kind, patient = world
    clinic.series_tolerance_days = tolerance
    protocol = protocol_for(kind.procedure)
    protocol.maintenance_interval_days = 91
    starts = [at(MONDAY + timedelta(days=28 * i), 9) for i in range(4)]
    series = book_series(clinic, patient, protocol, kind, [(s, aesthetician) for s in starts], now=FROZEN)
    for appointment in series.appointments:
        change_status(appointment, "completed", clinic=clinic, now=appointment.starts_at)
    db.session.commit()
    return series


def _book(world, series: Series, day: date, hour: int = 9, allow_past: bool = False) -> Appointment:
    clinic, aesthetician, _, kind, patient = world
    return book_appointment(
        clinic=clinic,
        patient=patient,
        appointment_type=kind,
        provider=aesthetician,
        starts_at=at(day, hour),
        series=series,
        now=at(LAST, 12),
        allow_past=allow_past,
        notify=False,
    )


def test_series_enters_maintenance_after_induction(world):
    series = _induction_done(world)
    assert series.status == "active" and series.in_maintenance
    assert series.next_due_on == DUE and series.window_closes_on == DUE + timedelta(days=3)
    assert series.progress_label == "Induction 4 of 4 done · maintenance due 31 May"


def test_without_maintenance_interval_the_series_completes(world):
    clinic, aesthetician, _, kind, patient = world
    starts = [at(MONDAY + timedelta(days=28 * i), 9) for i in range(4)]
    series = book_series(
        clinic, patient, protocol_for(kind.procedure), kind, [(s, aesthetician) for s in starts], now=FROZEN
    )
    for appointment in series.appointments:
        change_status(appointment, "completed", clinic=clinic, now=appointment.starts_at)
    assert series.status == "completed" and not series.in_maintenance and series.next_due_on is None
    assert series.progress_label == "4 of 4 done"


def test_maintenance_session_rules(world):
    clinic = world[0]
    series = _induction_done(world)
    with pytest.raises(SchedulingError, match="minimum interval is 88 days"):
        _book(world, series, DUE - timedelta(days=7))
    with pytest.raises(SchedulingError, match="after the last session"):
        _book(world, series, LAST - timedelta(days=3), allow_past=True)
    late = _book(world, series, DUE + timedelta(days=7))
    assert late.overdue and series.next_due_on is None
    assert series.progress_label == "Induction 4 of 4 done · maintenance session booked"
    with pytest.raises(SchedulingError, match="already booked"):
        _book(world, series, DUE + timedelta(days=14))
    change_status(late, "completed", clinic=clinic, now=late.starts_at)
    assert series.sessions_done == 5 and series.next_due_on == late.local_date + timedelta(days=91)


def _queue_kinds(clinic, now: datetime) -> list[tuple[str, str, date]]:
    return [(i.kind, i.label, i.due_on) for i in follow_up_queue(clinic, now=now).items if i.kind != "checkpoint"]


def test_queue_lists_maintenance_due_closing_and_overdue(world):
    clinic = world[0]
    _induction_done(world, tolerance=10)  # window 21 May – 10 Jun
    noon = datetime(2027, 1, 1, 17, tzinfo=UTC).timetz()
    assert _queue_kinds(clinic, datetime.combine(DUE - timedelta(days=5), noon)) == []
    assert _queue_kinds(clinic, datetime.combine(DUE, noon)) == [("due", "Maintenance: session due", DUE)]
    assert _queue_kinds(clinic, datetime.combine(DUE + timedelta(days=5), noon)) == [
        ("window_closing", "Maintenance: window closes soon", DUE)
    ]
    assert _queue_kinds(clinic, datetime.combine(DUE + timedelta(days=11), noon)) == [
        ("overdue", "Maintenance: overdue", DUE)
    ]


def test_staff_booking_form_books_maintenance(world, login_as):
    clinic, aesthetician, _, kind, patient = world
    series = _induction_done(world)
    with time_machine.travel(at(DUE - timedelta(days=3), 12), tick=False):
        client, _ = login_as("aesthetician")
        queue = client.get("/schedule/followups")
        assert "Maintenance: window closes soon" in queue.text and "Induction 4 of 4 done" in queue.text
        response = client.post(
            f"/schedule/book?patient={patient.id}",
            data={
                "patient_id": patient.id,
                "appointment_type_id": kind.id,
                "provider_id": aesthetician.id,
                "starts_at": f"{DUE:%Y-%m-%d}T10:00",
                "series_id": series.id,
            },
        )
        assert response.status_code == 302, response.text
    db.session.expire_all()
    booked = db.session.scalar(sa.select(Appointment).where(Appointment.local_date == DUE))
    assert booked.series_id == series.id and not booked.overdue


def test_patient_books_maintenance_in_the_portal(world, login_as):
    clinic, aesthetician, _, kind, patient = world
    series = _induction_done(world)
    with time_machine.travel(at(DUE - timedelta(days=7), 12), tick=False):
        client, _ = login_as("patient", user=make_user("patient", patient=patient))
        listing = client.get("/portal/appointments")
        assert "maintenance due 31 May" in listing.text and "Book my next session" in listing.text
        url = f"/portal/appointments/series/{series.id}/book"
        page = client.get(url)
        assert "Free times from Fri 28 May" in page.text  # due − tolerance is the first day offered
        assert "Choose a time on Friday 28 May" in page.text and "09:00" in page.text
        assert "Thu 27 May" not in page.text and "Fri 04 Jun" not in page.text
        booked = client.post(
            url,
            data={"starts_at": at(DUE, 9).isoformat(), "provider_id": aesthetician.id},
            follow_redirects=True,
        )
        assert "Your session is booked" in booked.text
    db.session.expire_all()
    assert series.sessions_booked == 5 and series.next_due_on is None
