"""Appointment reminders follow the patient's choices: defects 14.6 (opt in later / opt out after queueing)
and 14.7 (staff record consent for patients without a portal account)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from clinic.audit.models import AuditEvent
from clinic.extensions import db
from clinic.reminders.dispatcher import dispatch
from clinic.reminders.models import OutboxMessage, ReminderOptIn, ReminderPreference
from clinic.reminders.planner import plan
from clinic.scheduling.booking import book_appointment
from tests.factories import make_clinic, make_patient
from tests.scheduling.conftest import FROZEN, MONDAY
from tests.scheduling.factories import at

SETTINGS = {"am_time": "08:00", "pm_time": "21:00", "timezone": "America/New_York", "want_routine_email": "y"}


def _reminders() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "appointment_reminder").order_by(OutboxMessage.id)
        )
    )


def _book(world, patient=None):
    clinic, aesthetician, _, kind, default_patient = world
    appointment = book_appointment(
        clinic=clinic,
        patient=patient or default_patient,
        appointment_type=kind,
        provider=aesthetician,
        starts_at=at(MONDAY, 9),
        now=FROZEN,
    )
    db.session.commit()
    return appointment


def test_opting_in_later_queues_reminders_for_appointments_already_booked(world, login_as):
    appointment = _book(world)
    assert _reminders() == []
    client, _ = login_as("patient", patient=world[4])
    data = {**SETTINGS, "want_appointment_email": "y"}
    assert client.post("/portal/reminders", data=data).status_code == 302
    assert plan(at(MONDAY, 9) - timedelta(hours=30)) >= 2
    stamp = appointment.starts_at.strftime("%Y%m%dT%H%MZ")
    assert {r.dedupe_key for r in _reminders()} == {
        f"appt:{appointment.id}:remind:24h:{stamp}",
        f"appt:{appointment.id}:remind:2h:{stamp}",
    }
    assert plan(at(MONDAY, 9) - timedelta(hours=29)) == 0  # planning again adds nothing


def test_opting_out_stops_reminders_already_queued(world, login_as, mailbox):
    db.session.add(ReminderOptIn(patient_id=world[4].id, channel="email", topic="appointment", wanted=True))
    _book(world)
    assert len(_reminders()) == 2
    client, _ = login_as("patient", patient=world[4])
    assert client.post("/portal/appointments/preferences", data={}).status_code == 302  # box unticked
    dispatch(at(MONDAY, 9) - timedelta(hours=23))
    # the confirmation and the preparation message (both transactional), no reminder
    assert [m["Subject"] for m in mailbox] == [
        "Your appointment is booked",
        "Getting ready for your treatment on Monday 7 December",
    ]
    day_before = _reminders()[0]
    assert (day_before.status, day_before.last_error) == ("cancelled", "not sent: patient opted out")


def test_staff_record_sms_and_email_consent_for_a_patient_without_a_portal_account(world, login_as):
    clinic, aesthetician, *_ = world
    patient = make_patient(clinic, email=None)
    db.session.commit()
    client, _ = login_as(user=aesthetician)
    chart = client.get(f"/patients/{patient.id}")
    assert "Reminders and contact consent" in chart.text
    url = f"/reminders/patients/{patient.id}/contact"
    choices = {"want_appointment_sms": "y", "sms_enabled": "y", "sms_number": "(201) 555-0123"}
    refused = client.post(url, data=choices)  # consent not confirmed
    assert refused.status_code == 422 and "Confirm that the patient agreed" in refused.text
    assert 'value="(201) 555-0123"' in refused.text  # input kept
    bad = client.post(url, data={**choices, "confirmed": "y", "sms_number": "555"})
    assert bad.status_code == 422 and "not valid" in bad.text
    assert client.post(url, data={**choices, "confirmed": "y"}).status_code == 302
    db.session.expire_all()
    sms = db.session.get(ReminderPreference, (patient.id, "sms"))
    assert (sms.enabled, sms.address, sms.consent_source, sms.consent_by_id) == (
        True,
        "+12015550123",
        "staff",
        aesthetician.id,
    )
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "reminders.preferences_save",
                AuditEvent.patient_id == patient.id,
                AuditEvent.user_id == aesthetician.id,
            )
        )
        == 1
    )
    appointment = _book(world, patient)
    rows = _reminders()
    assert [(r.channel, r.recipient) for r in rows] == [("sms", "+12015550123")] * 2
    assert all(r.dedupe_key.endswith(":sms") and f"appt:{appointment.id}:" in r.dedupe_key for r in rows)
    assert "Text messages (SMS)" in client.get(f"/patients/{patient.id}").text


def test_another_clinics_patient_is_not_found(world, login_as):
    other = make_patient(make_clinic("Elsewhere"))
    db.session.commit()
    client, _ = login_as(user=world[1])
    assert client.get(f"/reminders/patients/{other.id}/contact").status_code == 404
