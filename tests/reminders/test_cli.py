"""`flask reminders dispatch` sends what is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from clinic.extensions import db
from clinic.reminders.outbox import enqueue
from tests.factories import make_patient


def test_dispatch_command_sends_due_messages(app, mailbox):
    patient = make_patient()
    enqueue(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        kind="appointment_2h",
        dedupe_key="appt:2h:1",
        recipient=patient.email,
        due_at=datetime.now(UTC) - timedelta(minutes=1),
        payload={"when": "12:00"},
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["reminders", "dispatch", "--worker", "cli-test"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert [m["Subject"] for m in mailbox] == ["Reminder: your appointment in 2 hours"]
