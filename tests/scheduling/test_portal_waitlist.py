"""The patient's own waitlist in the portal, and the `waitlist_match` e-mail when a time opens up."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from clinic.extensions import db
from clinic.reminders.dispatcher import dispatch
from clinic.reminders.models import OutboxMessage
from clinic.scheduling.booking import book_appointment, change_status, reschedule
from clinic.scheduling.models import WaitlistEntry
from clinic.scheduling.notifications import waitlist_matched
from clinic.scheduling.waitlist import add_entry
from tests.factories import make_patient, make_user
from tests.fixtures.mail import body_text
from tests.scheduling.conftest import FROZEN, MONDAY
from tests.scheduling.factories import at

TODAY = FROZEN.date()  # Tuesday 1 Dec 2026; MONDAY is 7 Dec


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


@pytest.fixture
def portal(world, login_as):
    """The world's patient, in London, logged in to the portal."""
    patient = world[4]
    patient.timezone = "Europe/London"
    db.session.commit()
    client, _ = login_as("patient", user=make_user("patient", patient=patient))
    return client


def _join(client, kind, earliest, latest):
    return client.post(
        "/portal/waitlist",
        data={"appointment_type_id": kind.id, "earliest": earliest.isoformat(), "latest": latest.isoformat()},
    )


def _entries(patient) -> list[WaitlistEntry]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(WaitlistEntry).where(WaitlistEntry.patient_id == patient.id)))


def test_patient_joins_sees_and_leaves(world, portal):
    _, _, _, kind, patient = world
    assert _join(portal, kind, MONDAY, MONDAY + timedelta(days=4)).status_code == 302
    (entry,) = _entries(patient)
    assert (entry.earliest, entry.latest, entry.status) == (MONDAY, MONDAY + timedelta(days=4), "waiting")
    assert entry.created_by_id is not None
    page = portal.get("/portal/waitlist")
    assert page.status_code == 200 and "07 Dec 2026 to 11 Dec 2026" in page.text
    assert portal.post(f"/portal/waitlist/{entry.id}/leave", data={}).status_code == 302
    assert _entries(patient)[0].status == "removed"
    assert "You are not on the waitlist." in portal.get("/portal/waitlist").text


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (TODAY - timedelta(days=1), TODAY + timedelta(days=3), "The range starts in the past."),
        (TODAY + timedelta(days=5), TODAY + timedelta(days=2), "The end date is before the start date."),
        (TODAY + timedelta(days=1), TODAY + timedelta(days=62), "Choose a range of at most 60 days."),
    ],
)
def test_bad_ranges_are_refused(world, portal, start, end, message):
    response = _join(portal, world[3], start, end)
    assert response.status_code == 422 and message in response.text
    assert _entries(world[4]) == []


def test_one_overlapping_entry_per_treatment(world, portal):
    kind = world[3]
    assert _join(portal, kind, MONDAY, MONDAY + timedelta(days=60)).status_code == 302  # 60 days is allowed
    again = _join(portal, kind, MONDAY + timedelta(days=2), MONDAY + timedelta(days=9))
    assert again.status_code == 422 and "Already on the waitlist" in again.text


def test_another_patients_entry_is_not_found(world, portal):
    clinic, _, _, kind, patient = world
    other = make_patient(clinic, last_name="Other")
    theirs = add_entry(other, kind, MONDAY, MONDAY, today=TODAY)
    db.session.commit()
    assert portal.post(f"/portal/waitlist/{theirs.id}/leave", data={}).status_code == 404
    assert "Other" not in portal.get("/portal/waitlist").text
    assert _entries(other)[0].status == "waiting"


@pytest.mark.parametrize("role", ["aesthetician", "dermatologist", "admin"])
def test_staff_may_not_use_the_portal_waitlist(world, login_as, role):
    client, _ = login_as(role)
    assert client.get("/portal/waitlist").status_code == 403
    assert _join(client, world[3], MONDAY, MONDAY).status_code == 403


def _book(world, patient, hour=9):
    clinic, aesthetician, _, kind, _ = world
    return book_appointment(
        clinic=clinic,
        patient=patient,
        appointment_type=kind,
        provider=aesthetician,
        starts_at=at(MONDAY, hour),
        now=FROZEN,
        notify=False,
    )


def _matches() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "waitlist_match")))


def test_a_freed_slot_emails_the_waiting_patient_once(world, portal, mailbox):
    clinic, _, _, kind, patient = world
    assert _join(portal, kind, MONDAY, MONDAY + timedelta(days=2)).status_code == 302
    appointment = _book(world, make_patient(clinic, last_name="Booked"))
    change_status(appointment, "cancelled", clinic=clinic, reason="Ill", now=FROZEN)
    db.session.commit()
    (row,) = _matches()
    (entry,) = _entries(patient)
    assert row.recipient == patient.email and row.patient_id == patient.id
    assert row.dedupe_key == f"waitlist:{entry.id}:slot:20261207T1400Z"
    waitlist_matched(entry, FROZEN)  # the same slot offered again is queued once
    db.session.commit()
    assert len(_matches()) == 1
    assert "procedure" not in str(row.payload).lower() and kind.procedure.name not in str(row.payload)
    assert dispatch(FROZEN + timedelta(minutes=1)).sent == 2  # the offer, and the other patient's notice
    (message,) = [m for m in mailbox if m["To"] == patient.email]
    assert message["Subject"] == "A time has opened up at the clinic" and message["To"] == patient.email
    text = body_text(message)
    assert f"Hello {patient.first_name}" in text and clinic.name in text
    assert "Monday 07 December 2026, 14:00 GMT" in text  # 9:00 in New York, in the patient's zone
    assert kind.procedure.name not in text and patient.last_name not in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "14:00 GMT" in html
    assert dispatch(FROZEN + timedelta(minutes=2)).sent == 0 and len(mailbox) == 2


def test_a_move_away_offers_the_old_time(world, portal):
    clinic, _, _, kind, patient = world
    assert _join(portal, kind, MONDAY, MONDAY).status_code == 302
    appointment = _book(world, make_patient(clinic, last_name="Mover"), hour=10)
    reschedule(appointment, clinic=clinic, starts_at=at(MONDAY + timedelta(days=1), 10), now=FROZEN)
    db.session.commit()
    (row,) = _matches()
    assert row.payload["local_time"] == "Monday 07 December 2026, 15:00 GMT"


def test_the_offer_is_dropped_if_the_patient_left_before_sending(world, portal, mailbox):
    clinic, _, _, kind, patient = world
    assert _join(portal, kind, MONDAY, MONDAY).status_code == 302
    appointment = _book(world, make_patient(clinic, last_name="Booked"))
    change_status(appointment, "cancelled", clinic=clinic, reason="Ill", now=FROZEN, notify=False)
    db.session.commit()
    assert _matches() == []  # seeding and back-office changes with notify off e-mail nobody
    waitlist_matched(_entries(patient)[0], FROZEN)
    db.session.commit()
    (entry,) = _entries(patient)
    assert portal.post(f"/portal/waitlist/{entry.id}/leave", data={}).status_code == 302
    assert dispatch(FROZEN + timedelta(minutes=1)).sent == 0
    assert mailbox == [] and _matches()[0].status == "cancelled"
