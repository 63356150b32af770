"""Consent: signatures checked with Pillow, frozen text, expiry and revocation, gating of sessions, pages."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from clinic.consents.models import Consent, ConsentForm
from clinic.consents.services import (
    ConsentMissing,
    digest,
    render_text,
    require_treatment_consent,
    revoke_consent,
)
from clinic.consents.signature import BadSignature, decode_signature
from clinic.db import now_utc
from clinic.extensions import db
from clinic.treatments import precheck as pre
from clinic.validation import Invalid
from tests.consents.factories import consent_form, make_consent, signature_data_url
from tests.factories import make_clinic, make_patient, make_user
from tests.treatments.factories import procedure


def _png_url(image: Image.Image, fmt: str = "PNG") -> str:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.mark.parametrize(
    "data_url",
    [
        None,
        "",
        "data:image/jpeg;base64,AAAA",
        "data:image/png;base64,not base64!!",
        "data:image/png;base64," + base64.b64encode(b"GIF89a not a png").decode(),
        signature_data_url(blank=True),
        _png_url(Image.new("RGB", (600, 200), "white")),  # opaque white paper, no ink
        _png_url(Image.new("RGB", (600, 200), "black"), fmt="JPEG"),  # a JPEG behind a PNG label
        _png_url(Image.new("L", (5000, 10), 0)),  # larger than a signature box
    ],
)
def test_bad_or_empty_signatures_are_refused(data_url):
    with pytest.raises(BadSignature):
        decode_signature(data_url)


def test_a_drawn_signature_is_accepted():
    png = decode_signature(signature_data_url())
    assert png.startswith(b"\x89PNG")


@pytest.fixture
def derm(app):
    return make_user("dermatologist")


def test_signing_freezes_text_name_time_ip_and_expiry(derm):
    patient = make_patient()
    consent = make_consent(patient, procedure(), witness=derm)
    assert "no FDA-approved exosome products" in consent.text
    assert "DP Derm Exo-Skin Exosome Therapy: Not disclosed by the manufacturer" in consent.text
    assert "MedWatch" in consent.text
    assert consent.signer_name == patient.full_name and consent.ip == "127.0.0.1"
    assert consent.method == "staff_tablet" and consent.witnessed_by_id == derm.id
    assert 364 <= (consent.expires_at - consent.signed_at).days <= 366
    form = db.session.get(ConsentForm, consent.form_id)
    form.body = "Completely different text"
    db.session.flush()
    assert "no FDA-approved" in db.session.get(Consent, consent.id).text


def test_changed_text_between_showing_and_signing_is_refused(derm):
    from clinic.consents.services import sign_consent

    form = consent_form(procedure())
    with pytest.raises(Invalid) as invalid:
        sign_consent(
            make_patient(),
            form,
            signer_name="Pat Ient",
            signature_data_url=signature_data_url(),
            witness=derm,
            ip=None,
            text_digest=digest("an older text"),
        )
    assert "agree" in invalid.value.problems


def test_signed_consents_cannot_change_or_be_deleted_only_revoked(derm):
    consent = make_consent(make_patient(), procedure())
    db.session.commit()
    consent.text = "edited"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(consent)
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    revoke_consent(consent, derm, "Patient withdrew consent by phone")
    db.session.flush()
    assert consent.status(now_utc()) == "revoked"
    with pytest.raises(Invalid):
        revoke_consent(consent, derm, "again")


def test_gating_needs_a_valid_consent_for_the_procedure(derm):
    patient, micro, laser = make_patient(), procedure(), procedure("laser_exosome")
    with pytest.raises(ConsentMissing):
        require_treatment_consent(patient, micro, now_utc())
    consent = make_consent(patient, laser)
    with pytest.raises(ConsentMissing):  # a consent for another procedure does not count
        require_treatment_consent(patient, micro, now_utc())
    consent = make_consent(patient, micro)
    assert require_treatment_consent(patient, micro, now_utc()) == consent
    assert require_treatment_consent(patient, micro, consent.expires_at - timedelta(seconds=1)) == consent
    with pytest.raises(ConsentMissing):  # expired
        require_treatment_consent(patient, micro, consent.expires_at)
    revoke_consent(consent, derm, "Withdrawn")
    with pytest.raises(ConsentMissing):
        require_treatment_consent(patient, micro, now_utc())
    micro.requires_consent = False
    assert require_treatment_consent(patient, micro, now_utc()) is None


def test_session_cannot_start_without_consent_and_records_it(derm):
    from datetime import date

    patient = make_patient()
    with pytest.raises(ConsentMissing):
        pre.start_session(patient, procedure(), [], derm, {}, date.today())
    consent = make_consent(patient, procedure())
    session = pre.start_session(patient, procedure(), [], derm, {}, date.today())
    assert session.consent_id == consent.id


@pytest.fixture
def world(app):
    derm = make_user("dermatologist")
    patient = make_patient()
    consent = make_consent(patient, procedure())
    form = consent_form(procedure())
    db.session.commit()
    return dict(derm=derm, patient=patient, consent=consent, form=form)


def _routes(w):
    p, c, f = w["patient"].id, w["consent"].id, w["form"].id
    return [
        ("get", f"/patients/{p}/consents"),
        ("get", f"/patients/{p}/consents/{f}/sign"),
        ("post", f"/patients/{p}/consents/{f}/sign"),
        ("get", f"/consents/{c}"),
        ("post", f"/consents/{c}/revoke"),
    ]


def _admin_routes(w):
    return [
        ("get", "/admin/consent-forms"),
        ("get", f"/admin/consent-forms/{w['form'].id}/new-version"),
        ("post", f"/admin/consent-forms/{w['form'].id}/new-version"),
    ]


def _call(client, method, url):
    return client.get(url) if method == "get" else client.post(url, data={})


@pytest.mark.parametrize("role", ["patient", "admin"])
def test_staff_consent_pages_refuse_other_roles(world, login_as, role):
    client, _ = login_as(role)
    for method, url in _routes(world):
        assert _call(client, method, url).status_code == 403, (role, url)


@pytest.mark.parametrize("role", ["dermatologist", "aesthetician", "patient"])
def test_consent_form_admin_is_admin_only(world, login_as, role):
    client, _ = login_as(role)
    for method, url in _admin_routes(world):
        assert _call(client, method, url).status_code == 403, (role, url)


def test_other_clinic_gets_404(world, login_as):
    elsewhere = make_clinic("Elsewhere")
    client, _ = login_as("aesthetician", clinic=elsewhere)
    for method, url in _routes(world):
        assert _call(client, method, url).status_code == 404, url
    admin, _ = login_as("admin", clinic=elsewhere)
    for method, url in _admin_routes(world)[1:]:
        assert _call(admin, method, url).status_code == 404, url


def test_aesthetician_signs_on_the_tablet_and_empty_signature_is_refused(world, login_as):
    client, _ = login_as("aesthetician")
    url = f"/patients/{world['patient'].id}/consents/{world['form'].id}/sign"
    page = client.get(url)
    assert page.status_code == 200 and "no FDA-approved exosome products" in page.text
    text_digest = digest(render_text(world["form"]))
    before = db.session.scalar(sa.select(sa.func.count(Consent.id)))
    empty = client.post(
        url,
        data={
            "text_digest": text_digest,
            "agree": "y",
            "signer_name": "Pat Ient",
            "signature_method": "drawn",
            "signature": signature_data_url(blank=True),
        },
    )
    assert empty.status_code == 422 and "The signature is empty" in empty.text
    assert db.session.scalar(sa.select(sa.func.count(Consent.id))) == before
    ok = client.post(
        url,
        data={
            "text_digest": text_digest,
            "agree": "y",
            "signer_name": "Pat Ient",
            "signature_method": "drawn",
            "signature": signature_data_url(),
        },
    )
    assert ok.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Consent.id))) == before + 1


def test_view_and_revoke_through_the_pages(world, login_as):
    client, _ = login_as(user=world["derm"])
    page = client.get(f"/consents/{world['consent'].id}")
    assert page.status_code == 200 and 'alt="Signature of' in page.text
    client.post(f"/consents/{world['consent'].id}/revoke", data={"reason": "Patient asked to withdraw"})
    db.session.expire_all()
    assert db.session.get(Consent, world["consent"].id).revoke_reason == "Patient asked to withdraw"


def test_admin_publishes_a_new_version(world, login_as):
    client, _ = login_as("admin")
    url = f"/admin/consent-forms/{world['form'].id}/new-version"
    response = client.post(
        url,
        data={"language": "en", "title": "Consent v2", "body": "New text {product_sources}", "valid_months": 6},
    )
    assert response.status_code == 302
    newest = consent_form(procedure())
    assert (newest.version, newest.valid_months) == (2, 6)
    assert "New text DP Derm" in render_text(newest)


def test_precheck_page_says_consent_is_missing(app, login_as):
    derm = make_user("dermatologist")
    patient, procedure_id = make_patient(), procedure().id
    db.session.commit()
    client, _ = login_as(user=derm)
    response = client.post(
        f"/patients/{patient.id}/treatments/new",
        data={"procedure_id": procedure_id, "history_confirmed": "yes"},
    )
    assert response.status_code == 422 and "Consent needed" in response.text
