"""Reminder settings in the portal and the signed unsubscribe link."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.reminders.models import ReminderPreference
from clinic.reminders.tokens import unsubscribe_token
from tests.reminders.helpers import patient_with_routine

VALID = {
    "am_time": "07:15",
    "pm_time": "22:30",
    "timezone": "Europe/London",
    "quiet_start": "23:00",
    "quiet_end": "06:30",
    "email_enabled": "y",
}


def test_patient_saves_reminder_settings(login_as):
    patient, _ = patient_with_routine("America/New_York", portal=False)
    client, _ = login_as("patient", patient=patient)
    assert "21:00" in client.get("/portal/reminders").text  # the default PM time
    response = client.post("/portal/reminders", data=VALID)
    assert response.status_code == 302
    db.session.expire_all()
    prefs = db.session.get(ReminderPreference, patient.id)
    assert (prefs.am_minute, prefs.pm_minute, prefs.quiet_start, prefs.quiet_end) == (435, 1350, 1380, 390)
    assert prefs.email_enabled and not prefs.opted_out
    assert db.session.get(Patient, patient.id).timezone == "Europe/London"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("am_time", "24:00", "00:00 to 23:59"),
        ("pm_time", "7pm", "time of day such as"),
        ("pm_time", "21:60", "00:00 to 23:59"),
        ("timezone", "Mars/Olympus_Mons", "Unknown time zone"),
        ("quiet_end", "23:00", "cannot cover the whole day"),
        ("quiet_end", "", "both the start and the end"),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(login_as, field, value, message):
    patient, _ = patient_with_routine("America/New_York", portal=False)
    client, _ = login_as("patient", patient=patient)
    response = client.post("/portal/reminders", data={**VALID, field: value})
    assert response.status_code == 422
    assert message in response.text
    db.session.expire_all()
    assert db.session.get(ReminderPreference, patient.id) is None
    assert db.session.get(Patient, patient.id).timezone == "America/New_York"


def test_unsubscribe_link_asks_then_opts_out(client, app):
    patient, _ = patient_with_routine()
    token = unsubscribe_token(patient.id)
    page = client.get(f"/reminders/unsubscribe/{token}")
    assert page.status_code == 200 and "Stop routine reminders?" in page.text
    assert db.session.get(ReminderPreference, patient.id) is None  # a GET changes nothing
    assert client.post(f"/reminders/unsubscribe/{token}", data={}).status_code == 200
    db.session.expire_all()
    assert db.session.get(ReminderPreference, patient.id).opted_out is True


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_unsubscribe_token_changes_nothing(client, app, method):
    patient, _ = patient_with_routine()
    token = unsubscribe_token(patient.id)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    from itsdangerous import URLSafeSerializer

    other_key = URLSafeSerializer("not-the-secret", salt="reminders-unsubscribe").dumps(
        {"patient": patient.id}
    )
    for bad in (forged, other_key, "nonsense"):
        response = getattr(client, method)(
            f"/reminders/unsubscribe/{bad}", **({"data": {}} if method == "post" else {})
        )
        assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderPreference)) == 0
