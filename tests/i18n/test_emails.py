"""Reminders are written in the recipient patient's language, whoever or whatever sends them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine

from clinic.extensions import db
from clinic.reminders.dispatcher import dispatch, send_due
from clinic.reminders.models import ReminderOptIn, ReminderPreference
from tests.fixtures.mail import body_text
from tests.reminders.helpers import patient_with_routine

PM_LONDON = datetime(2026, 11, 26, 21, 0, tzinfo=UTC)
ENGLISH = ("Your", "routine", "steps to do", "Open your routine", "You get this")


def test_spanish_patients_routine_email_is_in_spanish_and_english_one_is_not(mailbox):
    spanish, _ = patient_with_routine("Europe/London", language="es")
    english, _ = patient_with_routine("Europe/London")
    assert dispatch(PM_LONDON).sent == 2
    by_recipient = {m["To"]: m for m in mailbox}
    es, en = by_recipient[spanish.email], by_recipient[english.email]
    assert es["Subject"] == "Su rutina de la noche: 2 pasos"
    text = body_text(es)
    assert "Su rutina de la noche: 2 pasos pendientes hoy." in text and "PM" not in text and "Abra su rutina" in text
    assert "Dejar de recibir recordatorios de rutina" in text
    assert [w for w in ENGLISH if w in text] == []
    html = es.get_body(preferencelist=("html",)).get_content()
    assert '<html lang="es">' in html and "Abrir mi rutina" in html
    assert en["Subject"] == "Your PM routine: 2 steps"
    assert "Your PM routine: 2 steps to do today." in body_text(en)
    assert '<html lang="en">' in en.get_body(preferencelist=("html",)).get_content()


def test_spanish_patients_sms_is_in_spanish(sms_provider, mailbox):
    patient, _ = patient_with_routine("Europe/London", language="es")
    db.session.add(ReminderPreference(patient_id=patient.id, channel="sms", enabled=True, address="+447911123456"))
    db.session.add(ReminderOptIn(patient_id=patient.id, channel="sms", topic="routine", wanted=True))
    db.session.commit()
    assert dispatch(PM_LONDON).sent == 2
    (request,) = sms_provider.requests
    assert request["form"]["Body"].startswith(
        "Su rutina de la noche: 2 pasos pendientes hoy. Abra el portal de su clinica para verlos."  # í is not GSM-7
    )
    (message,) = mailbox
    assert message["Subject"] == "Su rutina de la noche: 2 pasos"


def test_a_staff_request_does_not_decide_the_patients_language(app, mailbox):
    """Sent from inside a request whose locale is English (a staff click): the patient's Spanish still wins."""
    patient, _ = patient_with_routine("Europe/London", language="es")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert dispatch(PM_LONDON).sent == 1
    (message,) = mailbox
    assert message["Subject"] == "Su rutina de la noche: 2 pasos"


def test_spanish_patients_day_1_aftercare_check_in_is_in_spanish(mailbox):
    from clinic.routines.aftercare import apply_aftercare
    from tests.routines.factories import procedure

    patient, _ = patient_with_routine("Europe/London", prefs={"am_minute": 9 * 60}, language="es")
    ended = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    with time_machine.travel(ended + timedelta(hours=1), tick=False):
        apply_aftercare(patient, procedure(patient.clinic_id), ended)
        db.session.commit()
    assert send_due(datetime(2026, 11, 27, 9, 0, tzinfo=UTC)).sent == 1
    (message,) = mailbox
    assert (
        str(message["Subject"]).strip() == "Día 1 después de su tratamiento: ¿cómo está su piel?"
    )  # folded RFC 2047 header
    text = body_text(message)
    assert f"Hola, {patient.first_name}:" in text and "¿Cómo siente la piel?" in text
    assert "Dejar de recibir seguimientos de cuidados posteriores" in text
    assert "after your treatment" not in text and "Hello" not in text
