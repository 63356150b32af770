"""The patient's reminder settings on a phone: every kind has its own switch per channel; text messages
need a valid mobile number (refused beside the field, input kept), stored in E.164."""

from __future__ import annotations

from tests.e2e.conftest import axe_violations, log_in
from tests.factories import PASSWORD, make_patient, make_user


def _set_up_patient():
    patient = make_patient(timezone="America/New_York", email="settings.patient@example.test")
    user = make_user("patient", patient=patient, email="settings@example.test")
    return user.email, patient.id


def _sms_preference(patient_id: int):
    def run():
        from clinic.extensions import db
        from clinic.reminders.models import ReminderOptIn, ReminderPreference

        sms = db.session.get(ReminderPreference, (patient_id, "sms"))
        wanted = db.session.get(ReminderOptIn, (patient_id, "sms", "appointment"))
        return sms.enabled, sms.address, wanted.wanted

    return run


def test_patient_chooses_sms_for_appointment_reminders(phone_page, seed):
    page = phone_page
    email, patient_id = seed(_set_up_patient)
    log_in(page, email, PASSWORD)
    page.goto("/portal/reminders")
    for kind in ("Routine reminders", "Appointment reminders", "Aftercare check-ins"):
        for channel in ("e-mail", "text message (SMS)"):
            page.locator("label", has_text=kind).filter(has_text=f"by {channel}").wait_for()
    assert axe_violations(page) == []

    page.get_by_label("Appointment reminders (24 hours and 2 hours before) by text message (SMS)").check()
    page.get_by_label("Text messages (SMS) may be sent to this number").check()
    page.get_by_label("Mobile number for text messages").fill("555 12")
    page.get_by_role("button", name="Save reminder settings").click()
    page.get_by_text("That phone number is not valid").wait_for()
    field = page.get_by_label("Mobile number for text messages")
    assert field.input_value() == "555 12" and field.get_attribute("aria-invalid") == "true"
    assert axe_violations(page) == []

    field.fill("(201) 555-0123")
    page.get_by_role("button", name="Save reminder settings").click()
    page.get_by_text("Reminder settings saved.").wait_for()
    assert page.get_by_label("Mobile number for text messages").input_value() == "+12015550123"
    assert page.get_by_label("Appointment reminders (24 hours and 2 hours before) by text message (SMS)").is_checked()
    assert seed(_sms_preference(patient_id)) == (True, "+12015550123", True)
