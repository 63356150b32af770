"""A patient cannot be in two rooms at once: staff booking, portal booking, moves, series, waitlist, races."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from clinic.auth.models import User
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.scheduling import waitlist
from clinic.scheduling.availability import find_free_slots
from clinic.scheduling.booking import book_appointment, change_status, reschedule
from clinic.scheduling.errors import PatientBusy
from clinic.scheduling.models import Appointment, AppointmentType
from clinic.scheduling.series import book_series, plan_series
from tests.conftest import BACKEND
from tests.factories import make_patient, make_user
from tests.scheduling.conftest import FROZEN, MONDAY
from tests.scheduling.factories import at, make_type, protocol_for
from tests.scheduling.test_booking import _race


def _book(world, starts_at, provider=None, patient=None, kind=None):
    clinic, aesthetician, _, default_kind, default_patient = world
    return book_appointment(
        clinic=clinic,
        patient=patient or default_patient,
        appointment_type=kind or default_kind,
        provider=provider or aesthetician,
        starts_at=starts_at,
        now=FROZEN,
    )


@pytest.fixture
def laser(world):
    """A dermatologist's type, so the same patient can be booked with a second provider."""
    kind = make_type(world[0], code="laser_exosome", role="dermatologist", duration=60, buffer=15)
    db.session.commit()
    return kind


def test_service_refuses_overlap_with_another_provider(world, laser):
    first = _book(world, at(MONDAY, 9))
    with pytest.raises(PatientBusy, match="already has an appointment then .* at 09:00"):
        _book(world, at(MONDAY, 9, 30), provider=world[2], kind=laser)
    # Touching is fine (the buffer holds the room, not the patient), and a cancelled visit holds nothing.
    assert _book(world, at(MONDAY, 10), provider=world[2], kind=laser).status == "booked"
    change_status(first, "cancelled", clinic=world[0], reason="Ill", now=FROZEN)
    assert _book(world, at(MONDAY, 9), provider=world[2], kind=make_type(world[0], role="dermatologist", buffer=0))


def test_reschedule_into_the_patients_other_appointment_is_refused(world, laser):
    _book(world, at(MONDAY, 9))
    other = _book(world, at(MONDAY, 14), provider=world[2], kind=laser)
    with pytest.raises(PatientBusy):
        reschedule(other, clinic=world[0], starts_at=at(MONDAY, 9, 15), now=FROZEN)
    reschedule(other, clinic=world[0], starts_at=at(MONDAY, 15), now=FROZEN)  # its own old time is no obstacle


def test_staff_booking_page_refuses_with_the_reason(login_as, world, laser):
    clinic, aesthetician, dermatologist, kind, patient = world
    with time_machine.travel(FROZEN, tick=False):
        client, _ = login_as("aesthetician")
        first = client.post(
            "/schedule/book",
            data={
                "patient_id": patient.id,
                "appointment_type_id": kind.id,
                "provider_id": aesthetician.id,
                "starts_at": f"{MONDAY.isoformat()}T09:00",
            },
        )
        assert first.status_code == 302 and "/schedule/appointments/" in first.location
        second = client.post(
            "/schedule/book",
            data={
                "patient_id": patient.id,
                "appointment_type_id": laser.id,
                "provider_id": dermatologist.id,
                "starts_at": f"{MONDAY.isoformat()}T09:30",
            },
        )
    assert second.status_code == 409
    assert f"{patient.full_name} already has an appointment then" in second.text
    assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 1


def test_slot_lists_leave_out_the_patients_busy_times(world, laser):
    _book(world, at(MONDAY, 9))
    db.session.commit()
    found = find_free_slots(world[0], laser, MONDAY, MONDAY, now=FROZEN, patient_id=world[4].id)
    starts = {s.starts_at for s in found[world[2]]}
    assert at(MONDAY, 9, 30) not in starts and at(MONDAY, 8, 15) not in starts
    assert at(MONDAY, 10) in starts
    anyone = find_free_slots(world[0], laser, MONDAY, MONDAY, now=FROZEN)
    assert at(MONDAY, 9, 30) in {s.starts_at for s in anyone[world[2]]}


def test_series_plan_and_booking_avoid_the_patients_other_appointment(world, laser):
    clinic, aesthetician, dermatologist, kind, patient = world
    _book(world, at(MONDAY, 9), provider=dermatologist, kind=laser)
    protocol = protocol_for(kind.procedure)
    plan = plan_series(clinic, protocol, kind, MONDAY, now=FROZEN, patient_id=patient.id)
    assert plan[0].slot.starts_at >= at(MONDAY, 10)
    with pytest.raises(PatientBusy, match="Session 1: .*already has an appointment"):
        book_series(clinic, patient, protocol, kind, [(at(MONDAY, 9, 30), aesthetician)], now=FROZEN)


def test_waitlist_offer_skips_a_patient_busy_then(world, laser):
    clinic, aesthetician, dermatologist, kind, patient = world
    busy, free = make_patient(clinic), make_patient(clinic)
    for waiting in (busy, free):
        waitlist.add_entry(waiting, kind, MONDAY, MONDAY, today=FROZEN.date())
    _book(world, at(MONDAY, 9, 30), provider=dermatologist, kind=laser, patient=busy)
    freed = _book(world, at(MONDAY, 9))
    change_status(freed, "cancelled", clinic=clinic, reason="Ill", now=FROZEN, notify=False)
    offered = db.session.scalars(
        sa.select(waitlist.WaitlistEntry).where(waitlist.WaitlistEntry.match_starts_at.is_not(None))
    ).all()
    assert [e.patient_id for e in offered] == [free.id]


def test_portal_booking_refused_when_the_patient_is_busy(world, laser, login_as):
    clinic, aesthetician, dermatologist, kind, patient = world
    series = book_series(
        clinic, patient, protocol_for(kind.procedure), kind, [(at(MONDAY, 9), aesthetician)], now=FROZEN
    )
    change_status(series.appointments[0], "completed", clinic=clinic, now=at(MONDAY, 10))
    day = MONDAY + timedelta(days=28)
    _book(world, at(day, 9), provider=dermatologist, kind=laser)
    db.session.commit()
    with time_machine.travel(at(MONDAY + timedelta(days=1), 12), tick=False):
        client, _ = login_as("patient", user=make_user("patient", patient=patient))
        url = f"/portal/appointments/series/{series.id}/book"
        assert f'value="{at(day, 9).isoformat()}"' not in client.get(url).text
        response = client.post(
            url,
            data={"starts_at": at(day, 9, 30).isoformat(), "provider_id": aesthetician.id},
            follow_redirects=True,
        )
    assert "already has an appointment then" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Appointment.id)).where(Appointment.booked_via == "portal")) == 0


def test_concurrent_bookings_of_one_patient_with_two_providers(app, world, laser):
    clinic, aesthetician, dermatologist, kind, patient = world
    ids = (clinic.id, patient.id)
    jobs = [(aesthetician.id, kind.id, at(MONDAY, 9)), (dermatologist.id, laser.id, at(MONDAY, 9, 30))] * 4

    def worker(i: int) -> None:
        provider_id, kind_id, starts_at = jobs[i]
        book_appointment(
            clinic=db.session.get(Clinic, ids[0]),
            patient=db.session.get(Patient, ids[1]),
            appointment_type=db.session.get(AppointmentType, kind_id),
            provider=db.session.get(User, provider_id),
            starts_at=starts_at,
            now=FROZEN,
        )

    results = _race(app, worker, len(jobs))
    assert sorted(results) == ["booked"] + ["taken"] * (len(jobs) - 1), results
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 1


@pytest.mark.skipif(BACKEND != "postgres", reason="the exclusion constraint is PostgreSQL's")
def test_database_refuses_an_overlap_the_service_never_saw(world, laser):
    first = _book(world, at(MONDAY, 9))
    db.session.commit()
    copy = Appointment(
        clinic_id=first.clinic_id,
        patient_id=first.patient_id,
        provider_id=world[2].id,
        room_id=first.room_id + 1,
        appointment_type_id=laser.id,
        starts_at=at(MONDAY, 9, 30),
        ends_at=at(MONDAY, 10, 30),
        blocks_until=at(MONDAY, 10, 45),
        local_date=MONDAY,
    )
    db.session.add(copy)
    with pytest.raises(sa.exc.IntegrityError, match="ex_appointment_patient_overlap"):
        db.session.flush()
    db.session.rollback()
