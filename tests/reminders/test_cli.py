"""`flask reminders dispatch` sends what is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from clinic.extensions import db
from clinic.reminders.models import ReminderOptIn
from clinic.reminders.outbox import enqueue
from tests.factories import make_patient


def test_dispatch_command_sends_due_messages(app, mailbox):
    patient = make_patient()
    db.session.add(ReminderOptIn(patient_id=patient.id, channel="email", topic="appointment", wanted=True))
    enqueue(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        kind="appointment_reminder",
        dedupe_key="appt:1:remind:2h:20261126T1200Z",
        recipient=patient.email,
        due_at=datetime.now(UTC) - timedelta(minutes=1),
        payload={
            "hours_before": "2h",
            "local_time": "Thu 26 Nov, 12:00",
            "clinic_name": "Lumen",
            "patient_first_name": patient.first_name,
            "provider_name": "Dr. Chen",
        },
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["reminders", "dispatch", "--worker", "cli-test"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert [m["Subject"] for m in mailbox] == ["Reminder: your appointment in 2 hours"]
    assert "Thu 26 Nov, 12:00" in mailbox[0].get_body(preferencelist=("plain",)).get_content()
