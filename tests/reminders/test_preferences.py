"""Reminder settings in the portal and the signed unsubscribe link."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from clinic.extensions import db
from clinic.patients.models import Patient
from clinic.reminders.models import ReminderOptIn, ReminderPreference
from clinic.reminders.tokens import unsubscribe_token
from tests.reminders.helpers import patient_with_routine

VALID = {
    "am_time": "07:15",
    "pm_time": "22:30",
    "timezone": "Europe/London",
    "quiet_start": "23:00",
    "quiet_end": "06:30",
    "want_routine_email": "y",
    "want_aftercare_email": "y",
}


def _wanted(patient_id: int) -> dict[tuple[str, str], bool]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(ReminderOptIn).where(ReminderOptIn.patient_id == patient_id))
    return {(r.channel, r.topic): r.wanted for r in rows}


def test_patient_saves_reminder_settings(login_as):
    patient, _ = patient_with_routine("America/New_York", portal=False)
    client, _ = login_as("patient", patient=patient)
    assert "21:00" in client.get("/portal/reminders").text  # the default PM time
    response = client.post("/portal/reminders", data=VALID)
    assert response.status_code == 302
    db.session.expire_all()
    for channel in ("email", "sms"):
        prefs = db.session.get(ReminderPreference, (patient.id, channel))
        assert (prefs.am_minute, prefs.pm_minute, prefs.quiet_start, prefs.quiet_end) == (435, 1350, 1380, 390)
    assert db.session.get(ReminderPreference, (patient.id, "email")).enabled
    assert not db.session.get(ReminderPreference, (patient.id, "sms")).enabled
    assert _wanted(patient.id) == {
        ("email", "routine"): True,
        ("email", "aftercare"): True,
        ("email", "appointment"): False,
        ("sms", "routine"): False,
        ("sms", "aftercare"): False,
        ("sms", "appointment"): False,
    }
    assert db.session.get(Patient, patient.id).timezone == "Europe/London"


def test_every_kind_has_its_own_switch_per_channel_and_sms_numbers_are_stored_as_e164(login_as):
    patient, _ = patient_with_routine("America/New_York", portal=False)
    client, _ = login_as("patient", patient=patient)
    page = client.get("/portal/reminders").text
    for label in ("Routine reminders", "Appointment reminders", "Aftercare check-ins"):
        for channel in ("by e-mail", "by text message (SMS)"):
            assert f"{label}" in page and channel in page
    for name in (
        "want_routine_email",
        "want_appointment_email",
        "want_aftercare_email",
        "want_routine_sms",
        "want_appointment_sms",
        "want_aftercare_sms",
    ):
        assert f'for="{name}"' in page and f'id="{name}"' in page
    data = {
        **VALID,
        "want_routine_email": "",
        "want_appointment_sms": "y",
        "sms_enabled": "y",
        "sms_number": "(201) 555-0123",
    }
    assert client.post("/portal/reminders", data=data).status_code == 302
    assert _wanted(patient.id)[("email", "routine")] is False
    assert _wanted(patient.id)[("sms", "appointment")] is True
    sms = db.session.get(ReminderPreference, (patient.id, "sms"))
    assert (sms.enabled, sms.address, sms.consent_source) == (True, "+12015550123", "portal")
    assert 'value="+12015550123"' in client.get("/portal/reminders").text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"sms_enabled": "y", "sms_number": "12"}, "not valid"),
        ({"sms_enabled": "y", "sms_number": "not a number"}, "not a phone number"),
        ({"sms_enabled": "y"}, "Give a mobile number"),
        ({"want_routine_sms": "y", "sms_number": "+442079460000"}, "Turn on text messages"),
    ],
)
def test_invalid_sms_choices_are_refused_beside_the_field(login_as, data, message):
    patient, _ = patient_with_routine("America/New_York", portal=False)
    client, _ = login_as("patient", patient=patient)
    response = client.post("/portal/reminders", data={**VALID, **data})
    assert response.status_code == 422 and message in response.text
    assert "invalid-feedback" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderPreference)) == 0


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
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderPreference)) == 0
    assert db.session.get(Patient, patient.id).timezone == "America/New_York"


def test_unsubscribe_link_asks_then_opts_out(client, app):
    patient, _ = patient_with_routine()
    token = unsubscribe_token(patient.id)
    page = client.get(f"/reminders/unsubscribe/{token}")
    assert page.status_code == 200 and "Stop routine reminders?" in page.text
    assert _wanted(patient.id) == {}  # a GET changes nothing
    assert client.post(f"/reminders/unsubscribe/{token}", data={}).status_code == 200
    assert _wanted(patient.id) == {("email", "routine"): False}


def test_each_unsubscribe_link_stops_only_its_own_kind(client, app):
    """Defect 14.8: the link in an appointment reminder stops appointment reminders, not routine ones."""
    patient, _ = patient_with_routine()
    db.session.add(ReminderOptIn(patient_id=patient.id, channel="email", topic="appointment", wanted=True))
    db.session.commit()
    token = unsubscribe_token(patient.id, "appointment")
    page = client.get(f"/reminders/unsubscribe/{token}")
    assert page.status_code == 200 and "Stop appointment reminders?" in page.text
    assert "routine" not in page.text.split("</head>", 1)[1].lower()  # the page, not its meta description
    done = client.post(f"/reminders/unsubscribe/{token}", data={})
    assert done.status_code == 200 and "appointment reminders" in done.text
    assert _wanted(patient.id) == {("email", "appointment"): False}


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_unsubscribe_token_changes_nothing(client, app, method):
    patient, _ = patient_with_routine()
    token = unsubscribe_token(patient.id)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    from itsdangerous import URLSafeSerializer

    other_key = URLSafeSerializer("not-the-secret", salt="reminders-unsubscribe").dumps({"patient": patient.id})
    for bad in (forged, other_key, "nonsense"):
        response = getattr(client, method)(
            f"/reminders/unsubscribe/{bad}", **({"data": {}} if method == "post" else {})
        )
        assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderPreference)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderOptIn)) == 0
