"""The waitlist (freed slots matched to waiting patients) and the admin resource pages, with bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from clinic.extensions import db
from clinic.scheduling.booking import book_appointment, change_status, reschedule
from clinic.scheduling.errors import SchedulingError
from clinic.scheduling.models import AppointmentType, Room, TimeOff, WaitlistEntry, WorkingHours
from clinic.scheduling.waitlist import add_entry
from tests.factories import make_patient
from tests.scheduling.conftest import FROZEN, MONDAY
from tests.scheduling.factories import at


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


def _book(world, patient, hour):
    clinic, aesthetician, _, kind, _ = world
    return book_appointment(
        clinic=clinic,
        patient=patient,
        appointment_type=kind,
        provider=aesthetician,
        starts_at=at(MONDAY, hour),
        now=FROZEN,
    )


def test_cancellation_offers_the_slot_to_the_oldest_matching_entry(world, login_as):
    clinic, aesthetician, _, kind, patient = world
    appointment = _book(world, patient, 9)
    waiting = make_patient(clinic, last_name="Waiting")
    later = make_patient(clinic, last_name="Later")
    first = add_entry(waiting, kind, MONDAY - timedelta(days=2), MONDAY + timedelta(days=3), today=FROZEN.date())
    second = add_entry(later, kind, MONDAY, MONDAY, today=FROZEN.date())
    change_status(appointment, "cancelled", clinic=clinic, reason="Ill", now=FROZEN)
    assert first.match_starts_at == at(MONDAY, 9) and first.match_provider_id == aesthetician.id
    assert second.match_starts_at is None
    db.session.commit()
    client, _ = login_as("aesthetician")
    page = client.get("/schedule/waitlist")
    assert "Waiting" in page.text and "Book Pat" in page.text
    # Booking the waiting patient in the range takes them off the list.
    _book(world, waiting, 9)
    db.session.expire_all()
    assert first.status == "booked" and second.status == "waiting"


def test_moving_an_appointment_away_frees_its_old_time(world):
    clinic, _, _, kind, patient = world
    appointment = _book(world, patient, 9)
    entry = add_entry(make_patient(clinic), kind, MONDAY, MONDAY, today=FROZEN.date())
    reschedule(appointment, clinic=clinic, starts_at=at(MONDAY, 14), now=FROZEN)
    assert entry.match_starts_at == at(MONDAY, 9)


@pytest.mark.parametrize(
    "earliest, latest, message",
    [
        (5, 2, "before the start date"),
        (-10, 2, "in the past"),
        (1, 300, "at most 180 days"),
    ],
)
def test_waitlist_bad_ranges(world, earliest, latest, message):
    _, _, _, kind, patient = world
    with pytest.raises(SchedulingError, match=message):
        add_entry(
            patient,
            kind,
            FROZEN.date() + timedelta(days=earliest),
            FROZEN.date() + timedelta(days=latest),
            today=FROZEN.date(),
        )


def test_waitlist_page_adds_and_refuses_archived(world, login_as):
    clinic, _, _, kind, patient = world
    client, _ = login_as("aesthetician")
    data = {
        "appointment_type_id": kind.id,
        "earliest": str(MONDAY),
        "latest": str(MONDAY + timedelta(days=5)),
    }
    assert client.post(f"/schedule/patients/{patient.id}/waitlist", data=data).status_code == 302
    patient.archived_at = FROZEN
    db.session.commit()
    refused = client.post(f"/schedule/patients/{patient.id}/waitlist", data=data)
    assert refused.status_code == 422 and "archived" in refused.text
    assert db.session.scalar(sa.select(sa.func.count(WaitlistEntry.id))) == 1


def test_admin_manages_rooms_types_hours_and_time_off(world, login_as):
    clinic, aesthetician, _, kind, _ = world
    client, _ = login_as("admin")
    assert client.get("/admin/schedule").status_code == 200
    assert client.post("/admin/schedule/rooms", data={"name": "Laser suite"}).status_code == 302
    assert client.post("/admin/schedule/rooms", data={"name": "Laser suite"}).status_code == 422
    type_data = {
        "procedure_id": kind.procedure_id,
        "name": "Short laser",
        "duration_minutes": 30,
        "buffer_minutes": 10,
        "performer_role": "dermatologist",
    }
    assert client.post("/admin/schedule/types", data=type_data).status_code == 302
    for bad in (0, -15):
        assert client.post("/admin/schedule/types", data={**type_data, "duration_minutes": bad}).status_code == 422
    hours_url = f"/admin/schedule/providers/{aesthetician.id}/hours"
    assert client.post(hours_url, data={"weekday": 5, "starts": "10:00", "ends": "14:00"}).status_code == 302
    assert client.post(hours_url, data={"weekday": 5, "starts": "13:00", "ends": "15:00"}).status_code == 422
    assert client.post(hours_url, data={"weekday": 6, "starts": "14:00", "ends": "10:00"}).status_code == 422
    off = {
        "provider_id": 0,
        "starts_at": f"{MONDAY}T00:00",
        "ends_at": f"{MONDAY}T23:59",
        "reason": "Holiday",
    }
    assert client.post("/admin/schedule/time-off", data=off).status_code == 302
    backwards = {**off, "ends_at": f"{MONDAY - timedelta(days=1)}T10:00"}
    assert client.post("/admin/schedule/time-off", data=backwards).status_code == 422
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Room.id)).where(Room.name == "Laser suite")) == 1
    assert db.session.scalar(sa.select(sa.func.count(AppointmentType.id))) == 2
    assert db.session.scalar(sa.select(sa.func.count(WorkingHours.id)).where(WorkingHours.weekday == 5)) == 1
    holiday = db.session.scalar(sa.select(TimeOff))
    assert holiday.provider_id is None and holiday.starts_at == at(MONDAY, 0)
