"""Booking rules and the database-enforced no-double-booking guarantee, on both backends."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from clinic.audit.models import AuditEvent
from clinic.auth.models import User
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.scheduling.booking import book_appointment, change_status, reschedule
from clinic.scheduling.errors import SchedulingError, SlotTaken
from clinic.scheduling.models import Appointment, AppointmentType
from tests.factories import make_patient
from tests.scheduling.conftest import FROZEN, MONDAY
from tests.scheduling.factories import at, make_provider, make_time_off


def _book(world, starts_at, **kwargs):
    clinic, aesthetician, _, kind, patient = world
    params = dict(
        clinic=clinic,
        patient=patient,
        appointment_type=kind,
        provider=aesthetician,
        starts_at=starts_at,
        now=FROZEN,
    )
    params.update(kwargs)
    return book_appointment(**params)


def test_books_inside_working_hours_and_audits(world):
    appointment = _book(world, at(MONDAY, 9))
    db.session.commit()
    assert appointment.ends_at - appointment.starts_at == timedelta(minutes=60)
    assert appointment.blocks_until - appointment.ends_at == timedelta(minutes=15)
    assert appointment.local_date == MONDAY
    assert appointment.room.name == "Room A"
    events = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == str(appointment.id))).all()
    assert events == ["appointment.book"]


@pytest.mark.parametrize(
    "hour, minute, message",
    [
        (7, 0, "does not work"),  # before opening
        (12, 0, "does not work"),  # runs into the lunch break
        (16, 30, "does not work"),  # runs past closing
    ],
)
def test_refuses_outside_working_hours(world, hour, minute, message):
    with pytest.raises(SchedulingError, match=message):
        _book(world, at(MONDAY, hour, minute))


def test_refuses_weekend_and_time_off(world):
    clinic, aesthetician, *_ = world
    with pytest.raises(SchedulingError, match="does not work"):
        _book(world, at(MONDAY + timedelta(days=5), 10))
    make_time_off(clinic, at(MONDAY, 0), at(MONDAY + timedelta(days=1), 0), reason="Clinic holiday")
    with pytest.raises(SchedulingError, match="Clinic holiday"):
        _book(world, at(MONDAY, 10))
    make_time_off(
        clinic,
        at(MONDAY + timedelta(days=1), 9),
        at(MONDAY + timedelta(days=1), 11),
        provider=aesthetician,
        reason="Training",
    )
    with pytest.raises(SchedulingError, match="Training"):
        _book(world, at(MONDAY + timedelta(days=1), 10, 30))


def test_refuses_overlap_including_buffer(world):
    _book(world, at(MONDAY, 9))
    with pytest.raises(SlotTaken):
        _book(world, at(MONDAY, 10))  # 9:00 + 60 min + 15 min buffer holds until 10:15
    assert _book(world, at(MONDAY, 10, 15)).starts_at == at(MONDAY, 10, 15)


def test_bad_input(world, app):
    clinic, aesthetician, dermatologist, kind, patient = world
    with pytest.raises(SchedulingError, match="needs a aesthetician"):
        _book(world, at(MONDAY, 9), provider=dermatologist)
    with pytest.raises(SchedulingError, match="past"):
        _book(world, FROZEN - timedelta(days=3))
    with pytest.raises(SchedulingError, match="years ahead"):
        _book(world, FROZEN + timedelta(days=900))
    patient.archived_at = FROZEN
    with pytest.raises(SchedulingError, match="archived"):
        _book(world, at(MONDAY, 9))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 0


def test_status_changes_are_audited_and_guarded(world):
    appointment = _book(world, at(MONDAY, 9))
    with pytest.raises(SchedulingError, match="not started"):
        change_status(appointment, "checked_in", clinic=world[0], now=FROZEN)
    change_status(appointment, "checked_in", clinic=world[0], now=at(MONDAY, 8, 55))
    change_status(appointment, "completed", clinic=world[0], now=at(MONDAY, 10))
    with pytest.raises(SchedulingError, match="cannot become"):
        change_status(appointment, "no_show", clinic=world[0], now=at(MONDAY, 10))
    second = _book(world, at(MONDAY, 11))
    with pytest.raises(SchedulingError, match="reason"):
        change_status(second, "cancelled", clinic=world[0], reason="  ", now=FROZEN)
    change_status(second, "cancelled", clinic=world[0], reason="Patient travelling", now=FROZEN)
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == [
        "appointment.book",
        "appointment.checked_in",
        "appointment.completed",
        "appointment.book",
        "appointment.cancelled",
    ]
    # The cancelled slot is free again.
    assert _book(world, at(MONDAY, 11)).status == "booked"


def test_reschedule_moves_and_frees_the_old_slot(world):
    appointment = _book(world, at(MONDAY, 9))
    other = _book(world, at(MONDAY, 14))
    with pytest.raises(SlotTaken):
        reschedule(appointment, clinic=world[0], starts_at=at(MONDAY, 14, 30), now=FROZEN)
    reschedule(appointment, clinic=world[0], starts_at=at(MONDAY, 15, 30), now=FROZEN)
    assert appointment.reschedule_count == 1 and other.status == "booked"
    assert _book(world, at(MONDAY, 9)).starts_at == at(MONDAY, 9)


def _race(app, worker, count: int) -> list[str]:
    barrier = threading.Barrier(count)
    results: list[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                worker(i)
                db.session.commit()
                outcome = "booked"
            except SlotTaken:
                db.session.rollback()
                outcome = "taken"
            except Exception as error:  # noqa: BLE001 - any other failure is reported by the assertion
                db.session.rollback()
                outcome = f"error: {error!r}"
            finally:
                db.session.remove()
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_fifty_concurrent_bookings_of_one_provider_slot(app, world):
    clinic, aesthetician, _, kind, _ = world
    patient_ids = [make_patient(clinic).id for _ in range(50)]
    db.session.commit()
    ids = (clinic.id, aesthetician.id, kind.id)
    starts = [at(MONDAY, 9, 15 * (i % 3), clinic) for i in range(50)]

    def worker(i: int) -> None:
        book_appointment(
            clinic=db.session.get(Clinic, ids[0]),
            patient=db.session.get(Patient, patient_ids[i]),
            appointment_type=db.session.get(AppointmentType, ids[2]),
            provider=db.session.get(User, ids[1]),
            starts_at=starts[i],
            now=FROZEN,
        )

    results = _race(app, worker, 50)
    assert sorted(results) == ["booked"] + ["taken"] * 49, results
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 1


def test_concurrent_bookings_of_one_room(app, world):
    clinic, *_ = world
    kind = world[3]
    db.session.execute(sa.text("UPDATE room SET active = false WHERE name = 'Room B'"))
    providers = [make_provider("aesthetician", clinic).id for _ in range(12)]
    patient_ids = [make_patient(clinic).id for _ in range(12)]
    db.session.commit()
    clinic_id, kind_id, starts_at = clinic.id, kind.id, at(MONDAY, 10, 0, clinic)

    def worker(i: int) -> None:
        book_appointment(
            clinic=db.session.get(Clinic, clinic_id),
            patient=db.session.get(Patient, patient_ids[i]),
            appointment_type=db.session.get(AppointmentType, kind_id),
            provider=db.session.get(User, providers[i]),
            starts_at=starts_at,
            now=FROZEN,
        )

    results = _race(app, worker, 12)
    assert sorted(results) == ["booked"] + ["taken"] * 11, results
