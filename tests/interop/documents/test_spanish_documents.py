"""Documents in the reader's language: a Spanish-reading patient's aftercare sheet and signed consent are
Spanish PDFs (headings, words and Babel dates in her own zone), whoever downloads them; the English patient's
are unchanged; the visit summary for a referring doctor stays in the clinic's language."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_datetime

from clinic.consents.services import digest, render_text, sign_consent
from clinic.extensions import db
from tests.consents.factories import consent_form
from tests.factories import make_patient, make_user
from tests.interop.documents.test_documents import pdf_text
from tests.routines.factories import AGING_STEPS, make_routine
from tests.treatments.factories import catalog, procedure, signed_session

ZONE = "America/Los_Angeles"


@pytest.fixture
def lucia(app):
    clinic = catalog()
    clinic.phone = "+1 212 555 0100"
    derm = make_user("dermatologist")
    patient = make_patient(first_name="Lucía", last_name="Navarro", timezone=ZONE, language="es")
    make_routine(patient, AGING_STEPS)
    form = consent_form(procedure(), language="es")
    consent = sign_consent(
        patient,
        form,
        signer_name="Lucía Navarro",
        signature_method="typed",
        typed_agreed=True,
        witness=None,
        ip="127.0.0.1",
        method="portal",
        text_digest=digest(render_text(form)),
    )
    session = signed_session(patient, derm)
    user = make_user("patient", patient=patient)
    db.session.commit()
    return dict(patient=patient, user=user, derm=derm, session=session, consent=consent)


def _spanish_day(value, zone: str) -> str:
    return format_date(value.astimezone(ZoneInfo(zone)).date(), "EEE d MMM y", locale="es")


def test_spanish_patients_aftercare_pdf_is_spanish(lucia, login_as):
    session = lucia["session"]
    client, _ = login_as(user=lucia["user"])
    text, metadata = pdf_text(client.get(f"/documents/sessions/{session.id}/aftercare.pdf"))
    for words in ("Hoja de cuidados posteriores", "Paciente", "Procedimiento", "Fin del tratamiento", "Día a día"):
        assert words in text, words
    assert "Pasos en casa en pausa" in text and "en pausa hasta el" in text and "(noche)" in text
    assert "Problemas o preguntas" in text and "llame a la clínica: +1 212 555 0100" in text
    assert "Evite:" in text
    ended = session.ended_at.astimezone(ZoneInfo(ZONE))
    stamp = format_datetime(ended, "EEE dd MMM y, HH:mm", tzinfo=ZoneInfo(ZONE), locale="es")
    assert stamp in text  # Spanish date and time in her own zone
    assert f"Día 1 · {_spanish_day(session.ended_at, ZONE)}" in text
    for english in ("Aftercare sheet", "Day by day", "Home steps paused", "paused until", "Treatment ended"):
        assert english not in text, english
    assert metadata["/Title"] == f"Hoja de cuidados posteriores: {session.procedure.name}"


def test_staff_print_the_spanish_sheet_for_a_spanish_patient(lucia, login_as):
    session = lucia["session"]
    client, _ = login_as(user=lucia["derm"])
    text, _ = pdf_text(client.get(f"/documents/sessions/{session.id}/aftercare.pdf"))
    assert "Hoja de cuidados posteriores" in text and "Día a día" in text
    page = client.get(f"/documents/sessions/{session.id}/aftercare").text
    assert 'lang="es"' in page and "Hoja de cuidados posteriores" in page
    assert '<html lang="en"' in page and ">Print</button>" in page  # the staff page around it stays English


def test_spanish_signed_consent_pdf_is_spanish(lucia, login_as):
    consent = lucia["consent"]
    client, _ = login_as(user=lucia["user"])
    text, metadata = pdf_text(client.get(f"/documents/consents/{consent.id}.pdf"))
    for words in ("Consentimiento firmado", "Texto aceptado", "Firmado por", "Firmado en el portal", "Vigente hasta"):
        assert words in text, words
    assert "Firmado escribiendo el nombre" in text and "Nombre escrito, aceptado como firma" in text
    assert "Acepto recibir" in text  # the Spanish text she signed
    assert format_datetime(consent.signed_at, "EEE dd MMM y", tzinfo=ZoneInfo(ZONE), locale="es") in text
    for english in ("Signed consent", "Signed by", "Signed in the portal", "Valid until", "Text agreed to"):
        assert english not in text, english
    assert metadata["/Title"].startswith("Consentimiento firmado: Consentimiento:")


def test_english_patients_documents_are_unchanged(app, login_as):
    catalog()
    derm = make_user("dermatologist")
    patient = make_patient(first_name="Rosa", last_name="Quintero", timezone=ZONE)
    make_routine(patient, AGING_STEPS)
    session = signed_session(patient, derm)
    user = make_user("patient", patient=patient)
    db.session.commit()
    client, _ = login_as(user=user)
    text, _ = pdf_text(client.get(f"/documents/sessions/{session.id}/aftercare.pdf", headers={"Accept-Language": "en"}))
    ended = session.ended_at.astimezone(ZoneInfo(ZONE))
    assert "Aftercare sheet" in text and "Day by day" in text and "paused until" in text
    assert f"{ended:%a %d %b %Y, %H:%M}" in text and f"Day 1 · {ended:%a} {ended.day} {ended:%b %Y}" in text
    assert "Hoja de cuidados" not in text


def test_visit_summary_stays_in_the_clinic_language(lucia, login_as):
    client, _ = login_as(user=lucia["derm"])
    text, _ = pdf_text(client.get(f"/documents/sessions/{lucia['session'].id}/summary.pdf"))
    assert "Visit summary" in text and "Session record" in text and "Resumen de la visita" not in text
