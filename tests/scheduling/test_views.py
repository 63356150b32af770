"""Staff pages end to end through the test client: booking, conflicts, status, calendars' query counts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from icalendar import Calendar

from clinic.audit.models import AuditEvent
from clinic.extensions import db
from clinic.scheduling.booking import book_appointment
from clinic.scheduling.models import Appointment
from tests.factories import make_patient
from tests.scheduling.conftest import FROZEN, MONDAY
from tests.scheduling.factories import at, make_provider, make_room, make_type


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


def _form(world, hour=9, minute=0, **extra):
    clinic, aesthetician, _, kind, patient = world
    data = {
        "patient_id": patient.id,
        "appointment_type_id": kind.id,
        "provider_id": aesthetician.id,
        "starts_at": f"{MONDAY.isoformat()}T{hour:02d}:{minute:02d}",
    }
    data.update(extra)
    return data


def test_book_then_conflict_then_wrong_role(login_as, world):
    client, _ = login_as("aesthetician")
    first = client.post("/schedule/book", data=_form(world))
    assert first.status_code == 302
    taken = client.post("/schedule/book", data=_form(world, minute=30))
    assert taken.status_code == 409 and "already has an appointment" in taken.text
    wrong = client.post("/schedule/book", data=_form(world, hour=14, provider_id=world[2].id))
    assert wrong.status_code == 422 and "needs a aesthetician" in wrong.text
    outside = client.post("/schedule/book", data=_form(world, hour=18))
    assert outside.status_code == 422 and "does not work" in outside.text
    assert db.session.scalar(sa.select(sa.func.count(Appointment.id))) == 1


def test_booking_form_prefills_and_suggests_slots(login_as, world):
    client, _ = login_as("aesthetician")
    _, aesthetician, _, kind, patient = world
    response = client.get(
        f"/schedule/book?patient={patient.id}&type={kind.id}&provider={aesthetician.id}"
        f"&start={MONDAY.isoformat()}&end={MONDAY.isoformat()}"
    )
    assert response.status_code == 200
    assert f'value="{patient.id}"' in response.text
    assert "Mon 07 Dec 09:00" in response.text  # the first free slot of the window, in clinic time


def test_status_cancel_and_reschedule_pages(login_as, world):
    client, _ = login_as("aesthetician")
    client.post("/schedule/book", data=_form(world))
    appointment = db.session.scalar(sa.select(Appointment))
    url = f"/schedule/appointments/{appointment.id}"
    assert client.get(url).status_code == 200
    assert (
        client.post(f"{url}/reschedule", data={"provider_id": world[1].id, "starts_at": f"{MONDAY}T11:00"}).status_code
        == 302
    )
    assert client.post(f"{url}/cancel", data={"reason": ""}).status_code == 422
    assert client.post(f"{url}/cancel", data={"reason": "Unwell"}).status_code == 302
    db.session.expire_all()
    assert appointment.status == "cancelled" and appointment.starts_at == at(MONDAY, 11)
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_id == str(appointment.id)).order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "appointment.book",
        "appointment.view",
        "appointment.reschedule",
        "appointment.cancelled",
    ]


def test_single_appointment_ics_download(login_as, world):
    client, _ = login_as("aesthetician")
    client.post("/schedule/book", data=_form(world))
    appointment = db.session.scalar(sa.select(Appointment))
    response = client.get(f"/schedule/appointments/{appointment.id}.ics")
    assert response.mimetype == "text/calendar"
    event = next(iter(Calendar.from_ical(response.data).walk("VEVENT")))
    assert event.decoded("dtstart") == at(MONDAY, 9)
    assert "Microneedling" not in response.text


def _fill_week(world, count: int, skip: int = 0) -> None:
    clinic, aesthetician, _, kind, _ = world
    slots = [(day, hour, minute) for day in range(5) for hour, minute in ((9, 0), (10, 15), (13, 30), (14, 45))]
    for day, hour, minute in slots[skip : skip + count]:
        book_appointment(
            clinic=clinic,
            patient=make_patient(clinic),
            appointment_type=kind,
            provider=aesthetician,
            starts_at=at(MONDAY + timedelta(days=day), hour, minute),
            now=FROZEN,
        )
    db.session.commit()


@pytest.mark.parametrize("page", ["week", "day"])
def test_calendar_query_count_does_not_grow(login_as, world, count_queries, page):
    client, _ = login_as("aesthetician")
    url = f"/schedule/{page}?day={MONDAY.isoformat()}"
    _fill_week(world, 2)
    client.get(url)
    with count_queries() as few:
        small = client.get(url)
    _fill_week(world, 15, skip=2)
    with count_queries() as many:
        large = client.get(url)
    assert small.status_code == large.status_code == 200
    assert large.text.count("appt-card") > small.text.count("appt-card") or page == "day"
    assert many.count == few.count, many.statements


def _book_for(world, provider, kind, hour: int, minute: int = 0) -> None:
    clinic = world[0]
    book_appointment(
        clinic=clinic,
        patient=make_patient(clinic),
        appointment_type=kind,
        provider=provider,
        starts_at=at(MONDAY, hour, minute),
        now=FROZEN,
    )
    db.session.commit()


def test_day_view_one_column_per_provider_in_constant_queries(login_as, world, count_queries):
    clinic, aesthetician, dermatologist, kind, _ = world
    scalp = make_type(clinic, code="scalp_exosome_injection", role="dermatologist", duration=45, buffer=0)
    client, me = login_as("aesthetician")  # a provider too, with an empty column
    url = f"/schedule/day?day={MONDAY.isoformat()}"
    _book_for(world, aesthetician, kind, 9)
    client.get(url)
    with count_queries() as few:
        small = client.get(url)
    second = make_provider("aesthetician", clinic, full_name="Zoe Second")
    make_room(clinic, "Room C")  # three providers at once need three rooms
    db.session.commit()
    for derm_hour, (hour, minute) in zip((9, 10, 14, 15), ((9, 0), (10, 15), (13, 30), (14, 45)), strict=True):
        _book_for(world, dermatologist, scalp, derm_hour)
        _book_for(world, second, kind, hour, minute)
    with count_queries() as many:
        large = client.get(url)
    assert many.count == few.count, many.statements
    columns = re.findall(r'data-provider="(\d+)"(.*?)</section>', large.text, re.S)
    cards = {int(p): body.count("appt-card") for p, body in columns}
    assert cards == {aesthetician.id: 1, dermatologist.id: 4, second.id: 4, me.id: 0}
    assert small.text.count("appt-card") == 1 and "9 appointments" in large.text
    only = client.get(f"{url}&provider={second.id}")
    assert re.findall(r'data-provider="(\d+)"', only.text) == [str(second.id)]
    assert only.text.count("appt-card") == 4


def test_week_shows_patient_procedure_status_and_provider_filter(login_as, world):
    client, _ = login_as("aesthetician")
    _fill_week(world, 3)
    response = client.get(f"/schedule/week?day={MONDAY.isoformat()}&provider={world[1].id}")
    assert response.text.count("appt-card") == 3
    assert "Microneedling + topical exosome" in response.text and "Booked" in response.text
    other = client.get(f"/schedule/week?day={MONDAY.isoformat()}&provider={world[2].id}")
    assert other.text.count("appt-card") == 0


def test_free_slot_page(login_as, world):
    client, _ = login_as("dermatologist")
    kind = world[3]
    response = client.get(f"/schedule/slots?type={kind.id}&start={MONDAY}&end={MONDAY}")
    assert response.status_code == 200 and "Mon 07 Dec 09:00" in response.text
    bad = client.get(f"/schedule/slots?type={kind.id}&start={MONDAY}&end={MONDAY - timedelta(days=1)}")
    assert "before the start date" in bad.text


def test_booking_form_without_a_treatment_still_opens(login_as, world):
    client, _ = login_as("aesthetician")
    response = client.get(f"/schedule/book?patient={world[4].id}&start={MONDAY}&end={MONDAY}")
    assert response.status_code == 200 and "Free slots in the due window" not in response.text
    chooser = client.get("/schedule/book")  # no patient named: find them first (booking from the calendar)
    assert chooser.status_code == 200 and "Who is the patient?" in chooser.text
    assert client.get("/schedule/book?patient=999999").status_code == 404
