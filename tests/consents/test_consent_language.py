"""Consent texts per language: the default forms exist in English and Spanish, a reader is offered the newest
version in their language (English when that version has no translation), the signed consent keeps its
language, staff see it, and neither another patient nor the wrong language's row can be signed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from clinic.audit.models import AuditEvent
from clinic.consents.models import Consent
from clinic.consents.services import current_forms, digest, publish_version, render_text
from clinic.db import now_utc
from clinic.extensions import db
from tests.consents.factories import consent_form, make_consent, signature_data_url
from tests.factories import make_patient, make_user
from tests.treatments.factories import catalog, make_appointment, procedure


@pytest.fixture
def lucia(app):
    catalog()
    patient = make_patient(first_name="Lucía", last_name="Navarro", language="es")
    make_appointment(patient, make_user("dermatologist"), starts_at=now_utc() + timedelta(days=3))
    db.session.commit()
    return patient


def _sign(client, form, name="Lucía Navarro"):
    return client.post(
        f"/portal/consents/forms/{form.id}/sign",
        data={
            "text_digest": digest(render_text(form)),
            "agree": "y",
            "signer_name": name,
            "signature_method": "typed",
            "typed_agree": "y",
            "signature": signature_data_url(),
        },
    )


def test_default_forms_exist_in_english_and_spanish(app):
    clinic = catalog()
    english, spanish = current_forms(clinic.id, "en"), current_forms(clinic.id, "es")
    assert len(english) == len(spanish) > 1
    assert {f.language for f in english} == {"en"} and {f.language for f in spanish} == {"es"}
    exosome = next(f for f in spanish if f.kind == "treatment")
    assert exosome.title.startswith("Consentimiento:") and exosome.version == 1
    assert "no hay productos de exosomas aprobados por la FDA" in " ".join(exosome.body.split())
    photo = next(f for f in spanish if f.kind == "photo")
    assert photo.title == "Consentimiento: fotografías clínicas"


def test_an_unknown_language_falls_back_to_english(app):
    clinic = catalog()
    assert {f.language for f in current_forms(clinic.id, "de")} == {"en"}


def test_a_newer_english_version_is_offered_until_it_is_translated(app):
    clinic = catalog()
    english = consent_form(procedure())
    publish_version(english, language="en", title="Consent v2", body="Version 2 text", valid_months=12)
    offered = next(f for f in current_forms(clinic.id, "es") if f.procedure_id == english.procedure_id)
    assert (offered.version, offered.language) == (2, "en")  # never the older Spanish v1
    spanish = publish_version(
        english, language="es", title="Consentimiento v2", body="Texto de la versión 2", valid_months=12
    )
    assert spanish.version == 2  # a translation of version 2, not a version 3
    offered = next(f for f in current_forms(clinic.id, "es") if f.procedure_id == english.procedure_id)
    assert offered.id == spanish.id
    again = publish_version(spanish, language="es", title="Consentimiento v3", body="Texto 3", valid_months=12)
    assert again.version == 3


def test_spanish_reader_signs_the_spanish_text_and_the_record_keeps_it(lucia, login_as):
    client, _ = login_as("patient", patient=lucia)
    page = client.get("/portal/consents")
    assert page.status_code == 200
    spanish = consent_form(procedure(), language="es")
    assert "Mis consentimientos" in page.text and spanish.title in page.text
    assert f"/portal/consents/forms/{spanish.id}/sign" in page.text
    sign_page = client.get(f"/portal/consents/forms/{spanish.id}/sign")
    assert "Acepto recibir" in sign_page.text and "He leído este consentimiento y lo acepto" in sign_page.text
    response = _sign(client, spanish)
    assert response.status_code == 302, response.text
    consent = db.session.scalars(sa.select(Consent).where(Consent.patient_id == lucia.id)).one()
    assert (consent.language, consent.form_id, consent.title) == ("es", spanish.id, spanish.title)
    assert consent.text.startswith("Acepto recibir")
    event = db.session.scalars(sa.select(AuditEvent).filter_by(action="consent.sign", patient_id=lucia.id)).one()
    assert " es " in event.detail
    view = client.get(f"/portal/consents/{consent.id}").text
    assert "Español" in view and "Firmado por" in view


def test_the_english_row_is_not_signable_by_a_spanish_reader(lucia, login_as):
    client, _ = login_as("patient", patient=lucia)
    english = consent_form(procedure())
    assert client.get(f"/portal/consents/forms/{english.id}/sign").status_code == 404
    assert _sign(client, english).status_code == 404
    assert db.session.scalar(sa.select(Consent.id).where(Consent.patient_id == lucia.id)) is None


def test_english_reader_is_unchanged(app, login_as):
    catalog()
    patient = make_patient()
    make_appointment(patient, make_user("dermatologist"), starts_at=now_utc() + timedelta(days=3))
    db.session.commit()
    client, _ = login_as("patient", patient=patient)
    page = client.get("/portal/consents").text
    english, spanish = consent_form(procedure()), consent_form(procedure(), language="es")
    assert "My consents" in page and english.title in page and spanish.title not in page
    assert _sign(client, spanish, name=patient.full_name).status_code == 404


def test_another_patients_spanish_consent_is_not_found(lucia, login_as):
    consent = make_consent(lucia, procedure(), language="es")
    other = make_patient(first_name="Otto", last_name="Other", language="es")
    db.session.commit()
    client, _ = login_as("patient", patient=other)
    assert client.get(f"/portal/consents/{consent.id}").status_code == 404
    assert client.get(f"/documents/consents/{consent.id}.pdf").status_code == 404


def test_staff_see_the_language_and_are_offered_the_patients(lucia, login_as):
    consent = make_consent(lucia, procedure(), language="es")
    db.session.commit()
    client, _ = login_as("dermatologist")
    listing = client.get(f"/patients/{lucia.id}/consents").text
    assert consent_form(procedure(), language="es").title in listing and "Español" in listing
    assert consent_form(procedure()).title not in listing.split("Signed consents")[0]
    view = client.get(f"/consents/{consent.id}").text
    assert "Language" in view and "Español" in view and 'lang="es"' in view


def test_staff_tablet_signature_keeps_the_language(lucia, login_as):
    spanish = consent_form(procedure(), language="es")
    client, _ = login_as("aesthetician")
    response = client.post(
        f"/patients/{lucia.id}/consents/{spanish.id}/sign",
        data={
            "text_digest": digest(render_text(spanish)),
            "agree": "y",
            "signer_name": "Lucía Navarro",
            "signature_method": "typed",
            "typed_agree": "y",
        },
    )
    assert response.status_code == 302, response.text
    consent = db.session.scalars(sa.select(Consent).where(Consent.patient_id == lucia.id)).one()
    assert (consent.language, consent.method) == ("es", "staff_tablet")


def test_admin_publishes_a_spanish_translation_of_the_newest_version(app, login_as):
    catalog()
    spanish = consent_form(procedure(), language="es")
    db.session.commit()
    client, _ = login_as("admin")
    url = f"/admin/consent-forms/{spanish.id}/new-version"
    assert 'name="language"' in client.get(url).text
    data = {"language": "es", "title": "Consentimiento v2", "body": "Texto {product_sources}", "valid_months": 12}
    response = client.post(url, data=data)
    assert response.status_code == 302
    newest = consent_form(procedure(), language="es")
    assert (newest.version, newest.title) == (2, "Consentimiento v2")
    assert consent_form(procedure()).version == 1
    assert client.post(url, data={**data, "language": "xx"}).status_code == 422
    assert "Español" in client.get("/admin/consent-forms").text
