"""Consent signing in the patient portal: what is listed, signing (method portal, frozen, audited), an empty
signature refused beside its field, another patient's consent or form not found, staff kept out."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from clinic.audit.models import AuditEvent
from clinic.consents.models import Consent
from clinic.consents.services import digest, render_text, revoke_consent
from clinic.db import now_utc
from clinic.extensions import db
from tests.consents.factories import consent_form, make_consent, make_photo_consent, signature_data_url
from tests.factories import make_clinic, make_patient, make_user
from tests.treatments.factories import catalog, make_appointment, procedure


@pytest.fixture
def alice(app):
    catalog()
    return make_patient(first_name="Alice", last_name="Aardvark")


@pytest.fixture
def portal(login_as, alice):
    client, _user = login_as("patient", patient=alice)
    return client


def _sign_data(form, **overrides):
    data = {
        "text_digest": digest(render_text(form)),
        "agree": "y",
        "signer_name": "Alice Aardvark",
        "signature_method": "drawn",
        "signature": signature_data_url(),
    }
    return {**data, **overrides}


def test_lists_forms_for_booked_procedures_and_photo_consent(portal, alice):
    derm = make_user("dermatologist")
    make_appointment(alice, derm, starts_at=now_utc() + timedelta(days=3))
    db.session.commit()
    page = portal.get("/portal/consents").text
    assert "Microneedling + topical exosome" in page
    assert consent_form(kind="photo").title in page
    assert "Scalp exosome injection" not in page  # nothing booked for it
    assert db.session.scalar(
        sa.select(AuditEvent).filter_by(action="consent.list", patient_id=alice.id, detail="portal")
    )


def test_lists_signed_consents_with_their_standing(portal, alice):
    valid = make_consent(alice, procedure())
    revoked = make_consent(alice, procedure("laser_exosome"))
    revoke_consent(revoked, make_user("dermatologist"), "Changed her mind")
    photo = make_photo_consent(alice)
    db.session.execute(
        sa.update(Consent)
        .where(Consent.id == photo.id)
        .values(signed_at=now_utc() - timedelta(days=400), expires_at=now_utc() - timedelta(days=35))
    )
    db.session.commit()
    page = portal.get("/portal/consents").text
    assert page.count("Valid</span>") == 1 and "Revoked</span>" in page and "Expired</span>" in page
    assert f"/portal/consents/{valid.id}" in page
    # the expired photo consent is offered again; the valid microneedling consent is not
    assert f"/portal/consents/forms/{consent_form(kind='photo').id}/sign" in page
    assert f"/portal/consents/forms/{consent_form(procedure()).id}/sign" not in page


def test_a_consent_near_expiry_is_expiring_and_offered_again(portal, alice):
    make_appointment(alice, make_user("dermatologist"), starts_at=now_utc() + timedelta(days=2))
    consent = make_consent(alice, procedure())
    db.session.execute(
        sa.update(Consent).where(Consent.id == consent.id).values(expires_at=now_utc() + timedelta(days=10))
    )
    db.session.commit()
    page = portal.get("/portal/consents").text
    assert "Expiring</span>" in page
    assert f"/portal/consents/forms/{consent_form(procedure()).id}/sign" in page


def test_sign_page_shows_the_exact_exosome_text(portal):
    form = consent_form(procedure())
    page = portal.get(f"/portal/consents/forms/{form.id}/sign").text
    assert "no FDA-approved exosome products" in page
    assert "Not disclosed by the manufacturer" in page and "MedWatch" in page
    assert 'id="signature-pad"' in page and "js/signature-" in page


def test_patient_signs_in_the_portal(portal, alice):
    form = consent_form(procedure())
    response = portal.post(
        f"/portal/consents/forms/{form.id}/sign", data=_sign_data(form), environ_base={"REMOTE_ADDR": "203.0.113.9"}
    )
    assert response.status_code == 302 and response.location.endswith("/portal/consents")
    consent = db.session.scalars(sa.select(Consent).filter_by(patient_id=alice.id)).one()
    assert consent.method == "portal" and consent.witnessed_by_id is None
    assert consent.signer_name == "Alice Aardvark" and consent.ip == "203.0.113.9"
    assert consent.text == render_text(form) and consent.signature_png.startswith(b"\x89PNG")
    event = db.session.scalars(sa.select(AuditEvent).filter_by(action="consent.sign")).one()
    assert event.patient_id == alice.id and event.object_id == str(consent.id)


@pytest.mark.parametrize("signature", ["", signature_data_url(blank=True)])
def test_empty_signature_is_refused_beside_the_field_and_the_name_kept(portal, alice, signature):
    form = consent_form(procedure())
    response = portal.post(
        f"/portal/consents/forms/{form.id}/sign",
        data=_sign_data(form, signature=signature, signer_name="Alice Q. Aardvark"),
    )
    assert response.status_code == 422
    assert 'id="signature-error"' in response.text
    assert "The signature is empty. Please sign in the box." in response.text
    assert 'value="Alice Q. Aardvark"' in response.text
    assert db.session.scalar(sa.select(sa.func.count(Consent.id))) == 0


def test_unticked_agreement_is_refused(portal):
    form = consent_form(procedure())
    response = portal.post(f"/portal/consents/forms/{form.id}/sign", data=_sign_data(form, agree=""))
    assert response.status_code == 422 and "Tick the box" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Consent.id))) == 0


def test_another_patients_consent_and_another_clinics_form_are_not_found(portal, alice):
    bob = make_patient(first_name="Bobby", last_name="Zebrafish")
    bobs = make_consent(bob, procedure())
    other = make_clinic("Elsewhere")
    foreign_form = consent_form(kind="photo", clinic=other)
    db.session.commit()
    assert portal.get(f"/portal/consents/{bobs.id}").status_code == 404
    assert portal.get(f"/portal/consents/forms/{foreign_form.id}/sign").status_code == 404
    response = portal.post(f"/portal/consents/forms/{foreign_form.id}/sign", data=_sign_data(foreign_form))
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(Consent.id)).filter_by(patient_id=alice.id)) == 0
    assert "Zebrafish" not in portal.get("/portal/consents").text


def test_patient_sees_own_signed_consent(portal, alice):
    consent = make_consent(alice, procedure())
    db.session.commit()
    page = portal.get(f"/portal/consents/{consent.id}").text
    assert "no FDA-approved exosome products" in page and "Alice Aardvark" in page


@pytest.mark.parametrize("role", ["dermatologist", "aesthetician", "admin"])
def test_staff_get_403_on_portal_consent_pages(login_as, alice, role):
    consent = make_consent(alice, procedure())
    form = consent_form(procedure())
    client, _ = login_as(role)
    assert client.get("/portal/consents").status_code == 403
    assert client.get(f"/portal/consents/forms/{form.id}/sign").status_code == 403
    assert client.post(f"/portal/consents/forms/{form.id}/sign", data=_sign_data(form)).status_code == 403
    assert client.get(f"/portal/consents/{consent.id}").status_code == 403


def test_staff_see_portal_signed_consents_with_the_method(portal, alice, login_as):
    form = consent_form(procedure())
    assert portal.post(f"/portal/consents/forms/{form.id}/sign", data=_sign_data(form)).status_code == 302
    staff, _ = login_as("dermatologist")
    page = staff.get(f"/patients/{alice.id}/consents").text
    assert "Signed in the portal" in page
    consent = db.session.scalars(sa.select(Consent).filter_by(patient_id=alice.id)).one()
    assert "portal" in staff.get(f"/consents/{consent.id}").text


def test_patient_nav_links_to_consents(portal):
    assert 'href="/portal/consents"' in portal.get("/portal").text
