"""Sending the outbox through a real SMTP server: exactly once, stable Message-IDs, retries, leases."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from clinic.extensions import db
from clinic.reminders.dispatcher import LEASE, claim, dispatch, send_due
from clinic.reminders.models import OutboxMessage, ReminderOptIn
from clinic.reminders.outbox import enqueue
from clinic.routines.models import AdherenceLog
from tests.fixtures.mail import body_text
from tests.reminders.helpers import patient_with_routine

PM_LONDON = datetime(2026, 11, 26, 21, 0, tzinfo=UTC)  # 21:00 in London, the default PM time


def _rows():
    db.session.expire_all()
    return db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def _appointment(patient, n: int) -> None:
    """An appointment reminder as clinic/scheduling/notifications.py queues it (the patient opted in)."""
    db.session.merge(ReminderOptIn(patient_id=patient.id, channel="email", topic="appointment", wanted=True))
    enqueue(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        kind="appointment_reminder",
        dedupe_key=f"appt:{n}:remind:24h:20261127T1000Z",
        recipient=patient.email,
        due_at=PM_LONDON - timedelta(minutes=5),
        payload={
            "hours_before": "24h",
            "local_time": "Fri 27 Nov, 10:00",
            "clinic_name": "Test Clinic",
            "patient_first_name": patient.first_name,
            "provider_name": "Dr. Chen",
        },
    )


def test_pm_reminder_is_sent_once_without_medical_details(mailbox):
    patient, _ = patient_with_routine("Europe/London")
    result = dispatch(PM_LONDON)
    assert (result.planned, result.sent) == (1, 1)
    (message,) = mailbox
    (row,) = _rows()
    assert message["Subject"] == "Your PM routine: 2 steps"
    assert message["To"] == patient.email
    assert message["Message-ID"] == f"<outbox-{row.id}@localhost>" == row.message_id
    text = body_text(message)
    assert "Retinol" not in text and "Serum" not in text
    assert "http://clinic.test/portal/today" in text
    assert re.search(r"http://clinic\.test/reminders/unsubscribe/\S+", text)
    assert str(message["List-Unsubscribe"]).strip().startswith("<http://clinic.test/reminders/unsubscribe/")
    assert message.get_body(preferencelist=("html",)) is not None
    assert (row.status, row.attempts, row.sent_at) == ("sent", 0, PM_LONDON)
    assert dispatch(PM_LONDON + timedelta(minutes=1)).sent == 0
    assert len(mailbox) == 1


def test_a_slot_ticked_after_planning_is_not_sent(mailbox):
    patient, routine = patient_with_routine("Europe/London")
    from clinic.reminders.planner import plan

    plan(PM_LONDON)
    for step in routine.steps:
        if step.slot == "pm":
            db.session.add(
                AdherenceLog(
                    step_id=step.id,
                    patient_id=patient.id,
                    local_date=date(2026, 11, 26),
                    slot="pm",
                    status="done",
                )
            )
    db.session.commit()
    result = send_due(PM_LONDON)
    assert (result.sent, result.cancelled) == (0, 1)
    assert mailbox == []
    (row,) = _rows()
    assert row.status == "cancelled" and "nothing left to do" in row.last_error


def test_appointment_kinds_render_and_unknown_kinds_fail_clearly(mailbox):
    patient, _ = patient_with_routine("Europe/London", prefs={"opted_out": True})
    _appointment(patient, 1)
    enqueue(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        kind="carrier_pigeon",
        dedupe_key="pigeon:1",
        recipient=patient.email,
        due_at=PM_LONDON,
        payload={},
    )
    db.session.commit()
    result = dispatch(PM_LONDON)
    assert (result.sent, result.failed) == (1, 1)
    (message,) = mailbox
    assert message["Subject"] == "Reminder: your appointment tomorrow"
    assert "Fri 27 Nov, 10:00" in body_text(message)
    pigeon = next(r for r in _rows() if r.kind == "carrier_pigeon")
    assert pigeon.status == "failed" and "unknown kind 'carrier_pigeon'" in pigeon.last_error


def test_smtp_failure_retries_with_backoff(mailbox, app, smtp_server):
    patient, _ = patient_with_routine("Europe/London")
    _appointment(patient, 1)
    db.session.commit()
    app.config["MAIL_PORT"] = 1  # nothing listens there
    from clinic.extensions import mail

    mail.init_app(app)
    result = send_due(PM_LONDON)
    assert result.failed == 1 and mailbox == []
    (row,) = _rows()
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.claimed_until == PM_LONDON + timedelta(minutes=1) and row.last_error
    app.config["MAIL_PORT"] = smtp_server.port
    mail.init_app(app)
    assert send_due(PM_LONDON + timedelta(seconds=30)).sent == 0  # still backing off
    assert send_due(PM_LONDON + timedelta(minutes=1)).sent == 1
    (row,) = _rows()
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert len(mailbox) == 1


def test_a_dispatcher_killed_mid_batch_loses_nothing(mailbox):
    for n in range(3):
        patient, _ = patient_with_routine("Europe/London")
        _appointment(patient, n)
    db.session.commit()
    from clinic.reminders.planner import plan

    plan(PM_LONDON)
    db.session.commit()
    claimed = claim("doomed", PM_LONDON)
    assert len(claimed) == 6
    # ... and the dispatcher dies here, before sending or marking anything.
    db.session.rollback()
    assert dispatch(PM_LONDON + timedelta(minutes=1)).sent == 0  # the lease still holds
    result = dispatch(PM_LONDON + LEASE + timedelta(seconds=1))
    assert result.sent == 6
    assert len(mailbox) == 6
    assert {r.status for r in _rows()} == {"sent"}
    assert dispatch(PM_LONDON + 2 * LEASE).sent == 0


@pytest.fixture
def many_due(app):
    for n in range(8):
        patient, _ = patient_with_routine("Europe/London")
        _appointment(patient, n)
    db.session.commit()


def test_four_dispatchers_in_parallel_send_each_reminder_exactly_once(app, mailbox, many_due):
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                dispatch(PM_LONDON, worker=f"dispatcher-{n}")
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    rows = _rows()
    assert len(rows) == 16
    assert {r.status for r in rows} == {"sent"}
    ids = [m["Message-ID"] for m in mailbox]
    assert len(ids) == 16 and sorted(ids) == sorted(r.message_id for r in rows)


def test_aftercare_check_ins_on_day_1_3_and_7(mailbox):
    from clinic.routines.aftercare import apply_aftercare
    from tests.routines.factories import procedure

    patient, _ = patient_with_routine("Europe/London", prefs={"am_minute": 9 * 60})
    ended = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    with time_machine.travel(ended + timedelta(hours=1), tick=False):
        record = apply_aftercare(patient, procedure(patient.clinic_id), ended)
        db.session.commit()
    checkins = [r for r in _rows() if r.kind == "aftercare_checkin"]
    assert record.patient_id == patient.id
    assert [(r.dedupe_key, r.due_at) for r in checkins] == [
        (f"aftercare:{patient.id}:2026-11-26:day{n}", datetime(2026, 11, 26 + n, 9, 0, tzinfo=UTC)) for n in (1, 3)
    ] + [(f"aftercare:{patient.id}:2026-11-26:day7", datetime(2026, 12, 3, 9, 0, tzinfo=UTC))]
    result = send_due(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    assert result.sent == 1
    (message,) = mailbox
    assert message["Subject"] == "Day 1 after your treatment: how is your skin?"
    assert "http://clinic.test/portal/aftercare" in body_text(message)


def test_a_procedure_recorded_late_skips_stale_check_ins(app):
    from clinic.routines.aftercare import apply_aftercare
    from tests.routines.factories import procedure

    patient, _ = patient_with_routine("Europe/London", prefs={"am_minute": 9 * 60})
    with time_machine.travel(datetime(2026, 11, 30, 12, 0, tzinfo=UTC), tick=False):
        apply_aftercare(patient, procedure(patient.clinic_id), datetime(2026, 11, 26, 15, 0, tzinfo=UTC))
        db.session.commit()
    assert [r.dedupe_key.rsplit(":", 1)[1] for r in _rows() if r.kind == "aftercare_checkin"] == ["day7"]


def test_reorder_email_does_not_name_the_product(mailbox):
    patient, routine = patient_with_routine("Europe/London", prefs={"am_minute": 8 * 60})
    step = next(s for s in routine.steps if s.slot == "am" and s.product)
    step.runs_out_on = date(2026, 12, 1)
    db.session.commit()
    dispatch(datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    (reorder,) = [m for m in mailbox if m["Subject"] == "Time to reorder a product"]
    text = body_text(reorder)
    assert "around 01 Dec" in text and step.product.name not in text and "Clinic Basics" not in text
