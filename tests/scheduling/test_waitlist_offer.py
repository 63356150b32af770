"""The waitlist offer e-mail's one-click link: confirmation page (GET books nothing), POST books if the slot
is still free, single use, expiry, a lost race, and a link built from CLINIC_BASE_URL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from clinic.audit.models import AuditEvent
from clinic.auth.models import User
from clinic.clinics.models import Clinic
from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.reminders.dispatcher import dispatch
from clinic.reminders.models import OutboxMessage
from clinic.scheduling import offer_tokens, waitlist_offers
from clinic.scheduling.booking import book_appointment, change_status
from clinic.scheduling.models import Appointment, AppointmentType, WaitlistEntry
from clinic.scheduling.waitlist import add_entry
from tests.factories import make_patient
from tests.fixtures.mail import body_text
from tests.scheduling.conftest import FROZEN, MONDAY
from tests.scheduling.factories import at
from tests.scheduling.test_booking import _race

BASE = "https://clinic.example.org"


@pytest.fixture(autouse=True)
def frozen(app):
    app.config["CLINIC_BASE_URL"] = BASE
    with time_machine.travel(FROZEN, tick=False):
        yield


@pytest.fixture
def offered(world):
    """The world's patient waits for MONDAY; another patient's 09:00 appointment is cancelled."""
    clinic, aesthetician, _, kind, patient = world
    entry = add_entry(patient, kind, MONDAY, MONDAY, today=FROZEN.date())
    freed = book_appointment(
        clinic=clinic,
        patient=make_patient(clinic, last_name="Cancels"),
        appointment_type=kind,
        provider=aesthetician,
        starts_at=at(MONDAY, 9),
        now=FROZEN,
        notify=False,
    )
    change_status(freed, "cancelled", clinic=clinic, reason="Ill", now=FROZEN)
    db.session.commit()
    (row,) = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "waitlist_match"))
    return entry, row.payload["book_url"]


def _path(url: str) -> str:
    assert url.startswith(BASE + "/waitlist/offer/")
    return url[len(BASE) :]


def _patient_bookings(patient) -> list[Appointment]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Appointment).where(Appointment.patient_id == patient.id)))


def test_email_link_confirm_page_then_one_click_booking(world, offered, client, mailbox):
    entry, url = offered
    patient = world[4]
    assert dispatch(FROZEN + timedelta(minutes=1)).sent >= 1
    (message,) = [m for m in mailbox if m["To"] == patient.email]
    assert url in body_text(message) and "clinic.test" not in body_text(message)
    page = client.get(_path(url))  # what a mail scanner's pre-fetch does: nothing is booked
    assert page.status_code == 200 and "Book this time" in page.text and 'method="post"' in page.text
    assert _patient_bookings(patient) == []
    booked = client.post(_path(url), data={})
    assert booked.status_code == 200 and "You are booked" in booked.text
    (appointment,) = _patient_bookings(patient)
    assert appointment.starts_at == at(MONDAY, 9) and appointment.provider_id == world[1].id
    assert appointment.booked_via == "portal"
    assert db.session.get(WaitlistEntry, entry.id).status == "booked"
    again = client.post(_path(url), data={})
    assert again.status_code == 410 and "already been used" in again.text
    assert len(_patient_bookings(patient)) == 1
    actions = set(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.patient_id == patient.id)))
    assert {"waitlist.offer_view", "waitlist.offer_accept", "appointment.book"} <= actions


def test_a_slot_taken_meanwhile_says_it_is_gone(world, offered, client):
    entry, url = offered
    clinic, aesthetician, _, kind, patient = world
    book_appointment(
        clinic=clinic,
        patient=make_patient(clinic),
        appointment_type=kind,
        provider=aesthetician,
        starts_at=at(MONDAY, 9),
        now=FROZEN,
        notify=False,
    )
    db.session.commit()
    gone = client.post(_path(url), data={})
    assert gone.status_code == 409 and "just been taken" in gone.text
    assert _patient_bookings(patient) == []
    entry = db.session.get(WaitlistEntry, entry.id)
    assert entry.status == "waiting" and entry.match_starts_at is None  # still waiting, offer withdrawn
    assert client.get(_path(url)).status_code == 410


def test_expired_tampered_and_no_csrf(world, offered, client):
    _, url = offered
    assert client.get(_path(url) + "x").status_code == 410
    assert client.post(_path(url), data={}, csrf=False).status_code == 400  # a bare POST without the form
    with time_machine.travel(FROZEN + timedelta(hours=25), tick=False):
        expired = client.post(_path(url), data={})
    assert expired.status_code == 410 and "expired" in expired.text
    assert _patient_bookings(world[4]) == []


def test_link_and_another_booking_race_for_the_slot(app, world, offered):
    """First come, first served: the link's booking and a concurrent booking of the same time, one wins."""
    _, url = offered
    clinic, aesthetician, _, kind, _ = world
    rival_id = make_patient(clinic, last_name="Rival").id
    db.session.commit()
    token = url.rsplit("/", 1)[1]
    ids = (clinic.id, aesthetician.id, kind.id)

    def worker(i: int) -> None:
        if i == 0:
            waitlist_offers.accept(offer_tokens.load_offer(token, now=FROZEN), now=FROZEN)
        else:
            book_appointment(
                clinic=db.session.get(Clinic, ids[0]),
                patient=db.session.get(Patient, rival_id),
                appointment_type=db.session.get(AppointmentType, ids[2]),
                provider=db.session.get(User, ids[1]),
                starts_at=at(MONDAY, 9),
                now=FROZEN,
            )

    results = _race(app, worker, 2)
    assert sorted(results) == ["booked", "taken"], results
    db.session.expire_all()
    held = sa.select(sa.func.count(Appointment.id)).where(
        Appointment.status == "booked", Appointment.starts_at == at(MONDAY, 9)
    )
    assert db.session.scalar(held) == 1
