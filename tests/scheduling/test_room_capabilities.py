"""Rooms declare their equipment, appointment types require it; booking, moves and slots respect it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
import time_machine

from clinic.audit.models import AuditEvent
from clinic.auth.models import User
from clinic.extensions import db
from clinic.scheduling.availability import find_free_slots
from clinic.scheduling.booking import book_appointment, reschedule
from clinic.scheduling.errors import SchedulingError, SlotTaken
from clinic.scheduling.models import Appointment, AppointmentType, Room
from tests.factories import make_clinic, make_patient
from tests.scheduling.conftest import FROZEN, MONDAY
from tests.scheduling.factories import at, make_provider, make_room, make_type


@pytest.fixture
def laser_world(world):
    """Room A and Room B host microneedling only; the Laser suite hosts the laser type."""
    clinic, aesthetician, dermatologist, kind, patient = world
    for room in db.session.scalars(sa.select(Room)):
        room.capabilities = ["microneedling"]
    suite = make_room(clinic, "Laser suite")
    suite.capabilities = ["laser"]
    laser = make_type(clinic, code="laser_exosome", role="dermatologist")
    laser.required_capability = "laser"
    kind.required_capability = "microneedling"
    make_provider("dermatologist", clinic, full_name="Second Dermatologist")
    db.session.commit()
    return clinic, dermatologist, laser, suite, patient


def _second(clinic):
    return db.session.scalar(sa.select(User).where(User.full_name == "Second Dermatologist"))


def _laser(clinic, dermatologist, laser, patient, starts_at, room=None):
    return book_appointment(
        clinic=clinic,
        patient=patient,
        appointment_type=laser,
        provider=dermatologist,
        starts_at=starts_at,
        room=room,
        now=FROZEN,
    )


def test_laser_goes_to_the_laser_suite_and_nowhere_else(laser_world):
    clinic, dermatologist, laser, suite, patient = laser_world
    assert _laser(clinic, dermatologist, laser, patient, at(MONDAY, 9)).room_id == suite.id
    room_a = db.session.scalar(sa.select(Room).where(Room.name == "Room A"))
    with pytest.raises(SchedulingError, match="Room A cannot host .*equipped for laser"):
        _laser(clinic, dermatologist, laser, make_patient(clinic), at(MONDAY, 14), room=room_a)
    with pytest.raises(SlotTaken, match="No treatment room equipped for laser is free"):
        _laser(clinic, _second(clinic), laser, make_patient(clinic), at(MONDAY, 9, 30))


def test_no_equipped_room_in_use_says_so(laser_world):
    clinic, dermatologist, laser, suite, patient = laser_world
    suite.active = False
    with pytest.raises(SchedulingError, match="No room in use is equipped for laser"):
        _laser(clinic, dermatologist, laser, patient, at(MONDAY, 9))


def test_slot_finder_offers_laser_times_only_while_the_suite_is_free(laser_world):
    clinic, dermatologist, laser, suite, patient = laser_world
    _laser(clinic, dermatologist, laser, patient, at(MONDAY, 9))
    found = find_free_slots(clinic, laser, MONDAY, MONDAY, now=FROZEN)
    slots = found[_second(clinic)]
    assert slots
    assert {s.room_id for s in slots} == {suite.id}
    assert at(MONDAY, 9, 30) not in {s.starts_at for s in slots}


def test_moving_out_of_a_room_that_cannot_host_it(laser_world):
    clinic, dermatologist, laser, suite, patient = laser_world
    appointment = _laser(clinic, dermatologist, laser, patient, at(MONDAY, 9))
    appointment.room = db.session.scalar(sa.select(Room).where(Room.name == "Room A"))  # booked before the fix
    db.session.flush()
    reschedule(appointment, clinic=clinic, starts_at=at(MONDAY, 14), now=FROZEN)
    assert appointment.room_id == suite.id


def test_staff_booking_page_refuses_when_the_laser_suite_is_taken(laser_world, login_as):
    clinic, dermatologist, laser, suite, patient = laser_world
    _laser(clinic, dermatologist, laser, make_patient(clinic), at(MONDAY, 9))
    db.session.commit()
    with time_machine.travel(FROZEN, tick=False):
        client, _ = login_as("aesthetician")
        response = client.post(
            "/schedule/book",
            data={
                "patient_id": patient.id,
                "appointment_type_id": laser.id,
                "provider_id": _second(clinic).id,
                "starts_at": f"{MONDAY.isoformat()}T09:15",
            },
        )
    assert response.status_code == 409 and "No treatment room equipped for laser is free" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 1


def test_admin_sets_room_equipment_and_type_requirement(world, login_as):
    clinic, *_ = world
    kind = world[3]
    room = db.session.scalar(sa.select(Room).where(Room.name == "Room A"))
    client, _ = login_as("admin")
    page = client.get("/admin/schedule")
    assert f'for="room{room.id}-capabilities-0"' in page.text
    assert f'for="type{kind.id}-required_capability"' in page.text
    saved = client.post(
        f"/admin/schedule/rooms/{room.id}/capabilities", data={f"room{room.id}-capabilities": ["laser", "injections"]}
    )
    assert saved.status_code == 302
    bad = client.post(f"/admin/schedule/rooms/{room.id}/capabilities", data={f"room{room.id}-capabilities": "x-ray"})
    assert bad.status_code == 422
    typed = client.post(
        f"/admin/schedule/types/{kind.id}/capability", data={f"type{kind.id}-required_capability": "laser"}
    )
    assert typed.status_code == 302
    added = client.post("/admin/schedule/rooms", data={"name": "Laser suite", "capabilities": ["laser"]})
    assert added.status_code == 302
    db.session.expire_all()
    assert room.capabilities == ["injections", "laser"] and kind.required_capability == "laser"
    assert db.session.scalar(sa.select(Room.capabilities).where(Room.name == "Laser suite")) == ["laser"]
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"schedule.room_capabilities", "schedule.type_capability", "schedule.room_add"} <= actions
    assert "Injections, Laser" in client.get("/admin/schedule").text


def test_equipment_pages_wrong_role_and_other_clinic(world, login_as):
    room = db.session.scalar(sa.select(Room).where(Room.name == "Room A"))
    kind = world[3]
    other = make_clinic("Elsewhere")
    foreign = Room(clinic_id=other.id, name="Their room")
    db.session.add(foreign)
    foreign_type = make_type(other)
    db.session.commit()
    staff, _ = login_as("aesthetician")
    assert staff.post(f"/admin/schedule/rooms/{room.id}/capabilities", data={}).status_code == 403
    assert staff.post(f"/admin/schedule/types/{kind.id}/capability", data={}).status_code == 403
    admin, _ = login_as("admin")
    assert (
        admin.post(
            f"/admin/schedule/rooms/{foreign.id}/capabilities", data={f"room{foreign.id}-capabilities": "laser"}
        ).status_code
        == 404
    )
    assert (
        admin.post(
            f"/admin/schedule/types/{foreign_type.id}/capability",
            data={f"type{foreign_type.id}-required_capability": ""},
        ).status_code
        == 404
    )
    db.session.expire_all()
    assert db.session.get(Room, foreign.id).capabilities == []
    assert db.session.get(AppointmentType, foreign_type.id).required_capability is None
