"""Appointment, account and problem-reply e-mails and the SMS footer in the recipient patient's language:
Spanish words and a Spanish appointment time for a Spanish reader, the English ones unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_babel import force_locale

from clinic.auth.invitations import send_invitation
from clinic.extensions import db
from clinic.reminders.channels.sms import compose
from clinic.reminders.dispatcher import send_due
from clinic.scheduling.booking import book_appointment
from tests.factories import make_patient, make_user
from tests.fixtures.mail import body_text
from tests.scheduling.conftest import FROZEN, MONDAY
from tests.scheduling.factories import at, setup_clinic


def _book(patient, clinic, provider, kind, hour=9):
    return book_appointment(
        clinic=clinic,
        patient=patient,
        appointment_type=kind,
        provider=provider,
        starts_at=at(MONDAY, hour),
        booked_via="staff",
        now=FROZEN,
    )


def test_confirmation_in_spanish_with_a_spanish_time_and_english_unchanged(app, mailbox):
    clinic, aesthetician, _, kind = setup_clinic()
    lucia = make_patient(clinic, first_name="Lucía", language="es", email="lucia@example.test")
    rosa = make_patient(clinic, first_name="Rosa", email="rosa@example.test")
    db.session.commit()
    _book(lucia, clinic, aesthetician, kind)
    _book(rosa, clinic, aesthetician, kind, hour=11)
    db.session.commit()
    send_due(FROZEN + timedelta(minutes=1))
    confirmations = [m for m in mailbox if "reservada" in m["Subject"] or "booked" in m["Subject"]]
    assert len(confirmations) == 2, [m["Subject"] for m in mailbox]  # besides any preparation advice
    by_recipient = {m["To"]: m for m in confirmations}
    es, en = by_recipient["lucia@example.test"], by_recipient["rosa@example.test"]
    assert str(es["Subject"]).strip() == "Su cita está reservada"
    text = body_text(es)
    assert "Hola, Lucía:" in text and "está reservada para el lunes 07 diciembre 2026, 09:00" in text
    assert "inicie sesión en el portal del paciente o llame a la clínica." in text
    for english in ("Hello", "Monday", "December", "is booked", "patient portal"):
        assert english not in text, english
    assert '<html lang="es">' in es.get_body(preferencelist=("html",)).get_content()
    assert en["Subject"] == "Your appointment is booked"
    english_text = body_text(en)
    assert "Hello Rosa," in english_text and "Monday 07 December 2026, 11:00" in english_text


def test_sms_footer_and_appointment_reminder_sms_in_spanish(app):
    with force_locale("es"):
        text = compose("Clinica: recordatorio de su cita manana.")
    assert text.endswith(" Responda STOP para darse de baja.") and "Reply" not in text
    with force_locale("en"):
        assert compose("Clinic: reminder.").endswith(" Reply STOP to opt out.")


def test_spanish_patients_invitation_is_in_spanish(app, mailbox):
    clinic, *_ = setup_clinic()
    patient = make_patient(clinic, first_name="Lucía", language="es", email="lucia@example.test")
    user = make_user("patient", patient=patient, clinic=clinic, email="lucia@example.test", password=None)
    send_invitation(user)
    db.session.commit()
    assert send_due(datetime.now(UTC) + timedelta(minutes=1)).sent == 1
    (message,) = mailbox
    assert str(message["Subject"]).strip() == f"Su cuenta en {clinic.name}"
    text = body_text(message)
    assert "le ha creado una cuenta en nuestro portal del paciente" in text and "Elija su contraseña" in text
    assert "Hello" not in text and "password" not in text
