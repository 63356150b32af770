"""Issue 14 item 18: a typed-name signature with an "I agree" tick is an equal way to sign a consent, on the staff
tablet and in the portal, recorded as such, and it works with what a browser without JavaScript posts (no
drawn signature at all)."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from clinic.consents.models import Consent
from clinic.consents.services import digest, render_text, sign_consent, typed_signature
from clinic.extensions import db
from clinic.validation import Invalid
from tests.consents.factories import consent_form, signature_data_url
from tests.factories import make_patient, make_user
from tests.treatments.factories import catalog, procedure


@pytest.fixture
def world(app):
    catalog()
    patient = make_patient(first_name="Tess", last_name="Typed")
    derm = make_user("dermatologist")
    db.session.commit()
    return dict(patient=patient, derm=derm, form=consent_form(procedure()))


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Consent.id)))


def test_service_records_a_typed_signature_bound_to_the_text(world):
    form = world["form"]
    text_digest = digest(render_text(form))
    consent = sign_consent(
        world["patient"],
        form,
        signer_name="  Tess   Typed ",
        signature_method="typed",
        typed_agreed=True,
        witness=world["derm"],
        ip=None,
        text_digest=text_digest,
    )
    assert consent.signature_method == "typed" and consent.signature_png is None
    assert consent.signer_name == "Tess Typed"
    expected = hashlib.sha256(typed_signature("Tess Typed", text_digest).encode()).hexdigest()
    assert consent.signature_sha256 == expected


def test_service_refuses_a_typed_signature_without_the_tick(world):
    form = world["form"]
    with pytest.raises(Invalid) as invalid:
        sign_consent(
            world["patient"],
            form,
            signer_name="Tess Typed",
            signature_method="typed",
            typed_agreed=False,
            witness=None,
            ip=None,
            text_digest=digest(render_text(form)),
        )
    assert set(invalid.value.problems) == {"typed_agree"}


def test_service_refuses_an_unknown_method_and_still_checks_drawn_ones(world):
    form = world["form"]
    kwargs = dict(signer_name="Tess Typed", witness=None, ip=None, text_digest=digest(render_text(form)))
    with pytest.raises(Invalid) as invalid:
        sign_consent(world["patient"], form, signature_method="stamped", typed_agreed=True, **kwargs)
    assert "signature_method" in invalid.value.problems
    with pytest.raises(Invalid) as invalid:
        sign_consent(
            world["patient"],
            form,
            signature_method="drawn",
            typed_agreed=True,
            signature_data_url=signature_data_url(blank=True),
            **kwargs,
        )
    assert "signature" in invalid.value.problems
    drawn = sign_consent(
        world["patient"], form, signature_method="drawn", signature_data_url=signature_data_url(), **kwargs
    )
    assert drawn.signature_method == "drawn" and drawn.signature_png.startswith(b"\x89PNG")


def test_database_refuses_a_drawn_consent_without_its_image(world):
    form = world["form"]
    consent = sign_consent(
        world["patient"],
        form,
        signer_name="Tess Typed",
        signature_method="typed",
        typed_agreed=True,
        witness=None,
        ip=None,
        text_digest=digest(render_text(form)),
    )
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(Consent).where(Consent.id == consent.id).values(signature_method="drawn"))
        db.session.flush()
    db.session.rollback()


def _no_js_post(form, **overrides):
    """What a browser without JavaScript posts: the pad never filled the hidden signature."""
    data = {
        "text_digest": digest(render_text(form)),
        "agree": "y",
        "signer_name": "Tess Typed",
        "signature_method": "typed",
        "typed_agree": "y",
        "signature": "",
    }
    return {**data, **overrides}


def test_sign_pages_offer_the_typed_method_first_and_the_pad_as_equal(world, login_as):
    staff, _ = login_as(user=world["derm"])
    page = staff.get(f"/patients/{world['patient'].id}/consents/{world['form'].id}/sign").text
    typed_radio = 'checked class="form-check-input" id="signature_method-0" name="signature_method" type="radio"'
    assert typed_radio + ' value="typed"' in page
    assert 'value="drawn"' in page
    assert '<label class="form-check-label" for="typed_agree">' in page
    assert 'id="signature-pad"' in page and "Drawing needs JavaScript" in page


def test_staff_tablet_signs_with_a_typed_name_without_javascript(world, login_as):
    staff, _ = login_as("aesthetician")
    url = f"/patients/{world['patient'].id}/consents/{world['form'].id}/sign"
    refused = staff.post(url, data=_no_js_post(world["form"], typed_agree=""))
    assert refused.status_code == 422 and 'id="typed_agree-error"' in refused.text
    assert 'value="Tess Typed"' in refused.text and _count() == 0
    response = staff.post(url, data=_no_js_post(world["form"]))
    assert response.status_code == 302
    consent = db.session.scalars(sa.select(Consent)).one()
    assert (consent.method, consent.signature_method, consent.signature_png) == ("staff_tablet", "typed", None)
    listing = staff.get(f"/patients/{world['patient'].id}/consents").text
    assert "typed name, agreed as the signature" in listing
    record = staff.get(f"/consents/{consent.id}").text
    assert "Typed name, agreed as the signature" in record and "<img" not in record.split("<main")[-1]


def test_patient_signs_with_a_typed_name_in_the_portal_without_javascript(world, login_as):
    portal, _ = login_as("patient", patient=world["patient"])
    url = f"/portal/consents/forms/{world['form'].id}/sign"
    assert 'checked class="form-check-input" id="signature_method-0"' in portal.get(url).text
    refused = portal.post(url, data=_no_js_post(world["form"], typed_agree=""))
    assert refused.status_code == 422 and "Tick the box to sign with the typed name." in refused.text
    response = portal.post(url, data=_no_js_post(world["form"]))
    assert response.status_code == 302
    consent = db.session.scalars(sa.select(Consent)).one()
    assert (consent.method, consent.signature_method) == ("portal", "typed")
    page = portal.get(f"/portal/consents/{consent.id}").text
    assert "Typed name, agreed as the signature" in page and "Tess Typed" in page


def test_a_drawn_method_without_a_drawing_is_still_refused(world, login_as):
    portal, _ = login_as("patient", patient=world["patient"])
    url = f"/portal/consents/forms/{world['form'].id}/sign"
    response = portal.post(url, data=_no_js_post(world["form"], signature_method="drawn"))
    assert response.status_code == 422 and "The signature is empty" in response.text and _count() == 0
