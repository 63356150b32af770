"""Appointment messages in the outbox: confirmation, reminders (opt-in), notices, aftercare, staff notice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import time_machine

from clinic.extensions import db
from clinic.reminders.models import OutboxMessage, ReminderOptIn
from clinic.scheduling.booking import book_appointment, change_status, reschedule
from tests.scheduling.conftest import FROZEN, MONDAY
from tests.scheduling.factories import at


def _rows() -> dict[str, OutboxMessage]:
    db.session.expire_all()  # outbox.cancel updates in SQL, past the identity map
    return {m.dedupe_key: m for m in db.session.scalars(sa.select(OutboxMessage))}


def _book(world, hour=9, via="staff"):
    clinic, aesthetician, _, kind, patient = world
    return book_appointment(
        clinic=clinic,
        patient=patient,
        appointment_type=kind,
        provider=aesthetician,
        starts_at=at(MONDAY, hour),
        booked_via=via,
        now=FROZEN,
    )


def test_confirmation_only_without_opt_in(world):
    """No reminders without an opt-in; the confirmation and the preparation message (transactional) go."""
    appointment = _book(world)
    assert set(_rows()) == {f"appt:{appointment.id}:booked", f"prep:{appointment.id}:20261207T1400Z"}


def test_opted_in_gets_24h_and_2h_reminders(world):
    db.session.add(ReminderOptIn(patient_id=world[4].id, channel="email", topic="appointment", wanted=True))
    appointment = _book(world)
    rows = _rows()
    stamp = "20261207T1400Z"
    day_before = rows[f"appt:{appointment.id}:remind:24h:{stamp}"]
    assert day_before.due_at == at(MONDAY, 9) - timedelta(hours=24)
    assert rows[f"appt:{appointment.id}:remind:2h:{stamp}"].due_at == at(MONDAY, 7)
    payload = day_before.payload
    assert payload["local_time"] == "Monday 07 December 2026, 09:00 EST"
    assert day_before.kind == "appointment_reminder" and day_before.recipient == world[4].email
    assert "Microneedling" not in str(payload) and "microneedling" not in str(payload)


def test_reschedule_replaces_reminders_and_cancel_cancels_them(world):
    db.session.add(ReminderOptIn(patient_id=world[4].id, channel="email", topic="appointment", wanted=True))
    appointment = _book(world)
    reschedule(appointment, clinic=world[0], starts_at=at(MONDAY, 14), now=FROZEN)
    rows = _rows()
    old = [m for k, m in rows.items() if k.endswith("T1400Z")]
    new = [m for k, m in rows.items() if k.endswith("T1900Z")]
    assert {m.status for m in old} == {"cancelled"} and {m.status for m in new} == {"pending"}
    assert rows[f"appt:{appointment.id}:rescheduled:1"].kind == "appointment_rescheduled"
    change_status(appointment, "cancelled", clinic=world[0], reason="Ill", now=FROZEN)
    rows = _rows()
    assert {m.status for k, m in rows.items() if ":remind:" in k} == {"cancelled"}
    assert rows[f"appt:{appointment.id}:cancelled"].status == "pending"
    assert "Ill" not in str(rows[f"appt:{appointment.id}:cancelled"].payload)


def test_aftercare_check_ins_on_day_1_3_7_at_the_patients_morning_time(world):
    from clinic.reminders.checkins import checkin_key

    appointment = _book(world)
    with time_machine.travel(at(MONDAY, 11), tick=False):
        change_status(appointment, "completed", clinic=world[0], now=at(MONDAY, 11))
    rows = _rows()
    for day in (1, 3, 7):
        message = rows[checkin_key(appointment.patient_id, MONDAY, day)]
        assert message.due_at == at(MONDAY + timedelta(days=day), 8)  # the default AM reminder time
        assert message.kind == "aftercare_checkin" and message.payload["day"] == day


def test_portal_booking_notifies_the_provider(world):
    appointment = _book(world, via="portal")
    notice = _rows()[f"appt:{appointment.id}:staff:booked:0"]
    assert notice.recipient == world[1].email and notice.user_id == world[1].id


def test_reminders_already_past_are_not_queued(world):
    db.session.add(ReminderOptIn(patient_id=world[4].id, channel="email", topic="appointment", wanted=True))
    clinic, aesthetician, _, kind, patient = world
    appointment = book_appointment(
        clinic=clinic,
        patient=patient,
        appointment_type=kind,
        provider=aesthetician,
        starts_at=at(MONDAY, 9),
        now=at(MONDAY, 6),
    )
    keys = set(_rows())
    assert not any(":remind:24h:" in k for k in keys) and any(":remind:2h:" in k for k in keys)
    assert appointment.id and datetime.now(UTC)
